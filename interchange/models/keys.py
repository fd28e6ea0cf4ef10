"""API keys for partners: optional, hashed, revocable, each with its own rate limit.

The API is public: a key does not unlock anything. It names the partner, gives them
their own request budget (anonymous answers are cached and cost us little) and
answers fresh rather than from a shared cache.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

#: Every key starts with this, so that a leaked one is recognisable in a log or a scan.
KEY_PREFIX = "nrk_"


def digest(key: str) -> str:
    # Keys are 256 random bits, so a plain SHA-256 is as good as a slow hash here and
    # lets a request find its key in one indexed query.
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    name = models.CharField(
        max_length=120, help_text="Who uses this key, e.g. the partner's name and their system."
    )
    prefix = models.CharField(
        max_length=16,
        editable=False,
        help_text="The start of the key, to recognise it: the key itself is never stored.",
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    rate_per_minute = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Requests a minute this key may make. Leave empty for the usual limit.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="A revoked key is refused at once."
    )

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, name: str, *, by=None, rate_per_minute: int | None = None):
        """A new key: (the saved row, the key itself, to show once and never again)."""
        row = cls(name=name, created_by=by, rate_per_minute=rate_per_minute)
        key = row.set_key()
        row.save()
        return row, key

    def set_key(self) -> str:
        """Give this unsaved row a new key; return the key (shown once)."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        self.prefix, self.digest = key[:12], digest(key)
        return key

    @classmethod
    def find(cls, key: str) -> "ApiKey | None":
        return cls.objects.filter(digest=digest(key)).first()
