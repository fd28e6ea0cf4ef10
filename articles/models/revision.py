from django.conf import settings
from django.db import models
from django.utils import timezone

from .append_only import AppendOnly


class Revision(AppendOnly):
    """An immutable, numbered snapshot of a story and its children.

    One model serves history, restore and the live page: publishing points
    ``Story.live_revision`` at a revision, and reader pages render its snapshot.
    """

    story = models.ForeignKey("Story", on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    message = models.CharField(max_length=250, blank=True)

    refusal = "Revisions are immutable: save the story to make a new one."

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["story", "number"], name="revision_number_per_story"),
        ]

    def __str__(self):
        return f"Revision {self.number} of {self.snapshot.get('headline', '')}"


class RefusedSave(models.Model):
    """A save refused because the story changed after the form was opened.

    Its text is kept here, whole, the moment it is refused, so closing the tab loses
    nothing: the story's history lists it beside the save that won, and its writer
    (or an editor) compares the two and may make it the working copy.
    """

    story = models.ForeignKey("Story", on_delete=models.CASCADE, related_name="refused_saves")
    snapshot = models.JSONField()
    based_on = models.PositiveIntegerField(help_text="The version the form was opened at.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was made the working copy."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Refused save of {self.snapshot.get('headline', '')} ({self.created_at:%Y-%m-%d %H:%M})"
