import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from articles.models.taxonomy import NamedInEditions
from articles.text import plain_text
from articles.uploads import CleanImageField


def author_photo_path(instance, filename):
    """Store uploads under a generated name: the uploader's filename is never trusted."""
    suffix = PurePath(filename).suffix.lower()[:5]
    return f"authors/{uuid.uuid4().hex}{suffix}"


class Author(NamedInEditions):
    """A byline. Not necessarily a user: guest writers and agencies have bylines too.
    Its ``names`` are how the other editions write it (``{"fa": "حسین امیری"}``)."""

    name = models.CharField(max_length=120, validators=[plain_text])
    slug = models.SlugField(max_length=120, unique=True, allow_unicode=True, blank=True)
    job_title = models.CharField(
        max_length=120, blank=True, help_text="e.g. Diplomatic correspondent"
    )
    bio = models.TextField(blank=True, validators=[plain_text])
    photo = CleanImageField(upload_to=author_photo_path, blank=True)
    photo_alt = models.CharField("photo description", max_length=250, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author",
        help_text="The staff account that writes under this byline, if any.",
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:author-detail", args=[self.slug])

    def clean(self):
        super().clean()
        if self.photo and not self.photo_alt.strip():
            raise ValidationError(
                {"photo_alt": "Describe the photo for readers who cannot see it."}
            )
