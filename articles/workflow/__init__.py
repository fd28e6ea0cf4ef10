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

from .corrections import amend_correction, correct, corrected, withdraw_correction
from .editing import (
    keep_refused_save,
    refuse_stale_save,
    restore,
    save_revision,
    use_refused_save,
)
from .machine import (
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

TRANSITIONS = WORKFLOW.transitions
transition = WORKFLOW.transition
allowed = WORKFLOW.allowed
can = WORKFLOW.can
available = WORKFLOW.available

__all__ = [
    "TRANSITIONS",
    "WORKFLOW",
    "StaleVersion",
    "Transition",
    "TransitionError",
    "Workflow",
    "allowed",
    "amend_correction",
    "available",
    "can",
    "can_edit",
    "can_view",
    "correct",
    "corrected",
    "create_preview_link",
    "keep_refused_save",
    "publish_due",
    "refuse_stale_save",
    "restore",
    "revoke_preview_link",
    "run_expiry",
    "run_scheduled",
    "save_revision",
    "transition",
    "transitioned",
    "use_refused_save",
    "validate_schedule",
    "visible_stories",
    "withdraw_correction",
]
