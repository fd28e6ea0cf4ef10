from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import translation

from articles import editions
from articles.text import unique_slug


class SluggedByName(models.Model):
    """A row whose address part (``slug``) is made from its ``name`` when first saved
    without one, free among its kind's (``articles.text.unique_slug``)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(type(self), self.name, instance=self)
        super().save(*args, **kwargs)


class NamedInEditions(SluggedByName):
    """Something readers see by name (a section, an author, a briefing label), with the
    name written for the other editions: ``names`` by language code, ``{"fa": "جهان"}``."""

    names = models.JSONField(
        default=dict,
        blank=True,
        help_text='Its name in the other editions, by language code: {"fa": "…"}.',
    )

    class Meta:
        abstract = True

    def name_in(self, language: str) -> str:
        """Its name in ``language``'s edition (the default name if it has none there)."""
        return (self.names or {}).get(language) or self.name

    @property
    def local_name(self) -> str:
        """Its name in the edition being shown (menus, headings, bylines)."""
        return self.name_in(translation.get_language() or "")


class Section(NamedInEditions):
    """A desk of the newsroom and a section of the reading site (World, Politics, …)."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True, allow_unicode=True)
    description = models.TextField(
        blank=True, help_text="One or two sentences for the section page."
    )
    descriptions = models.JSONField(
        default=dict,
        blank=True,
        help_text="Its description in the other editions, by language code: "
        '{"fa": "پزشکی، پژوهش و سلامت عمومی."}.',
    )
    position = models.PositiveIntegerField(
        default=0, help_text="Lower numbers come first in menus."
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:section-detail", args=[self.slug])

    def description_in(self, language: str) -> str:
        """Its description in ``language``'s edition: the default edition's is
        ``description``; another edition without one of its own has none (readers of
        that edition are not shown a description in another language)."""
        if language == settings.LANGUAGE_CODE:
            return self.description
        return (self.descriptions or {}).get(language, "")

    @property
    def local_description(self) -> str:
        """Its description in the edition being shown (the section page, its feed)."""
        return self.description_in(editions.current())


class Tag(SluggedByName):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:tag-detail", args=[self.slug])


class BriefingLabelQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class BriefingLabel(NamedInEditions):
    """A Smart Brevity signpost ("Why it matters", "The big picture", …). A story shows
    it by the name of the story's language (``name_in``): ``{"fa": "چرا مهم است"}``."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(
        default=True, help_text="Inactive labels stay on old stories but are not offered."
    )

    objects = BriefingLabelQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name
