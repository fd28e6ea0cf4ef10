from django.db import models
from django.utils import timezone


class Invalidation(models.Model):
    """A change readers must see at once, written in the transaction that made it.

    The page cache's outbox: its id is the *publication generation*. Every app server
    reads the newest id now and then, so a cached page keyed by an older generation
    is never served for long after the database knows better, whatever Redis went
    through; ``delivered_at`` says when Redis (and the CDN hook, if any) acknowledged
    it, and a job retries until they do (``articles.cache``).
    """

    created_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=120, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(delivered_at__isnull=True),
                name="invalidation_pending_idx",
            )
        ]

    def __str__(self):
        return f"Invalidation {self.pk}: {self.reason or 'pages'}"
