"""Plain-text Smart Brevity copy into a story: what ``import_story`` and the admin share.

Parsing is :mod:`articles.parser`; this module matches what it found to the database
(briefing labels, authors, stories for "Go deeper") and saves the story, its children
and its first revision in one transaction.
"""

from dataclasses import dataclass, field
from functools import reduce

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Replace
from django.utils import translation
from django.utils.translation import gettext

from articles import editions, workflow
from articles.models import Author, BriefingLabel, BriefingSection, Byline, RelatedLink, Story
from articles.models.story import http_url
from articles.parser import ParsedStory, ParseError, parse_copy
from articles.richtext import paragraphs_to_html
from articles.text import LEDE_MAX_CHARS, SECTION_BODY_MAX_CHARS, unique_slug

PROVISIONAL_PREFIX = "Draft: "
PROVISIONAL_LENGTH = 100
#: A story has a handful of sections and "Go deeper" entries. Each is rows written inside
#: the import's transaction, and each entry a search of every headline, so copy with
#: hundreds of them (a label or a title repeated down a file) is refused, not imported.
MAX_SECTIONS = 30
MAX_GO_DEEPER = 20
# Typographic quotes compare equal to straight ones when matching headlines.
_QUOTES = {"’": "'", "‘": "'", "ʼ": "'", "“": '"', "”": '"'}
_FOLD_QUOTES = str.maketrans(_QUOTES)


class MissingHeadline(ParseError):
    """Copy without a headline line, imported where a provisional headline is not wanted."""


@dataclass
class ImportResult:
    story: Story
    created_authors: list[Author] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)  # go-deeper titles linked to our stories
    unresolved: list[str] = field(default_factory=list)  # titles left for an editor to link
    published: bool = False
    warnings: list[str] = field(default_factory=list)


def provisional_headline(lede: str) -> str:
    """ "Draft: " and the lede's first words, at most PROVISIONAL_LENGTH characters."""
    room = PROVISIONAL_LENGTH - len(PROVISIONAL_PREFIX)
    text = " ".join(lede.split())
    if len(text) > room:
        cut = text[: room - 1]
        # Cut at a word boundary, unless the lede has no spaces (Chinese, a long URL).
        if " " in cut:
            cut = cut.rsplit(" ", 1)[0]
        text = cut.rstrip(" ,;:–—-") + "…"
    return PROVISIONAL_PREFIX + text


