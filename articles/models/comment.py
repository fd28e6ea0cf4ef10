"""Review comments: a conversation between a story's writers and its editors, anchored
to a part of the story (the whole story, the headline, the subheadline, the lede, one
briefing section, one "Go deeper" entry).

A thread is a first comment (``parent`` empty) and its replies, one level deep. A
thread is open until someone resolves it; the rule of who may (an editor, or the
story's writer with a reply saying what was done) and every other act on comments
lives in ``articles.workflow.comments``, the only writer of these rows.

Anchors survive edits to other parts. A comment keeps the text of its part as it was
when the comment was made (``anchored_text``): when the part's text changes, or the
part is gone, the comment is *outdated*. Finding the part again is
:func:`anchor_of`'s job, and only its: see :class:`StoryParts` for how a part is
recognised after a restore has recreated its row.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.richtext import html_to_text
from articles.text import plain_text

from .story import BriefingSection, RelatedLink, Story

#: A comment is a note to a colleague, not an article.
COMMENT_MAX_CHARS = 5_000


class AnchorKind(models.TextChoices):
    STORY = "story", "The whole story"
    HEADLINE = "headline", "Headline"
    DEK = "dek", "Subheadline"
    LEDE = "lede", "Lede"
    SECTION = "section", "Briefing section"
    LINK = "link", "Go deeper entry"


#: Parts every story has, whatever its text: never gone, only changed.
_FIXED = (AnchorKind.STORY, AnchorKind.HEADLINE, AnchorKind.DEK, AnchorKind.LEDE)


@dataclass(frozen=True)
class Anchor:
    """One part of a story as it is now, as a comment points at it.

    ``key`` is the part's stable key ("" for the fixed parts); ``name`` what a
    section's label or a link's title says (the fallback when the key is gone);
    ``text`` the part's plain text, which a comment compares with what it saw.
    """

    kind: str
    key: str = ""
    name: str = ""
    text: str = ""

    @property
    def value(self) -> str:
        """The anchor as one form value, ``kind:key``."""
        return f"{self.kind}:{self.key}"

    @property
    def label(self) -> str:
        """What people call the part: "Headline", "Why it matters", "Go deeper: Background"."""
        return describe(self.kind, self.name)


def describe(kind: str, name: str) -> str:
    if kind == AnchorKind.SECTION:
        return name or "A section without a label"
    if kind == AnchorKind.LINK:
        return f"Go deeper: {name}"
    return AnchorKind(kind).label


def part_key(row: BriefingSection | RelatedLink) -> str:
    """The stable key of a section or a link: the one place that says what it is.

    The row's ``key``, which snapshots keep, so a restore (``snapshot.apply``) recreates
    the section under the same key; :meth:`StoryParts.find` still falls back to the
    label or title for a part whose key is gone.
    """
    return str(row.key)


def _link_text(link: RelatedLink) -> str:
    where = link.url or (f"our story {link.target_id}" if link.target_id else "")
    return f"{link.title}\n{where}".strip()


class StoryParts:
    """Every part of a story's working copy that a comment can be about, in story order.

    Two queries (sections with their labels, links), however many comments are
    matched against it: the panel builds one and asks it about every thread.
    """

    def __init__(self, story: Story):
        self.story = story
        fixed = [
            Anchor(AnchorKind.STORY),
            Anchor(AnchorKind.HEADLINE, text=story.headline),
            Anchor(AnchorKind.DEK, text=story.dek),
            Anchor(AnchorKind.LEDE, text=story.lede),
        ]
        sections = [
            Anchor(
                AnchorKind.SECTION,
                part_key(row),
                row.label.name if row.label_id else "",
                html_to_text(row.body),
            )
            for row in story.sections.select_related("label")
        ]
        links = [
            Anchor(AnchorKind.LINK, part_key(row), row.title, _link_text(row))
            for row in story.related_links.all()
        ]
        self.parts: list[Anchor] = fixed + sections + links

    def choices(self) -> list[tuple[str, str]]:
        """The parts as options of a select: the subheadline only when the story has one."""
        return [
            (part.value, part.label)
            for part in self.parts
            if part.kind != AnchorKind.DEK or part.text
        ]

    def by_value(self, value: str) -> Anchor | None:
        return next((part for part in self.parts if part.value == value), None)

    def find(self, kind: str, key: str = "", name: str = "", text: str = "") -> Anchor | None:
        """The part a comment made on ``kind``/``key`` is about now, or None if it is gone.

        A section or link is found by its key; failing that (a restore recreated the
        rows), by its label or title when exactly one part has it, or, among several
        with that name (or none, for unlabelled sections), by the text the comment saw.
        """
        same_kind = [part for part in self.parts if part.kind == kind]
        if kind in _FIXED:
            return same_kind[0] if same_kind else None
        by_key = next((part for part in same_kind if key and part.key == key), None)
        if by_key is not None:
            return by_key
        named = [part for part in same_kind if part.name == name]
        if name and len(named) == 1:
            return named[0]
        return next((part for part in named if text and part.text == text), None)

    def position(self, anchor: Anchor | None) -> int:
        """Where a part comes in the story, for ordering threads; gone parts come last."""
        return self.parts.index(anchor) if anchor in self.parts else len(self.parts)


def anchor_of(story: Story, kind: str, key: str = "", name: str = "", text: str = ""):
    """The part of ``story`` that ``kind``/``key`` points at now, or None if it is gone."""
    return StoryParts(story).find(kind, key, name, text)


class CommentQuerySet(models.QuerySet):
    def open_threads(self):
        return self.filter(parent__isnull=True, resolved_at__isnull=True)

    def open_for(self, story):
        """The unresolved threads of ``story`` (a story or its id): one query, along
        ``comment_open_idx``. ``.exists()`` is the "no open comments" rule."""
        return self.open_threads().filter(story=story)

    def open_counts(self, story_ids) -> dict[int, int]:
        """``{story id: open threads}`` for the stories that have any: one query."""
        rows = (
            self.open_threads()
            .filter(story_id__in=list(story_ids))
            .order_by()
            .values("story_id")
            .annotate(n=Count("pk"))
        )
        return {row["story_id"]: row["n"] for row in rows}

    def open_count(self, story=None):
        """The open threads of the outer story, as an expression to annotate a list of
        stories: ``stories.annotate(open_comments=Comment.objects.open_count())``."""
        counted = (
            self.open_threads()
            .filter(story=story if story is not None else OuterRef("pk"))
            .order_by()
            .values("story")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted, output_field=models.IntegerField()), Value(0))


class Comment(models.Model):
    """One comment of a review conversation. See the module's docstring."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="comments")
    # RESTRICT: a comment with replies cannot be deleted on its own (the workflow
    # refuses first), while deleting the story takes its whole conversation.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=150, help_text="Kept even if the account is deleted.")
    body = models.TextField(validators=[plain_text, MaxLengthValidator(COMMENT_MAX_CHARS)])
    anchor_kind = models.CharField(
        max_length=10, choices=AnchorKind.choices, default=AnchorKind.STORY
    )
    anchor_key = models.CharField(
        max_length=64, blank=True, help_text="The section's or link's key (see part_key)."
    )
    anchor_name = models.CharField(
        max_length=250,
        blank=True,
        help_text="The section's label or the link's title then: how it is found again "
        "when its key is gone.",
    )
    anchored_text = models.TextField(
        blank=True, help_text="The part's text when the comment was made."
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by_name = models.CharField(max_length=150, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["story", "created_at"], name="comment_story_idx"),
            # The "no open comments before approving" rule and the desk's counts.
            models.Index(
                fields=["story"],
                condition=Q(parent__isnull=True, resolved_at__isnull=True),
                name="comment_open_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(resolved_at__isnull=True),
                name="comment_only_threads_resolve",
            ),
            models.CheckConstraint(
                condition=Q(anchor_kind__in=AnchorKind.values),
                name="comment_anchor_kind_known",
            ),
        ]

    def __str__(self):
        return f"{self.author_name} on {self.anchor_label}: {self.body[:60]}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def anchor_label(self) -> str:
        """What the part was called when the comment was made."""
        return describe(self.anchor_kind, self.anchor_name)

    def anchor_in(self, parts: StoryParts) -> Anchor | None:
        """The part this comment is about, among ``parts`` (the story now)."""
        return parts.find(self.anchor_kind, self.anchor_key, self.anchor_name, self.anchored_text)

    def outdated_in(self, parts: StoryParts) -> bool:
        """Whether the part's text changed since the comment, or the part is gone."""
        anchor = self.anchor_in(parts)
        return anchor is None or anchor.text != self.anchored_text

    @property
    def is_outdated(self) -> bool:
        """:meth:`outdated_in` the story as it is now (two or three queries: for many
        comments, build one :class:`StoryParts` and ask it)."""
        return self.outdated_in(StoryParts(self.story))
