from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit entries are append-only.")

    def delete(self):
        raise TypeError("Audit entries are append-only.")


class AuditEntry(models.Model):
    """One line of the append-only editorial record: who did what, when, from which state."""

    class Action(models.TextChoices):
        SUBMIT = "submit", "Submitted for review"
        REQUEST_CHANGES = "request_changes", "Requested changes"
        APPROVE = "approve", "Approved"
        SCHEDULE = "schedule", "Scheduled"
        CANCEL_SCHEDULE = "cancel_schedule", "Cancelled schedule"
        PUBLISH = "publish", "Published"
        UNPUBLISH = "unpublish", "Unpublished"
        EDIT_RESET = "edit_reset", "Edited: back to draft"
        RESTORE = "restore", "Restored a revision"
        CORRECTION = "correction", "Added a correction"
        PREVIEW_CREATE = "preview_create", "Created a preview link"
        PREVIEW_REVOKE = "preview_revoke", "Revoked a preview link"
        LOGIN_FAILED = "login_failed", "Failed sign-in"

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(
        max_length=150, blank=True, help_text="Kept even if the account is deleted."
    )
    action = models.CharField(max_length=20, choices=Action.choices, db_index=True)
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

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "audit log"
        indexes = [models.Index(fields=["story", "-created_at"], name="audit_story_idx")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name or 'system'}: {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Audit entries are append-only.")
        if self.actor and not self.actor_name:
            self.actor_name = self.actor.get_username()
        if self.story and not self.story_headline:
            self.story_headline = self.story.headline[:200]
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit entries are append-only.")
