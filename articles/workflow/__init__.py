"""The editorial workflow: every change of a story's status, and every act the audit log
records, goes through here.

- ``machine``: what a transition is and how one is made (permission, lock, state,
  effect, one audit row, the ``transitioned`` signal, email after commit), and the
  stale-version check.
- ``steps``: the newsroom's transitions, each declared once.
- ``editing``: saving the working copy as revisions (the ``edit`` transition), stale
  saves, restoring a revision.
- ``corrections``, ``previews``: corrections and preview links, audited.
- ``schedule``: transitions that fall due (scheduled publication, expiry).
- ``rules``: who may see and edit which story.

Callers use the names below; ``transition(story, "approve", editor)`` is the one way
to change a status.
"""

from . import comments, gates, translations
from .comments import add_comment, delete_comment, people_to_tell, visible_comments
from .comments import reopen as reopen_comment
from .comments import resolve as resolve_comment
from .corrections import amend_correction, correct, corrected, withdraw_correction
from .editing import (
    keep_refused_save,
    refuse_stale_save,
    restore,
    save_revision,
    use_refused_save,
)
from .machine import (
    Outcome,
    RulesFailed,
    StaleVersion,
    Transition,
    TransitionError,
    Workflow,
    transitioned,
    validate_schedule,
)
from .previews import create_preview_link, revoke_preview_link
from .rules import can_edit, can_view, visible_stories
from .schedule import publish_due, run_expiry, run_scheduled
from .steps import WORKFLOW
from .translations import translate
from .trash import can_trash, purge, purge_due, restore_from_trash, trash, trash_days, trashed

TRANSITIONS = WORKFLOW.transitions
transition = WORKFLOW.transition
allowed = WORKFLOW.allowed
can = WORKFLOW.can
available = WORKFLOW.available

__all__ = [
    "TRANSITIONS",
    "WORKFLOW",
    "Outcome",
    "RulesFailed",
    "StaleVersion",
    "Transition",
    "TransitionError",
    "Workflow",
    "add_comment",
    "allowed",
    "amend_correction",
    "available",
    "can",
    "can_edit",
    "can_trash",
    "can_view",
    "comments",
    "correct",
    "corrected",
    "create_preview_link",
    "delete_comment",
    "gates",
    "keep_refused_save",
    "people_to_tell",
    "publish_due",
    "purge",
    "purge_due",
    "refuse_stale_save",
    "reopen_comment",
    "resolve_comment",
    "restore",
    "restore_from_trash",
    "revoke_preview_link",
    "run_expiry",
    "run_scheduled",
    "save_revision",
    "transition",
    "transitioned",
    "translate",
    "translations",
    "trash",
    "trash_days",
    "trashed",
    "use_refused_save",
    "validate_schedule",
    "visible_comments",
    "visible_stories",
    "withdraw_correction",
]
