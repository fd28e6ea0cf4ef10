import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

PREVIEW_LIFETIME = timedelta(days=7)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PreviewLinkQuerySet(models.QuerySet):
    def find(self, token: str):
        """The link for ``token`` in whatever state, or None. Only the token's hash is stored."""
        if not token or len(token) > 100:
            return None
        return self.select_related("revision", "story").filter(token_hash=hash_token(token)).first()


class PreviewLink(models.Model):
    """A secret, expiring, revocable address showing one revision to someone without an account.

    The token (256 random bits) is shown once, when the link is made; the database
    keeps only its SHA-256, so a leaked backup does not leak working previews.
    """

    story = models.ForeignKey("Story", on_delete=models.CASCADE, related_name="preview_links")
    revision = models.ForeignKey("Revision", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    note = models.CharField(
        max_length=120, blank=True, help_text="Who it is for, e.g. 'Source: quote check'."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the story was published or taken down after the link was made: "
        "from then on the link shows nothing.",
    )

    class State(models.TextChoices):
        USABLE = "usable", "Usable"
        SUPERSEDED = "superseded", "Superseded"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Preview of revision {self.revision.number} ({self.note or 'no note'})"

    @classmethod
    def create_for(cls, revision, *, by, note="", lifetime=PREVIEW_LIFETIME, at=None):
        """Make a link and return ``(link, token)``; the token is not stored anywhere."""
        at = at or timezone.now()
        token = secrets.token_urlsafe(32)
        link = cls.objects.create(
            story=revision.story,
            revision=revision,
            token_hash=hash_token(token),
            note=note,
            created_by=by,
            created_at=at,
            expires_at=at + lifetime,
        )
        return link, token

    @staticmethod
    def url_for(token: str) -> str:
        return reverse("preview:story", args=[token])

    def state_at(self, at=None) -> "PreviewLink.State":
        """Where the link stands: the one rule, for the page it opens, the desk and the admin.

        A link shows its revision only while it is *usable*. It is *superseded* once the
        story is published (readers see it, or a later text, at its real address) or
        taken down (and a takedown must not live on at a secret address); *expired*
        and *revoked* links open nothing either.
        """
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= (at or timezone.now()):
            return self.State.EXPIRED
        if self.superseded_at is not None:
            return self.State.SUPERSEDED
        return self.State.USABLE

    @property
    def state(self) -> "PreviewLink.State":
        return self.state_at()

    @property
    def opens(self) -> bool:
        """Whether the link's address shows its revision now."""
        return self.state == self.State.USABLE