def find_story_by_headline(title: str, exclude: Story | None = None) -> Story | None:
    """The story whose headline is ``title`` (any case, any quotes), published ones first."""
    folded = reduce(
        lambda expression, pair: Replace(expression, Value(pair[0]), Value(pair[1])),
        _QUOTES.items(),
        F("headline"),
    )
    candidates = (
        Story.objects.out_of_trash()
        .annotate(plain_headline=folded)
        .filter(plain_headline__iexact=" ".join(title.translate(_FOLD_QUOTES).split()))
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    return (
        candidates.published().order_by("-first_published_at", "-pk").first()
        or candidates.order_by("-pk").first()
    )


def _validated(instance, what: str = ""):
    """``instance`` after ``full_clean()``; a field error becomes a one-line ParseError."""
    try:
        instance.full_clean()
    except ValidationError as error:
        problems = []
        for name, messages in error.message_dict.items():
            try:
                label = instance._meta.get_field(name).verbose_name.capitalize()
            except FieldDoesNotExist:  # errors of the whole object
                label = ""
            problems.extend(f"{label}: {m}" if label else m for m in messages)
        message = " ".join(problems)
        raise ParseError(f"{what}: {message}" if what else message) from error
    return instance


def _section_bodies(parsed: ParsedStory) -> list[str]:
    """The HTML of each section; ParseError when the story is larger than a story can be."""
    if len(parsed.lede) > LEDE_MAX_CHARS:
        raise ParseError(
            f"The lede (the first paragraph) has {len(parsed.lede):,} characters; a lede "
            f"can have at most {LEDE_MAX_CHARS:,}. Is a blank line missing after it?"
        )
    if len(parsed.sections) > MAX_SECTIONS:
        raise ParseError(
            f"The copy has {len(parsed.sections):,} sections; a story can have at most "
            f"{MAX_SECTIONS}. Is a label repeated down the copy?"
        )
    if len(parsed.go_deeper) > MAX_GO_DEEPER:
        raise ParseError(
            f"The copy has {len(parsed.go_deeper):,} “Go deeper” entries; a story can have "
            f"at most {MAX_GO_DEEPER}."
        )
    bodies = []
    for position, section in enumerate(parsed.sections, start=1):
        body = paragraphs_to_html(section.blocks)
        if len(body) > SECTION_BODY_MAX_CHARS:
            name = f"“{section.label}”" if section.label else f"Section {position}"
            raise ParseError(
                f"{name} has {len(body):,} characters with its markup; a section can have "
                f"at most {SECTION_BODY_MAX_CHARS:,}. Split it, or cut it."
            )
        bodies.append(body)
    return bodies


def _web_address(url: str | None) -> str | None:
    if not url or len(url) > RelatedLink._meta.get_field("url").max_length:
        return None
    try:
        http_url(url)
    except ValidationError:
        return None
    return url


@transaction.atomic
def import_copy(
    text: str,
    *,
    headline: str | None = None,
    section=None,
    publish: bool = False,
    by=None,
    provisional: bool = True,
    language: str | None = None,
) -> ImportResult:
    """Create a story from plain-text copy. Nothing is saved when it raises.

    ``headline`` replaces the copy's own headline line. Without either, the story gets
    a provisional headline and stays a draft, even when ``publish`` is asked for; with
    ``provisional=False`` (the admin's import page, which can ask for one) it raises
    :class:`MissingHeadline` instead.
    Raises :class:`articles.parser.ParseError` for copy that cannot become a story,
    or a larger one than a story can be (the lede, a section, the number of sections or
    "Go deeper" entries, before anything is written); ``publish`` by someone without the
    permission raises ``PermissionDenied``.
    ``language`` (default: the site's) is the copy's: its labels and its "Go deeper"
    heading are recognised in that language ("چرا مهم است", "بیشتر بخوانید").
    """
    language = language or settings.LANGUAGE_CODE
    if not editions.is_configured(language):
        raise ParseError(
            f"“{language}” is not one of the site's languages ({', '.join(editions.codes())})."
        )
    labels = {}
    for label in BriefingLabel.objects.active():
        labels.setdefault(label.name, label)
        labels.setdefault(label.name_in(language), label)
    with translation.override(language):
        go_deeper = [gettext("Go deeper")]
    parsed = parse_copy(text, labels, go_deeper)
    bodies = _section_bodies(parsed)
    warnings = list(parsed.warnings)

    if headline is not None:
        headline = " ".join(headline.split())
        if not headline:
            raise ParseError("The headline is empty.")
    else:
        headline = parsed.headline
    if not headline and not provisional:
        raise MissingHeadline("The copy has no headline line.")
    provisional = not headline
    if provisional:
        headline = provisional_headline(parsed.lede)

    story = Story(
        language=language,
        headline=headline,
        headline_is_provisional=provisional,
        lede=parsed.lede,
        section=section,
        created_by=by if getattr(by, "pk", None) else None,
    )
    # A provisional headline is replaced before publishing: the address comes from the
    # lede so that it does not start with "draft".
    story.slug = unique_slug(Story, parsed.lede if provisional else headline)
    _validated(story).save()
    result = ImportResult(story=story, warnings=warnings)

    authors: list[Author] = []
    for name in parsed.bylines:
        author = Author.objects.filter(name__iexact=name).order_by("pk").first()
        if author is None:
            author = Author(name=name)
            author.slug = unique_slug(Author, name)
            _validated(author, f"Byline “{name}”").save()
            result.created_authors.append(author)
        if author in authors:
            warnings.append(f"“{name}” is named twice in the byline; it was added once.")
            continue
        authors.append(author)
    Byline.objects.bulk_create(
        Byline(story=story, author=author, position=position)
        for position, author in enumerate(authors)
    )

    for position, (parsed_section, body) in enumerate(zip(parsed.sections, bodies, strict=True)):
        BriefingSection.objects.create(
            story=story,
            position=position,
            label=labels.get(parsed_section.label) if parsed_section.label else None,
            body=body,
        )

    for position, entry in enumerate(parsed.go_deeper):
        link = RelatedLink(story=story, position=position, title=entry.title)
        link.url = _web_address(entry.url) or ""
        if entry.url and not link.url:
            warnings.append(
                f"Go deeper: “{entry.title}” has an address that is not a valid web "
                "address, so it was left out."
            )
        if not link.url:
            link.target = find_story_by_headline(entry.title, exclude=story)
            (result.linked if link.target else result.unresolved).append(entry.title)
        _validated(link, f"Go deeper entry {position + 1}").save()

    workflow.save_revision(story, by, "Imported from text")
    if publish and provisional:
        warnings.append(
            "Not published: the copy has no headline line, so the story has a provisional "
            "headline and stays a draft. Write a headline in the admin, then publish."
        )
    elif publish:
        workflow.transition(story, "publish", by)
        result.published = story.is_live
    return result
