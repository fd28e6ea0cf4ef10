"""The story and its ordered children: the working copy that the admin edits.

Readers never see these rows directly. Publishing freezes a :class:`Revision` of the
working copy and points ``Story.live_revision`` at it; reader pages render that
snapshot, so editing a live story changes nothing public until it is published again.
"""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    URLValidator,
)
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import pgettext_lazy
from django_prose_editor.fields import ProseEditorField

from articles import editions
from articles.richtext import EDITOR_EXTENSIONS, sanitize_html
from articles.text import LEDE_MAX_CHARS, SECTION_BODY_MAX_CHARS, plain_text, unique_slug
from articles.uploads import CleanImageField

from .append_only import AppendOnly
from .author import Author
from .taxonomy import BriefingLabel, Section, Tag

http_url = URLValidator(
    schemes=["http", "https"], message="Enter a web address starting with http:// or https://."
)


def default_language() -> str:
    return settings.LANGUAGE_CODE


def configured_language(value: str) -> None:
    if not editions.is_configured(value):
        raise ValidationError(
            "Choose one of the site's languages: %(codes)s.",
            params={"codes": ", ".join(editions.codes())},
        )


def edition_language(help_text: str) -> models.CharField:
    """A column naming one of the site's editions (``settings.LANGUAGES``), the
    default language's unless told otherwise."""
    return models.CharField(
        max_length=12,
        default=default_language,
        validators=[configured_language],
        help_text=help_text,
    )


#: How often a story whose slug was taken meanwhile tries the next free one.
SLUG_ATTEMPTS = 5


def lead_image_path(instance, filename):
    suffix = PurePath(filename).suffix.lower()[:5]
    return f"stories/{uuid.uuid4().hex}{suffix}"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Unpublished"


class StoryQuerySet(models.QuerySet):
    def published(self, at=None):
        """Stories a reader may see. The one place the "is it live?" rule is written."""
        # Liveness is the live revision, not the workflow status: a live story whose
        # working copy is being revised (status draft, in review…) stays on the site.
        return self.filter(
            live_revision__isnull=False, first_published_at__lte=at or timezone.now()
        )

    def out_of_trash(self):
        return self.filter(trashed_at__isnull=True)

    def addresses(self):
        """Only the columns ``Story.get_absolute_url`` reads: for lists of links."""
        return self.only(*Story.ADDRESS_FIELDS)

    def in_language(self, language):
        """Stories of one edition (``articles.editions``)."""
        return self.filter(language=language)

    def in_trash(self):
        return self.filter(trashed_at__isnull=False)

    def written_by(self, user):
        """Stories ``user`` writes: those they created and those carrying their byline.

        The one authorship rule: who may edit and submit a story, whose desk lists it,
        who hears about its review (``Story.writers`` reads it the other way). A
        subquery rather than a join, so no story is listed twice and no DISTINCT is
        needed.
        """
        # Inside a subquery of users (Story.writers), the byline subquery sits one
        # level deeper, so it reaches the user through one more OuterRef.
        byline_user = OuterRef(user) if isinstance(user, OuterRef) else user
        return self.filter(
            Q(created_by=user)
            | Q(pk__in=Byline.objects.filter(author__user=byline_user).values("story_id"))
        )

    def for_readers(self):
        """Published stories as reader pages load them: the live revision joined, the
        search columns (about half of a row, read only in SQL) left in the table."""
        return (
            self.published().select_related("live_revision").defer("search_text", "search_vector")
        )

    def latest_published(self):
        """Published stories for readers, newest first.

        ``story_published_idx`` and ``story_section_live_idx`` answer this order.
        """
        return self.for_readers().order_by("-first_published_at", "-pk")

    def by_author(self, author):
        """``author``'s published stories, newest first, along ``live_author_listing_idx``."""
        return self._listed("live_author_rows", author=author)

    def by_tag(self, tag):
        """Published stories tagged ``tag``, newest first, along ``live_tag_listing_idx``."""
        return self._listed("live_tag_rows", tag=tag)

    def _listed(self, rows, **match):
        """Newest first by the publication time copied onto ``rows`` (LiveAuthor or
        LiveTag), so the row table's own index gives the order."""
        return (
            self.for_readers()
            .filter(**{f"{rows}__{field}": value for field, value in match.items()})
            .order_by(f"-{rows}__first_published_at", f"-{rows}__story_id")
        )


