"""The state machine itself: what a transition is, and how one is made.

A :class:`Transition` carries everything about one step of the workflow: its button,
who may take it and from which states, what it does besides changing the status,
what the audit log and the person who took it are told, who hears about it by email,
and whether it vouches for the text the editor read. :class:`Workflow` runs a table of
them; ``articles.workflow.steps`` declares the newsroom's. Adding a transition is
adding one declaration there.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from articles.cache import order_changes
from articles.models import AuditEntry, Revision, Status, Story
from articles.models.audit import declare_action
from articles.notifications import Told, notify

from . import gates
from .rules import can_edit

#: Sent inside the transaction of every transition, once the status changed, so that a receiver's own writes (a job, an outbox row)
#: commit or roll back with it. Arguments: ``story`` (the locked row, changed),
#: ``transition``, ``actor`` (None for the system), ``from_status``, ``revision`` (the
#: one the transition concerns, or None) and ``at``. Receivers are listed in
#: docs/architecture.md.
transitioned = Signal()


class TransitionError(ValidationError):
    """A transition that cannot happen now; its messages are for the person who tried.

    A ValidationError, so forms and admin views show it like any other refusal.
    """


class StaleVersion(TransitionError):
    """The story was saved since the person's page was opened."""


def _nothing(story, **_) -> None:
    return None


@dataclass(frozen=True)
class Transition:
    name: str
    #: The button, e.g. "Approve".
    label: str
    sources: frozenset
    #: The status it leads to.
    target: str
    #: The Django permission it needs; with ``writers_only``, on stories the person
    #: may edit (their own, for journalists), otherwise on every story.
    permission: str
    #: What the audit log calls it, e.g. "Approved"; also its past tense in messages.
    audit_label: str
    #: Said to the person who took it: a text where ``{when}`` and ``{url}`` are the
    #: story's publish time and address, or a function of the story and its former
    #: status that returns one ("" for nothing to say).
    done: str | Callable[[Story, str], str]
    effect: Callable = _nothing
    writers_only: bool = False
    #: Needs a comment for the writers.
    needs_comment: bool = False
    #: Asks for a publish time and an optional expiry.
    takes_schedule: bool = False
    #: Refused when the story was saved since the page was opened: it approves or
    #: publishes the words the person read, never later ones.
    vouches_for_text: bool = False
    #: Only for a story readers can see now (or one with a live copy, for taking down).
    needs_live_copy: bool = False
    #: A button in the admin; False for transitions that happen by saving.
    by_button: bool = True
    #: The button stands out as the next step.
    primary: bool = False
    #: Asked in the browser before the button does it.
    confirm: str = ""
    #: The notice's subject (``{headline}``), and who gets it: "editors" or "writers".
    notify_subject: str = ""
    notify: str = ""
    #: The step of the house rules it must pass: "submit", "approve", "schedule",
    #: "publish" (see ``HouseRule``), or "" for none.
    gate: str = ""

    def __post_init__(self):
        declare_action(self.name, self.audit_label)

    def applies_to(self, story: Story) -> bool:
        """Whether the story's state allows it, whoever asks."""
        if story.status not in self.sources:
            return False
        return not self.needs_live_copy or story.live_revision_id is not None

    def done_message(self, story: Story, from_status: str = "") -> str:
        if callable(self.done):
            return self.done(story, from_status)
        when = ""
        if story.scheduled_at:
            when = date_format(timezone.localtime(story.scheduled_at), "DATETIME_FORMAT")
        url = story.get_absolute_url() if "{url}" in self.done else ""
        return format_html(self.done, when=when, url=url)


def check_version(story: Story, seen_version: int | None, *, refusal: str) -> Story:
    """Lock the story; refuse with :class:`StaleVersion` if it was saved since the
    person's page showed ``seen_version`` (a story's version is its latest revision's
    number).

    ``refusal`` is the message, with ``{revision}``, ``{who}``, ``{when}`` (the latest
    save) and ``{compare}`` (a link comparing the two versions). Call it inside a
    transaction: the lock holds until it ends, so a second writer arriving now waits,
    then sees the new version and is refused in turn.
    """
    with transaction.atomic():
        locked = Story.objects.select_for_update().get(pk=story.pk)
    if seen_version is not None and locked.version == seen_version:
        return locked
    seen_version = seen_version or 0
    latest = locked.revisions.select_related("created_by").order_by("-number").first()
    if latest is None:
        number, who, when = locked.version, "someone", "an unknown time"
    else:
        author = latest.created_by
        number = latest.number
        who = (author.get_full_name() or author.get_username()) if author else "the system"
        when = date_format(timezone.localtime(latest.created_at), "DATETIME_FORMAT")
    compare = format_html(
        '<a href="{}?a={}&amp;b={}">compare the two versions</a>',
        reverse("history:compare", args=[locked.pk]),
        seen_version,
        number,
    )
    raise StaleVersion(format_html(refusal, revision=number, who=who, when=when, compare=compare))


