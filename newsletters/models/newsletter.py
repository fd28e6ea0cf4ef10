"""Newsletters, their editions, and one send row per subscriber per edition.

An :class:`Edition` lists stories (:class:`EditionItem`, in the editor's order, each
one kept or dropped); its text is never stored: it is built from the stories' live
copies whenever it is previewed or sent, so a story taken down or corrected meanwhile
is dropped or shown corrected (``newsletters.digest``). It is sent only once it is
approved, by an editor or by the schedule the newsletter's editors turned on.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from articles.models import Section, Story
from articles.models.story import edition_language
from articles.text import plain_text


class Newsletter(models.Model):
    name = models.CharField(max_length=100, unique=True, validators=[plain_text])
    slug = models.SlugField(max_length=60, unique=True)
    description = models.CharField(
        max_length=300,
        blank=True,
        validators=[plain_text],
        help_text="One sentence for the sign-up page: what it is and how often it comes.",
    )
    sections = models.ManyToManyField(
        Section,
        blank=True,
        related_name="newsletters",
        help_text="The sections whose stories it carries. None ticked: every section.",
    )
    language = edition_language(
        "The edition of the site it carries: only stories written in this language."
    )
    send_time = models.TimeField(
        default=time(7, 0), help_text="When each day's edition goes out, in the newsroom's time."
    )
    window_hours = models.PositiveSmallIntegerField(
        "stories from the last (hours)",
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text="An edition carries the stories first published in this many hours up to "
        "its send time. An editor can change the window of one edition.",
    )
    auto_send = models.BooleanField(
        "send on schedule",
        default=False,
        help_text="Send each day's edition at the send time without waiting for an editor's "
        "approval. Off: an edition goes out only once an editor approves it.",
    )
    preselected = models.BooleanField(
        "in the sign-up box",
        default=False,
        help_text="The sign-up box at the foot of every page subscribes readers to the "
        "newsletters ticked here, and the sign-up page ticks them first.",
    )
    active = models.BooleanField(
        default=True, help_text="Untick to stop editions and hide it from the sign-up page."
    )
    position = models.PositiveIntegerField(default=0, help_text="Lower numbers come first.")
    #: The schedule's next turn (``newsletters.schedule``): the draft or the send time.
    next_run_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def send_at(self, day) -> datetime:
        """When the edition of ``day`` goes out (aware, in the newsroom's time zone)."""
        return timezone.make_aware(datetime.combine(day, self.send_time))

    def window(self, day) -> tuple[datetime, datetime]:
        end = self.send_at(day)
        return end - timedelta(hours=self.window_hours), end


class Edition(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved: goes out at the send time"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Cancelled"

    newsletter = models.ForeignKey(Newsletter, on_delete=models.PROTECT, related_name="editions")
    date = models.DateField(help_text="The day it goes out.")
    window_start = models.DateTimeField(
        "stories published after", help_text="Normally the send time a day earlier."
    )
    window_end = models.DateTimeField(
        "and up to",
        help_text="Normally the send time. Press “Fetch the stories again” after changing either.",
    )
    intro = models.TextField(
        blank=True,
        validators=[plain_text, MaxLengthValidator(600)],
        help_text="A short note above the stories, in plain words (at most 600 characters).",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    send_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    #: An editor arranged its stories: new ones found later go to the end, not the top.
    curated = models.BooleanField(default=False, editable=False)
    # Sending (``newsletters.sending``): one job at a time holds the edition until
    # ``lease_until``; the next batch may start at ``next_batch_at`` (the rate limit).
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    lease_token = models.CharField(max_length=32, blank=True, editable=False)
    next_batch_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-date", "newsletter__position"]
        constraints = [
            models.UniqueConstraint(fields=["newsletter", "date"], name="edition_once_a_day")
        ]
        permissions = [("approve_edition", "Can approve editions for sending")]

    def __str__(self):
        return f"{self.newsletter.name}, {self.date.day} {self.date:%B %Y}"

    @property
    def send_at(self) -> datetime:
        return self.newsletter.send_at(self.date)

    @property
    def editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.APPROVED)


class EditionItem(models.Model):
    """A story in an edition, in the editor's order; the first kept one leads it."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="items")
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)
    included = models.BooleanField(
        "in the edition", default=True, help_text="Untick to drop the story from this edition."
    )

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "story"], name="edition_item_once")
        ]

    def __str__(self):
        return f"{self.story_id} in {self.edition_id}"


class Send(models.Model):
    """One edition for one subscriber: made for every subscriber when sending starts,
    claimed by one job at a time (``SKIP LOCKED``), marked sent in the transaction that
    held it while the mail server took the message. So each subscriber gets an edition
    once, whatever happens to the workers."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Not sent"
        FAILED = "failed", "Could not be sent"

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="sends")
    subscriber = models.ForeignKey(
        "newsletters.Subscriber", on_delete=models.CASCADE, related_name="sends"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "subscriber"], name="send_once_per_edition")
        ]
        indexes = [
            models.Index(
                fields=["edition", "id"],
                condition=models.Q(status="pending"),
                name="send_pending_idx",
            )
        ]

    def __str__(self):
        return f"Edition {self.edition_id} to {self.subscriber_id}: {self.status}"