class Story(models.Model):
    headline = models.CharField(
        max_length=200,
        validators=[plain_text],
        help_text="Short and muscular: aim for six words, at most about 70 characters.",
    )
    headline_is_provisional = models.BooleanField(
        default=False,
        editable=False,
        help_text="Set by the importer when the copy had no headline; a story with a "
        "provisional headline cannot be published.",
    )
    slug = models.SlugField(
        max_length=120,
        unique=True,
        allow_unicode=True,
        blank=True,
        help_text="The last part of the story's web address. Made from the headline; "
        "fixed once the story is published.",
    )
    dek = models.CharField(
        "subheadline",
        max_length=300,
        blank=True,
        validators=[plain_text],
        help_text="Optional line under the headline.",
    )
    dateline = models.CharField(
        max_length=80,
        blank=True,
        validators=[plain_text],
        help_text="Where the story was reported, e.g. MINSK.",
    )
    lede = models.TextField(
        blank=True,
        validators=[plain_text, MaxLengthValidator(LEDE_MAX_CHARS)],
        help_text="One strong sentence: what happened and why the reader should care.",
    )
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="stories"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="stories")
    lead_image = CleanImageField(upload_to=lead_image_path, blank=True)
    language = edition_language(
        "The language the story is written in; it is published in that language's edition."
    )
    translation_source = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        help_text="The story this one translates.",
    )
    translation_source_revision = models.ForeignKey(
        "articles.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="The original's revision this translation was last published against.",
    )
    translation_outdated = models.BooleanField(
        default=False,
        editable=False,
        help_text="The original was republished with changes since this translation "
        "was last published.",
    )
    lead_image_alt = models.CharField(
        "image description",
        max_length=250,
        blank=True,
        validators=[plain_text],
        help_text="What the picture shows, for readers who cannot see it.",
    )
    lead_image_caption = models.CharField(
        "caption", max_length=300, blank=True, validators=[plain_text]
    )
    lead_image_credit = models.CharField(
        "credit", max_length=120, blank=True, validators=[plain_text]
    )
    lead_image_focus_x = models.FloatField(
        "focus across",
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Where the most important part of the picture is, from 0 (left edge) to "
        "1 (right edge); 0.5 is the middle. Smaller versions and link previews are cropped "
        "around this point.",
    )
    lead_image_focus_y = models.FloatField(
        "focus down",
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Where the most important part of the picture is, from 0 (top) to "
        "1 (bottom); 0.5 is the middle.",
    )

    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    version = models.PositiveIntegerField(
        default=0, editable=False, help_text="Goes up with every saved revision."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_published_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="The last time readers saw a change: a republish or a correction.",
    )
    scheduled_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the approved revision goes live."
    )
    expire_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the story comes off the site."
    )
    approved_revision = models.ForeignKey(
        "Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    workflow_note = models.TextField(
        blank=True, editable=False, help_text="The last reviewer's comment to the writers."
    )
    trashed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="In the trash since then: hidden, restorable, deleted for good later.",
    )
    trashed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    # What readers see, kept in step with live_revision by publish() and unpublish().
    live_revision = models.ForeignKey(
        "Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    live_section = models.ForeignKey(
        Section,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_stories",
        editable=False,
    )
    live_tags = models.ManyToManyField(
        Tag, blank=True, related_name="live_stories", editable=False, through="LiveTag"
    )
    live_authors = models.ManyToManyField(
        Author, blank=True, related_name="live_stories", editable=False, through="LiveAuthor"
    )
    # The live copy's text for reader search (articles.search); the GIN index on the
    # vector is made by a PostgreSQL-only migration.
    search_text = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    objects = StoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["status", "-first_published_at"], name="story_live_idx"),
            # Reader listings: every published story newest first (feed, sitemap,
            # home), and per section. Partial, so drafts cost them nothing.
            models.Index(
                fields=["-first_published_at", "-id"],
                condition=Q(live_revision__isnull=False),
                name="story_published_idx",
            ),
            models.Index(
                fields=["live_section", "-first_published_at", "-id"],
                condition=Q(live_revision__isnull=False),
                name="story_section_live_idx",
            ),
            # The same two orders within one edition (home, section pages, feeds and
            # their counts filter by language): without them a page of the English
            # edition reads every row of the section to check its language.
            models.Index(
                fields=["language", "-first_published_at", "-id"],
                condition=Q(live_revision__isnull=False),
                name="story_edition_live_idx",
            ),
            models.Index(
                fields=["live_section", "language", "-first_published_at", "-id"],
                condition=Q(live_revision__isnull=False),
                name="story_section_edition_idx",
            ),
            # The API's order (newest publication or correction first, then id) and the
            # sitemap index's lastmod.
            models.Index(
                fields=["-last_published_at", "-id"],
                condition=Q(live_revision__isnull=False),
                name="story_republished_idx",
            ),
            models.Index(fields=["-updated_at"], name="story_updated_idx"),
            # The admin's story list (out of the trash, newest change first) and its count:
            # one walk of this index, never of the table's wide rows.
            models.Index(
                fields=["-updated_at", "-id"],
                condition=Q(trashed_at__isnull=True),
                name="story_kept_idx",
            ),
        ]
        permissions = [
            ("review_story", "Can approve stories and request changes"),
            ("publish_story", "Can publish, schedule and unpublish stories"),
            ("override_rules", "Can take a workflow step that the house rules block"),
        ]

    def __str__(self):
        return self.headline

    #: Columns only the workflow writes. An ordinary save (the admin's, the importer's)
    #: leaves them alone, so a form loaded before someone published cannot undo it.
    WORKFLOW_FIELDS = frozenset(
        {
            "status",
            "version",
            "created_by",
            "created_at",
            "first_published_at",
            "last_published_at",
            "scheduled_at",
            "expire_at",
            "approved_revision",
            "workflow_note",
            "trashed_at",
            "trashed_by",
            "translation_outdated",
            "translation_source_revision",
            "live_revision",
            "live_section",
            "search_text",
            "search_vector",
        }
    )

    #: Written only by ``articles.search.index_story``, with an UPDATE of their own.
    SEARCH_FIELDS = frozenset({"search_text", "search_vector"})

    def save(self, *args, workflow: bool = False, **kwargs):
        """Save the working copy; ``workflow=True`` (transitions only) saves the
        workflow's columns too. The search columns are never saved here."""
        if not self.slug:
            self.slug = unique_slug(Story, self.headline, instance=self)
        if not self._state.adding and kwargs.get("update_fields") is None:
            skipped = self.SEARCH_FIELDS if workflow else self.WORKFLOW_FIELDS
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in skipped
            ]
        for attempt in range(SLUG_ATTEMPTS):
            try:
                with transaction.atomic():
                    super().save(*args, **kwargs)
                return
            except IntegrityError:
                # Two people saved stories with the same headline at the same moment:
                # the form checked the slug was free, and it was, until the other
                # committed. The later story takes the next free slug; both are kept.
                taken = Story.objects.exclude(pk=self.pk).filter(slug=self.slug).exists()
                if not taken or attempt == SLUG_ATTEMPTS - 1:
                    raise
                self.slug = unique_slug(Story, self.slug, instance=self)

    # --- reading -----------------------------------------------------------------

    #: What ``get_absolute_url`` reads (``StoryQuerySet.addresses``).
    ADDRESS_FIELDS = ("pk", "slug", "first_published_at", "language")

    def get_absolute_url(self):
        """The public address, in the story's language's edition (``/fa/…`` for a
        Persian story). Its date is the first publication's, so it never moves."""
        if self.first_published_at is None:
            return reverse("articles:story-preview", args=[self.pk])
        day = timezone.localtime(self.first_published_at)
        with translation.override(self.language):
            return reverse(
                "articles:story-detail",
                kwargs={"year": day.year, "month": day.month, "day": day.day, "slug": self.slug},
            )

    def translation_ids(self) -> list[int]:
        """The other stories of its translation group (their pages link to this one)."""
        return list(self.translation_group().exclude(pk=self.pk).values_list("pk", flat=True))

    def translation_group(self):
        """This story, its original and every translation of that original."""
        source = self.translation_source_id or self.pk
        return Story.objects.filter(Q(pk=source) | Q(translation_source=source))

    def clean(self):
        super().clean()
        if self.lead_image and not self.lead_image_alt.strip():
            raise ValidationError(
                {"lead_image_alt": "Describe the picture for readers who cannot see it."}
            )

    @property
    def is_live(self) -> bool:
        """Whether readers see it now: the rule of ``StoryQuerySet.published``, on one row."""
        return (
            self.live_revision_id is not None
            and self.first_published_at is not None
            and self.first_published_at <= timezone.now()
        )

    def is_written_by(self, user) -> bool:
        """``StoryQuerySet.written_by`` for this story. A story not yet saved is its maker's."""
        if self.pk is None:
            return True
        return Story.objects.written_by(user).filter(pk=self.pk).exists()

    def writers(self):
        """The users who write this story: ``StoryQuerySet.written_by`` read the other way."""
        stories = Story.objects.filter(pk=self.pk).written_by(OuterRef("pk"))
        return get_user_model().objects.filter(Exists(stories))

    def latest_revision(self):
        return self.revisions.order_by("-number").first()

    @property
    def has_unpublished_changes(self) -> bool:
        latest = self.latest_revision()
        return self.is_live and latest is not None and latest.pk != self.live_revision_id


