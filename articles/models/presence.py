from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

#: Someone who opened a story's form this recently is shown as "editing".
PRESENCE_WINDOW = timedelta(minutes=10)


class EditingPresenceQuerySet(models.QuerySet):
    def others_editing(self, story, user, at=None):
        since = (at or timezone.now()) - PRESENCE_WINDOW
        return (
            self.filter(story=story, last_seen__gte=since).exclude(user=user).select_related("user")
        )


class EditingPresence(models.Model):
    """Who has a story's form open: "being edited by X since …"."""

    story = models.ForeignKey("Story", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    objects = EditingPresenceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["story", "user"], name="presence_once_per_user"),
        ]

    def __str__(self):
        return f"{self.user} on story {self.story_id} since {self.since:%H:%M}"

    @classmethod
    def touch(cls, story, user, at=None):
        """Record that ``user`` has the story open now; keep ``since`` while the visit lasts."""
        at = at or timezone.now()
        presence, created = cls.objects.get_or_create(
            story=story, user=user, defaults={"since": at, "last_seen": at}
        )
        if not created:
            if presence.last_seen < at - PRESENCE_WINDOW:
                presence.since = at
            presence.last_seen = at
            presence.save(update_fields=["since", "last_seen"])
        return presence
