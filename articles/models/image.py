from django.db import models
from django.utils import timezone


def rendition_path(instance, filename):
    # The name is chosen by articles.renditions, never by an uploader.
    return f"renditions/{filename}"


class ImageRendition(models.Model):
    """A resized copy of an uploaded image, made in the background by ``articles.renditions``.

    Keyed by the original's storage name rather than a foreign key: snapshots name
    their image by its storage name, and an image outlives the story row it was
    uploaded with in old revisions.
    """

    class Kind(models.TextChoices):
        W480 = "w480", "Up to 480 pixels wide"
        W800 = "w800", "Up to 800 pixels wide"
        W1200 = "w1200", "Up to 1200 pixels wide"
        SOCIAL = "social", "Link preview card (1200 × 630)"

    class Format(models.TextChoices):
        WEBP = "webp", "WebP"
        JPEG = "jpeg", "JPEG"

    source = models.CharField(max_length=255, help_text="Storage name of the original image.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    format = models.CharField(max_length=4, choices=Format.choices)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    file = models.FileField(upload_to=rendition_path, max_length=255)
    # The focal point a crop was made for; a new focal point makes a new crop.
    focus_x = models.FloatField(default=0.5)
    focus_y = models.FloatField(default=0.5)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "format"], name="image_rendition_once"
            ),
        ]

    def __str__(self):
        return f"{self.source} {self.kind} {self.format} ({self.width}×{self.height})"

    @property
    def url(self) -> str:
        return self.file.url
