from django.conf import settings
from django.db import models
from django.utils import timezone

from .append_only import AppendOnly

#: Action code → what the audit log calls it. Filled by whoever declares an action:
#: each workflow transition and operation (``articles.workflow``) and the failed
#: sign-in receiver (``articles.signals``), so an action is named where it is done.
_ACTIONS: dict[str, str] = {}


def declare_action(code: str, label: str) -> str:
    """Make ``code`` an action the audit log knows, called ``label``; return the code."""
    if len(code) > AuditEntry._meta.get_field("action").max_length:
        raise ValueError(f"Audit action code too long: {code!r}")
    known = _ACTIONS.setdefault(code, label)
    if known != label:
        raise ValueError(f"Audit action {code!r} is already declared as {known!r}")
    return code


def action_choices() -> list[tuple[str, str]]:
    """The declared actions, for the admin's filter (a callable, so no migration follows)."""
    return sorted(_ACTIONS.items(), key=lambda item: item[1])


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit entries are append-only.")

    def delete(self):
        raise TypeError("Audit entries are append-only.")


class AuditEntry(AppendOnly):
    """One line of the append-only editorial record: who did what, when, from which state.

    Written only by :meth:`record`.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(
        max_length=150, blank=True, help_text="Kept even if the account is deleted."
    )
    action = models.CharField(max_length=20, choices=action_choices, db_index=True)
    story = models.ForeignKey(
        "Story", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    story_headline = models.CharField(max_length=200, blank=True)
    revision_number = models.PositiveIntegerField(null=True, blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    refusal = "Audit entries are append-only: record what happened next instead."
    deletable = False

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "audit log"
        indexes = [models.Index(fields=["story", "-created_at"], name="audit_story_idx")]

    def __str__(self):
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name or 'system'}: {self.action_label}"
        )

    @property
    def action_label(self) -> str:
        return _ACTIONS.get(self.action, self.action)

    @classmethod
    def record(
        cls,
        action: str,
        *,
        actor=None,
        actor_name: str = "",
        story=None,
        revision_number: int | None = None,
        from_status: str | None = None,
        to_status: str | None = None,
        message: str = "",
        ip_address: str | None = None,
        at=None,
    ) -> "AuditEntry":
        """Write one line of the log. The only way an audit row is written.

        ``action`` must have been declared (:func:`declare_action`). The statuses
        default to the story's current one: an action that changes none.
        """
        if action not in _ACTIONS:
            raise ValueError(f"Undeclared audit action {action!r}")
        status = story.status if story is not None else ""
        return AuditEntry.objects.create(
            action=action,
            actor=actor,
            actor_name=actor_name or (actor.get_username() if actor is not None else ""),
            story=story,
            story_headline=story.headline[:200] if story is not None else "",
            revision_number=revision_number,
            from_status=status if from_status is None else from_status,
            to_status=status if to_status is None else to_status,
            message=message,
            ip_address=ip_address,
            created_at=at or timezone.now(),
        )
