from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

#: How often an open story form says it is still open (static/js/admin/presence.js).
HEARTBEAT_SECONDS = 30
#: Someone whose form said so this recently is shown as "editing". Two heartbeats: one
#: late or lost does not hide anyone, and a tab closed without saying goodbye (a crash,
#: a lost connection) is gone within a minute.
PRESENCE_WINDOW = timedelta(seconds=2 * HEARTBEAT_SECONDS)


class EditingPresenceQuerySet(models.QuerySet):
    def others_editing(self, story, user, at=None):
        since = (at or timezone.now()) - PRESENCE_WINDOW
        return (
            self.filter(story=story, last_seen__gte=since).exclude(user=user).select_related("user")
        )


class EditingPresence(models.Model):
    """Who has a story's form open: "being edited by X since …", from the form's
    heartbeat; the form says goodbye when its tab closes."""

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

    @classmethod
    def leave(cls, story, user, seen=None) -> None:
        """``user`` closed the story's form: nobody is told they are editing any more.

        ``seen`` is the closing page's last heartbeat: a later one (the page that
        follows a save, another tab) means the form is still open, and stays."""
        here = cls.objects.filter(story=story, user=user)
        if seen is not None:
            here = here.filter(last_seen__lte=seen)
        here.delete()