class Workflow:
    """A table of transitions and the one way to make them."""

    def __init__(self, transitions: list[Transition]):
        self.transitions = {t.name: t for t in transitions}

    def __getitem__(self, name: str) -> Transition:
        return self.transitions[name]

    def allowed(self, user, story: Story, step: Transition) -> bool:
        """Whether ``user`` holds the right for ``step`` on ``story``, whatever its state."""
        if not (user.is_active and user.has_perm(step.permission)):
            return False
        return not step.writers_only or can_edit(user, story)

    def can(self, user, story: Story, name: str) -> bool:
        """Whether ``user`` may make transition ``name`` on ``story`` in its current state."""
        step = self.transitions[name]
        return step.applies_to(story) and self.allowed(user, story, step)

    def available(self, user, story: Story) -> list[Transition]:
        """The buttons ``user`` may press on ``story`` now."""
        return [
            t for t in self.transitions.values() if t.by_button and self.can(user, story, t.name)
        ]

    def transition(
        self,
        story: Story,
        name: str,
        actor,
        *,
        expected_version: int | None = None,
        message: str = "",
        at: datetime | None = None,
        publish_at: datetime | None = None,
        expire_at: datetime | None = None,
        override_reason: str = "",
        ip_address: str | None = None,
    ) -> Story:
        """Make transition ``name``; ``actor=None`` is the system (scheduled jobs, commands).

        Checks the right, the comment, the schedule and, for a transition that vouches
        for the text, ``expected_version`` (the version the person's page showed);
        then, in one transaction with the story row locked, the state, the house rules
        of its gate (``override_reason`` lets an editor pass a blocking one, audited),
        the effect, the status, one audit row, the ``transitioned`` signal and the
        notices to the people concerned. Refusals raise ``PermissionDenied`` or
        :class:`TransitionError` (:class:`RulesFailed` for the house rules) and change
        nothing. The returned story carries ``outcome``: who was told, and the
        warnings of the house rules.
        """
        step = self.transitions[name]
        if actor is not None and not self.allowed(actor, story, step):
            raise PermissionDenied(f"You may not {step.label.lower()} this story.")
        message = (message or "").strip()
        override_reason = (override_reason or "").strip()
        if step.needs_comment and not message:
            raise TransitionError("Write a comment for the writers: what should change?")
        if step.takes_schedule:
            validate_schedule(publish_at, expire_at, at=at)

        with transaction.atomic():
            if at is None and step.target in (Status.PUBLISHED, Status.UNPUBLISHED):
                # Stamped once in line, so the stamps of publications follow their commits.
                order_changes()
            at = at or timezone.now()
            if step.vouches_for_text and expected_version is not None:
                locked = check_version(
                    story,
                    expected_version,
                    refusal="This story was saved since you opened it (revision {revision} by "
                    "{who} at {when}), so it was not "
                    + step.audit_label.lower()
                    + ". Read the new text ({compare}), then try again.",
                )
            else:
                locked = Story.objects.select_for_update().get(pk=story.pk)
            if not step.applies_to(locked):
                raise TransitionError(
                    f"This story is {locked.get_status_display().lower()} now, so it cannot "
                    f"be changed with “{step.label}”. Someone may have just changed it: "
                    "reload the page."
                )
            judgement = gates.judge(locked, step.gate) if step.gate else gates.Judgement()
            if judgement.blocking:
                if not (override_reason and gates.may_override(actor)):
                    raise RulesFailed(
                        step, judgement.blocking, overridable=gates.may_override(actor)
                    )
                AuditEntry.record(
                    gates.OVERRIDE,
                    actor=actor,
                    story=locked,
                    message=f"{step.label}, overriding: "
                    + "; ".join(f.message for f in judgement.blocking)
                    + f"\nReason: {override_reason}",
                    ip_address=ip_address,
                    at=at,
                )
            from_status = locked.status
            revision = move(
                locked,
                step,
                actor,
                at=at,
                message=message,
                publish_at=publish_at,
                expire_at=expire_at,
            )
            AuditEntry.record(
                step.name,
                actor=actor,
                story=locked,
                revision_number=revision.number if revision else None,
                from_status=from_status,
                to_status=locked.status,
                message=message,
                ip_address=ip_address,
                at=at,
            )
            told = notify(locked, step, actor, message)
        story.refresh_from_db()
        story.outcome = Outcome(told=told, warnings=judgement.warnings)
        return story


@dataclass(frozen=True)
class Outcome:
    """What a transition leaves to say: who was told, and the house rules' warnings."""

    told: Told
    warnings: list


class RulesFailed(TransitionError):
    """A transition refused by blocking house rules; ``failures`` says what to fix."""

    def __init__(self, step: Transition, failures: list, *, overridable: bool):
        self.step = step
        self.failures = failures
        self.overridable = overridable
        super().__init__(
            f"Not {step.audit_label.lower()}: "
            + " ".join(failure.message for failure in failures)
            + (" An editor may go ahead anyway with a written reason." if overridable else "")
        )


def move(story: Story, step: Transition, actor, *, at: datetime, **details) -> Revision | None:
    """Apply ``step`` to the locked ``story``: its effect, then its status, saved; then
    the ``transitioned`` signal. The caller writes the audit row.

    Returns the revision the step concerns: the one its effect names (publishing names
    the revision now live), else the latest.
    """
    from_status = story.status
    revision = step.effect(story, actor=actor, at=at, **details) or story.latest_revision()
    story.status = step.target
    story.save(workflow=True)
    transitioned.send(
        sender=Story,
        story=story,
        transition=step,
        actor=actor,
        from_status=from_status,
        revision=revision,
        at=at,
    )
    return revision


def validate_schedule(publish_at: datetime | None, expire_at: datetime | None, *, at=None) -> None:
    """The schedule rule, for the form that asks and the transition that does it."""
    at = at or timezone.now()
    if publish_at is None:
        raise TransitionError({"publish_at": "Choose when the story should go live."})
    if publish_at <= at:
        raise TransitionError({"publish_at": "The publish time must be in the future."})
    if expire_at is not None and expire_at <= publish_at:
        raise TransitionError({"expire_at": "The expiry must come after the publish time."})
