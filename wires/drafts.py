"""One click: a wire item becomes a Smart Brevity draft, through the importer.

The copy the importer reads is the item's text (its body, or its summary when it has
no body) with the agency's byline as its last line, so the same parser as ``import_story``
finds the lede, the labelled sections, the bullets and the byline, and the same code
saves the story and its first revision. The agency's headline is passed as the
headline (cut to what a story allows); the item and the story are linked, and the
story's audit log says where it came from.

The agency is credited in the byline, not in a credit line in the text: a byline is
structured (an ``Author`` named as the provider's credit), so it shows wherever bylines
do (the story page, feeds, the API's ``by``, the agency's author page listing all its
copy we ran) and it survives any rewrite of the text; a credit line would be text a
journalist could cut, counted against the brevity limits.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction

from articles import workflow
from articles.importer import ImportResult, import_copy
from articles.models import AuditEntry, Author, Byline, Story
from articles.parser import GO_DEEPER
from articles.text import normalize_label, unique_slug
from wires.models import WIRE_DRAFT, WireItem

HEADLINE_MAX = Story._meta.get_field("headline").max_length
_GO_DEEPER = normalize_label(GO_DEEPER)


class DraftRefused(Exception):
    """Why this item cannot become a draft; ``story`` is the draft made before, if any."""

    def __init__(self, message: str, story: Story | None = None, *, withdrawn: bool = False):
        super().__init__(message)
        self.story = story
        self.withdrawn = withdrawn


@dataclass
class Draft:
    story: Story
    imported: ImportResult
    warnings: list[str]


def copy_of(item: WireItem) -> str:
    """The plain-text copy the importer reads for ``item``: its text, then the byline
    line. An item with no text (a news alert) gives its headline as the lede."""
    text = item.body_text.strip() or item.summary.strip() or item.headline.strip()
    lines = text.splitlines()
    # An empty "Go deeper" at the end would take the byline line for its entry.
    while lines and normalize_label(lines[-1]) in ("", _GO_DEEPER):
        lines.pop()
    return "\n".join([*(lines or [item.headline]), "", item.provider.credit])


def can_draft(user) -> bool:
    return user.is_active and user.has_perm("articles.add_story")


def _headline(item: WireItem, warnings: list[str]) -> str | None:
    headline = " ".join(item.headline.split())
    if len(headline) > HEADLINE_MAX:
        warnings.append(
            f"The agency's headline was longer than {HEADLINE_MAX} characters and was cut. "
            "Write a short one."
        )
        headline = headline[: HEADLINE_MAX - 1].rsplit(" ", 1)[0] + "…"
    return headline or None


def make_draft(item: WireItem, user, *, ip_address: str | None = None) -> Draft:
    """A draft story from ``item``, written by ``user``.

    Raises ``PermissionDenied`` for someone who may not add stories, :class:`DraftRefused`
    for a withdrawn item or one already drafted (under the item's lock, so two clicks make
    one draft), and ``articles.parser.ParseError`` for copy that cannot be a story.
    Nothing is saved when it raises.
    """
    if not can_draft(user):
        raise PermissionDenied
    with transaction.atomic():
        locked = (
            WireItem.objects.select_for_update(of=("self",))
            .select_related("provider", "story__created_by")
            .get(pk=item.pk)
        )
        if locked.is_withdrawn:
            raise DraftRefused(
                f"{locked.provider.name} withdrew this item: it cannot become a draft.",
                locked.story,
                withdrawn=True,
            )
        if locked.story is not None:
            raise DraftRefused("A draft was already made from this item.", locked.story)
        warnings: list[str] = []
        imported = import_copy(
            copy_of(locked),
            headline=_headline(locked, warnings),
            section=locked.provider.section,
            by=user,
        )
        story = imported.story
        _credit(story, locked, user)
        locked.story = story
        locked.drafted_version = locked.version
        locked.save(update_fields=["story", "drafted_version"])
        AuditEntry.record(
            WIRE_DRAFT,
            actor=user,
            story=story,
            revision_number=story.latest_revision().number,
            message=(
                f"From {locked.provider.name}: “{locked.headline}” "
                f"(id {locked.guid}, version {locked.version})."
            )[:2000],
            ip_address=ip_address,
        )
    item.story, item.drafted_version = story, locked.drafted_version
    return Draft(story, imported, warnings + imported.warnings)


def _credit(story: Story, item: WireItem, user) -> None:
    """Make sure the agency is on the byline. The importer finds it on the copy's last
    line; this is for copy that keeps it from doing so in a way nobody foresaw."""
    credit = item.provider.credit
    if story.bylines.filter(author__name__iexact=credit).exists():
        return
    author = Author.objects.filter(name__iexact=credit).order_by("pk").first()
    if author is None:
        author = Author.objects.create(name=credit, slug=unique_slug(Author, credit))
    position = story.bylines.count()
    Byline.objects.create(story=story, author=author, position=position)
    workflow.save_revision(story, user, f"Credited {credit}")
