"""Readers who asked for a newsletter, what they asked for, and the mail we owe them.

Everything here is personal data: it is shown to no public page, feed or API, only to
administrators in the admin and to the subscriber through the links in their mail
(their ``key``). A subscriber can download all of it and erase all of it
(``newsletters.subscribers``).
"""

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Section
from articles.models.story import edition_language

from .newsletter import Newsletter


def new_key() -> str:
    """The secret in a subscriber's links (unsubscribe, preferences): 256 random bits."""
    return secrets.token_urlsafe(32)


class Subscriber(models.Model):
    """One mailbox. It receives editions only while ``ACTIVE`` (it confirmed, and has not
    left, bounced or complained since); the status changes only through
    ``newsletters.subscribers``, each change with its time and reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        ACTIVE = "active", _("Subscribed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Address does not take mail")
        COMPLAINED = "complained", _("Reported us as spam")

    #: Stored in lower case: one mailbox, one row, however it is typed.
    email = models.EmailField(max_length=254, unique=True)
    key = models.CharField(max_length=64, unique=True, default=new_key, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    status_changed_at = models.DateTimeField(default=timezone.now)
    status_reason = models.CharField(max_length=300, blank=True)
    sections = models.ManyToManyField(
        Section,
        blank=True,
        related_name="newsletter_subscribers",
        help_text="Only stories from these sections. None: every section.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Proof of consent: when and from where the confirmation button was pressed, and the
    # page the sign-up came from.
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_ip = models.GenericIPAddressField(null=True, blank=True)
    signup_page = models.CharField(max_length=200, blank=True)
    #: The edition they last signed up from: the mail about their subscription (the
    #: confirmation, "already subscribed", their data) is written in its language.
    language = edition_language("The edition they signed up from: their mail's language.")
    soft_bounces = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["email"]
        indexes = [models.Index(fields=["status"], name="subscriber_status_idx")]

    def __str__(self):
        return self.email

    @property
    def receives_mail(self) -> bool:
        return self.status == self.Status.ACTIVE


class Subscription(models.Model):
    """A subscriber's wish for one newsletter (acted on only while they are ACTIVE)."""

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="subscriptions"
    )
    newsletter = models.ForeignKey(
        Newsletter, on_delete=models.CASCADE, related_name="subscriptions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "newsletter"], name="subscription_once_per_newsletter"
            )
        ]
        indexes = [models.Index(fields=["newsletter", "subscriber"], name="subscription_list_idx")]

    def __str__(self):
        return f"{self.subscriber_id} → {self.newsletter_id}"


class SubscriberMail(models.Model):
    """A message owed to one subscriber outside the editions (the confirmation link, a
    note that they are subscribed already, their data-download link): written in the
    transaction that calls for it, mailed by a job (``newsletters.mailer``)."""

    class Kind(models.TextChoices):
        CONFIRM = "confirm", "Confirmation link"
        ALREADY = "already", "Already subscribed"
        DATA = "data", "Data download link"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be mailed"
        SENT = "sent", "Mailed"
        FAILED = "failed", "Could not be mailed"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="mails")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(state="pending"), name="subscriber_mail_due_idx"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.subscriber_id}"


class SignupCounter(models.Model):
    """Sign-up attempts in one hour, under a keyed hash of the address or mailbox they
    came from (the address itself is never stored). Rows older than a day are deleted."""

    key = models.CharField(max_length=64)
    hour = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "hour"], name="signup_counter_once_per_hour")
        ]
        indexes = [models.Index(fields=["hour"], name="signup_counter_hour_idx")]

    def __str__(self):
        return f"{self.key[:8]}… {self.hour:%Y-%m-%d %H}: {self.count}"
