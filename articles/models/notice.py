from django.conf import settings
from django.db import models
from django.utils import timezone


class NoticeQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """A line in someone's inbox on the desk: "changes requested on X", "X awaits your
    review", "a comment on your story". Written in the transaction of what it reports,
    so nobody is told of something that did not happen; mailed afterwards, by a job,
    only to people with an address (``email_state``)."""

    class Email(models.TextChoices):
        NONE = "", "Not mailed (no address)"
        PENDING = "pending", "Waiting to be mailed"
        SENT = "sent", "Mailed"
        FAILED = "failed", "Could not be mailed"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    story = models.ForeignKey(
        "Story", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=30)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(max_length=7, choices=Email.choices, blank=True, default="")
    email_attempts = models.PositiveIntegerField(default=0)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notice_unread_idx",
            )
        ]

    def __str__(self):
        return f"To {self.recipient_id}: {self.text[:60]}"