class LiveAuthor(models.Model):
    """A byline of the live copy (``Story.live_authors``), written only by publishing.

    It carries the story's first publication time, so an author's page is one walk of
    ``live_author_listing_idx``: without it, PostgreSQL either reads every story of
    the author to sort them or walks the whole archive by date looking for theirs.
    """

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="live_author_rows")
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="+")
    first_published_at = models.DateTimeField()

    class Meta:
        db_table = "articles_story_live_authors"
        unique_together = [("story", "author")]
        indexes = [
            models.Index(
                fields=["author", "-first_published_at", "-story"],
                name="live_author_listing_idx",
            )
        ]

    def __str__(self):
        return f"{self.author_id} on story {self.story_id}"


class LiveTag(models.Model):
    """A tag of the live copy (``Story.live_tags``): like :class:`LiveAuthor`, for tag pages."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="live_tag_rows")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")
    first_published_at = models.DateTimeField()

    class Meta:
        db_table = "articles_story_live_tags"
        unique_together = [("story", "tag")]
        indexes = [
            models.Index(
                fields=["tag", "-first_published_at", "-story"], name="live_tag_listing_idx"
            )
        ]

    def __str__(self):
        return f"{self.tag_id} on story {self.story_id}"


class Byline(models.Model):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveIntegerField(default=0)
    role = models.CharField(
        max_length=80,
        blank=True,
        validators=[plain_text],
        help_text='Optional, e.g. "additional reporting" or "photos".',
    )

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["story", "author"], name="byline_once_per_story"),
        ]

    def __str__(self):
        return self.author.name


class BriefingSection(models.Model):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="sections")
    #: Stays with the section through edits and restores (snapshots keep it), so a review
    #: comment or a diff finds the same section again.
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    position = models.PositiveIntegerField(default=0)
    label = models.ForeignKey(
        BriefingLabel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The signpost shown above this section. Leave empty for plain text.",
    )
    body = ProseEditorField(
        extensions=EDITOR_EXTENSIONS,
        sanitize=sanitize_html,
        blank=True,
        validators=[MaxLengthValidator(SECTION_BODY_MAX_CHARS)],
        help_text="Short paragraphs or bullets. Aim for 80 words or fewer.",
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "briefing section"

    def __str__(self):
        return self.label.name if self.label_id else "Section"

    def save(self, *args, **kwargs):
        self.body = sanitize_html(self.body)
        super().save(*args, **kwargs)


class RelatedLink(models.Model):
    """A "Go deeper" entry: one of our stories or a web address, never both.

    An entry with neither is a placeholder the importer leaves for an editor to
    complete (or what remains when its target story is deleted); readers see its
    title as plain text.
    """

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="related_links")
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=250, validators=[plain_text])
    target = models.ForeignKey(
        Story,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_links",
        help_text="One of our stories…",
    )
    url = models.URLField(
        "web address",
        max_length=500,
        blank=True,
        validators=[http_url],
        help_text="…or a web address starting with http:// or https://.",
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "go deeper link"
        constraints = [
            models.CheckConstraint(
                condition=Q(target__isnull=True) | Q(url=""),
                name="related_link_story_or_url_not_both",
            ),
            models.CheckConstraint(
                condition=Q(url="") | Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="related_link_url_http_only",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.target_id and self.url:
            raise ValidationError("Choose one of our stories or a web address, not both.")
        if self.target_id and self.target_id == self.story_id:
            raise ValidationError({"target": "A story cannot link to itself."})


class Correction(AppendOnly):
    """A correction, clarification or update shown under a live story, newest first.

    Append-only, like a newspaper's corrections column: a mistaken correction is
    followed by another one. Only ``articles.workflow`` adds one (with its audit row);
    superusers may amend or withdraw one there, audited too.
    """

    class Kind(models.TextChoices):
        # Shown to readers, in the edition's language: "اصلاحیه" on a Persian story.
        CORRECTION = "correction", pgettext_lazy("kind of correction", "Correction")
        CLARIFICATION = "clarification", pgettext_lazy("kind of correction", "Clarification")
        UPDATE = "update", pgettext_lazy("kind of correction", "Update")

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CORRECTION)
    text = models.TextField(validators=[plain_text])
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    refusal = "Corrections are append-only: add another correction instead."
    deletable = False

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:60]}"
