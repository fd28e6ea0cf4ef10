from django.db import models
from django.utils import timezone


class Invalidation(models.Model):
    """A change readers must see at once, written in the transaction that made it.

    The page cache's outbox: its id is a *generation*, and ``tags`` name the pages it
    makes stale (``story-12``, ``home``… or ``*``, every page). Every app server reads
    the new rows now and then, so a cached page showing one of those tags, rendered
    under an older generation, is never served for long after the database knows
    better, whatever Redis went through; ``delivered_at`` says when Redis (and the CDN
    hook, if any) acknowledged it, and a job retries until they do
    (``articles.cache.outbox``).
    """

    created_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=120, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    tags = models.JSONField(default=list, blank=True)
    #: Whether it makes every page stale (its tags hold ``*``): stored renderings
    #: older than the newest such change are rendered anew.
    everything = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(delivered_at__isnull=True),
                name="invalidation_pending_idx",
            ),
            models.Index(fields=["created_at"], name="invalidation_created_idx"),
            models.Index(
                fields=["id"],
                condition=models.Q(everything=True),
                name="invalidation_everything_idx",
            ),
        ]

    def __str__(self):
        return f"Invalidation {self.pk}: {self.reason or 'pages'}"
