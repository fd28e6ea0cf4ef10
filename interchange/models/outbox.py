"""Webhooks: the endpoints partners gave us, and the outbox of what happened to stories.

An :class:`Event` is written in the same transaction as the change it reports (see
``interchange.signals``), with one :class:`Delivery` per endpoint that wants it: the
change and the promise to announce it commit or roll back together. A worker then
carries out each delivery (``interchange.delivery``), logging every :class:`Attempt`.
"""

import base64
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from interchange.addresses import check_url


class EventType(models.TextChoices):
    PUBLISHED = "story.published", "Published (first time, or again after a takedown)"
    UPDATED = "story.updated", "Updated (published again while live)"
    UNPUBLISHED = "story.unpublished", "Unpublished"
    CORRECTED = "story.corrected", "Corrected"
    # Sent once the trash exists (issue 11): a transition whose target is "trashed".
    TRASHED = "story.trashed", "Moved to the trash"


#: After these, partners should remove the story: its item answers ``pubstatus: canceled``.
TAKEDOWNS = frozenset({EventType.UNPUBLISHED, EventType.TRASHED})


def new_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class Endpoint(models.Model):
    url = models.URLField(
        "web address",
        max_length=500,
        help_text="Where we send the events, e.g. https://partner.example.com/hooks/newsroom. "
        "Public addresses only.",
    )
    description = models.CharField(
        max_length=200, blank=True, help_text="Whose endpoint this is, and who to call about it."
    )
    event_types = models.JSONField(
        "events",
        default=list,
        blank=True,
        help_text="The events to send. None ticked: all of them, including kinds added later.",
    )
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    active = models.BooleanField(
        default=True,
        help_text="Untick to stop sending. Endpoints that answer 410 Gone are switched off "
        "by themselves.",
    )
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # Health, kept up to date by every attempt so that the list needs no counting.
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_failure_at = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["url"]

    def __str__(self):
        return self.url

    def clean(self):
        super().clean()
        if self.url:
            check_url(self.url)

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types

    @property
    def health(self) -> str:
        if not self.active:
            return f"Switched off: {self.disabled_reason}" if self.disabled_reason else "Off"
        if self.consecutive_failures:
            return f"Failing: {self.consecutive_failures} failed attempts in a row"
        if self.last_success_at:
            return "Healthy"
        return "Nothing sent yet"


class Event(models.Model):
    """Something that happened to a story, as partners hear of it. Never changed."""

    type = models.CharField(max_length=40, choices=EventType.choices)
    # Not a foreign key: the outbox outlives a deleted story, whose id partners still
    # hold, and its rows are never cascaded away.
    story_id = models.PositiveBigIntegerField(db_index=True)
    revision = models.PositiveIntegerField(null=True, blank=True)
    occurred_at = models.DateTimeField()
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["story_id", "-id"], name="event_story_latest_idx")]

    def __str__(self):
        return f"{self.type} story {self.story_id}"


class Delivery(models.Model):
    """One event for one endpoint. Its ``webhook_id`` is the same on every attempt, so
    a receiver that gets it twice (at-least-once) can tell."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Given up"
        CANCELLED = "cancelled", "Not sent: endpoint switched off"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    webhook_id = models.CharField(max_length=40, unique=True, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    #: Attempts made before the last replay: the retry schedule starts again after one.
    attempts_before_replay = models.PositiveIntegerField(default=0)
    #: When it is due (a retry), or when an attempt under way is taken to have died
    #: with its worker. A job is queued for this time whenever it is set.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="delivery_once_per_endpoint")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="delivery_due_idx",
            )
        ]

    def __str__(self):
        return f"{self.webhook_id} to {self.endpoint_id}"

    @staticmethod
    def new_webhook_id() -> str:
        return f"msg_{uuid.uuid4().hex}"

    @property
    def attempts_this_run(self) -> int:
        return self.attempts - self.attempts_before_replay


class Attempt(models.Model):
    """One try at a delivery: the delivery log. An attempt with a start and no end was
    cut off (its worker died); the delivery was tried again."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    response_excerpt = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_number_once")
        ]

    def __str__(self):
        return f"Attempt {self.number} of {self.delivery_id}"

    @property
    def outcome(self) -> str:
        if self.finished_at is None:
            return "cut off (no answer recorded)"
        if self.status_code is not None:
            return f"HTTP {self.status_code}"
        return self.error or "no answer"
