"""What an edition says, built from the stories' live copies at the moment it is needed.

A :class:`Digest` is the lead story ("1 big thing": lede, "Why it matters", Go deeper,
its picture), every other story's headline, lede and "Why it matters" grouped by
section, and the corrections issued since the last edition, with the site's absolute
addresses. Nothing is stored: the admin's preview, ``build_digest`` and every batch of
a send build it again from ``Story.objects.published()``, so a story unpublished or
trashed meanwhile is simply not in it, and a corrected one reads as corrected.
``fingerprint`` lets the sender notice, cheaply, that it must build again.
"""

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from django.db.models import Max
from django.utils import timezone

from articles import live, site, snapshot
from articles.models import Correction, Story
from articles.text import word_count
from newsletters.conf import number
from newsletters.models import Edition, Newsletter

#: Reading speed for the Smart Brevity count: a common figure for adults reading prose.
WORDS_PER_MINUTE = 250
#: The heading over stories filed under no section.
NO_SECTION = "More news"
#: The most corrections one edition lists (the corrections page has them all).
MAX_CORRECTIONS = 20

_RELATIVE_HREF = re.compile(r'href="/(?!/)')


@dataclass(frozen=True)
class Link:
    title: str
    url: str | None


@dataclass(frozen=True)
class Image:
    url: str
    alt: str
    width: int
    height: int


@dataclass(frozen=True)
class Entry:
    """One story as an edition shows it."""

    story_id: int
    revision_id: int
    headline: str
    lede: str
    url: str
    section_id: int | None
    section_name: str
    #: "Why it matters" as sanitized HTML with absolute links, and as plain words.
    why_html: str = ""
    why_text: str = ""
    links: tuple[Link, ...] = ()
    image: Image | None = None

    def words(self, *, lead: bool) -> int:
        count = word_count(self.headline) + word_count(self.lede) + word_count(self.why_text)
        if lead:
            count += sum(word_count(link.title) for link in self.links)
        return count


@dataclass(frozen=True)
class Fix:
    """A correction, clarification or update, as the edition lists it."""

    correction_id: int
    kind: str
    text: str
    headline: str
    url: str
    section_id: int | None


@dataclass(frozen=True)
class Group:
    name: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Digest:
    newsletter: str
    day: date
    intro: str = ""
    entries: tuple[Entry, ...] = ()
    fixes: tuple[Fix, ...] = ()
    #: The newsletter's language: the edition is written and laid out in it.
    language: str = ""
    #: What the content was built from: the stories' live revisions and the corrections.
    fingerprint: tuple = field(default=(), compare=False)

    @property
    def lead(self) -> Entry | None:
        return self.entries[0] if self.entries else None

    @property
    def groups(self) -> list[Group]:
        """The stories after the lead, by section, sections in the order the editor's
        list first reaches them; stories without a section last."""
        grouped: dict[str, list[Entry]] = {}
        for entry in self.entries[1:]:
            grouped.setdefault(entry.section_name or NO_SECTION, []).append(entry)
        if NO_SECTION in grouped:
            grouped[NO_SECTION] = grouped.pop(NO_SECTION)
        return [Group(name, tuple(entries)) for name, entries in grouped.items()]

    @property
    def is_empty(self) -> bool:
        return not self.entries

    @property
    def words(self) -> int:
        count = word_count(self.intro)
        count += sum(entry.words(lead=i == 0) for i, entry in enumerate(self.entries))
        count += sum(word_count(fix.headline) + word_count(fix.text) for fix in self.fixes)
        return count

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.words / WORDS_PER_MINUTE))

    @property
    def count_line(self) -> str:
        minutes = self.minutes
        return f"Smart Brevity count: {self.words} words, {minutes} minute{'' if minutes == 1 else 's'}"

    def for_sections(self, section_ids: frozenset[int]) -> "Digest":
        """The edition as a subscriber who chose only ``section_ids`` gets it (all of it
        when they chose none); the first story left leads it."""
        if not section_ids:
            return self
        return replace(
            self,
            entries=tuple(e for e in self.entries if e.section_id in section_ids),
            fixes=tuple(f for f in self.fixes if f.section_id in section_ids),
        )


# --- which stories ---------------------------------------------------------------------------


def window_stories(newsletter: Newsletter, start: datetime, end: datetime) -> list[Story]:
    """The newsletter's stories first published in (start, end], newest first."""
    stories = (
        Story.objects.latest_published()
        .in_language(newsletter.language)
        .filter(first_published_at__gt=start, first_published_at__lte=end)
    )
    section_ids = list(newsletter.sections.values_list("pk", flat=True))
    if section_ids:
        stories = stories.filter(live_section__in=section_ids)
    return list(stories[: number("NEWSLETTER_MAX_STORIES")])


def live_stories(ids: list[int]) -> list[Story]:
    """The stories ``ids`` that readers can see now, in the order of ``ids``."""
    found = Story.objects.for_readers().in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def chosen_ids(edition: Edition) -> list[int]:
    return list(edition.items.filter(included=True).values_list("story_id", flat=True))


def corrections_since(edition: Edition | None, newsletter: Newsletter, start: datetime) -> datetime:
    """Corrections are listed from the last edition of this newsletter that went out
    (when it started going out), or from the start of the window if none did."""
    earlier = Edition.objects.filter(
        newsletter=newsletter, status=Edition.Status.SENT, send_started_at__isnull=False
    )
    if edition is not None and edition.pk:
        earlier = earlier.exclude(pk=edition.pk).filter(date__lt=edition.date)
    last = earlier.aggregate(last=Max("send_started_at"))["last"]
    return last or start


# --- building ----------------------------------------------------------------------------------


def for_edition(edition: Edition, *, at: datetime | None = None) -> Digest:
    """The edition as it would go out now."""
    newsletter = edition.newsletter
    until = edition.send_started_at if edition.status == Edition.Status.SENT else None
    return build(
        newsletter,
        edition.date,
        live_stories(chosen_ids(edition)),
        intro=edition.intro,
        since=corrections_since(edition, newsletter, edition.window_start),
        until=until or at or timezone.now(),
    )


def for_window(newsletter: Newsletter, day: date, start: datetime, end: datetime) -> Digest:
    """An edition of the stories in a window, newest first, as the schedule would draft it."""
    return build(
        newsletter,
        day,
        window_stories(newsletter, start, end),
        since=corrections_since(None, newsletter, start),
        until=max(end, timezone.now()),
    )


def build(
    newsletter: Newsletter,
    day: date,
    stories: list[Story],
    *,
    intro: str = "",
    since: datetime,
    until: datetime,
) -> Digest:
    """The digest of ``stories`` (live, with ``live_revision`` selected), in their order."""
    cards = live.live_cards(stories)
    contents = [snapshot.of(story.live_revision) for story in stories]
    targets = _link_targets(contents)
    entries = tuple(
        _entry(story, content, card, targets)
        for story, content, card in zip(stories, contents, cards, strict=True)
    )
    fixes = tuple(_fixes(newsletter, since, until))
    return Digest(
        newsletter=newsletter.name,
        day=day,
        intro=intro.strip(),
        language=newsletter.language,
        entries=entries,
        fixes=fixes,
        fingerprint=(
            tuple((e.story_id, e.revision_id) for e in entries),
            tuple(f.correction_id for f in fixes),
        ),
    )


def fingerprint_now(chosen: list[int], newsletter: Newsletter, since: datetime) -> tuple:
    """What ``Digest.fingerprint`` would be if the edition of stories ``chosen`` were built
    now: two small queries, for the sender to check before every message that nothing
    was taken down, republished or corrected since it built the edition."""
    live_now = dict(
        Story.objects.published().filter(pk__in=chosen).values_list("pk", "live_revision_id")
    )
    stories = tuple((pk, live_now[pk]) for pk in chosen if pk in live_now)
    fixes = tuple(_correction_rows(newsletter, since).values_list("pk", flat=True))
    return (stories, fixes)


def _link_targets(contents) -> dict[int, Story]:
    ids = set().union(*(content.linked_story_ids for content in contents)) if contents else set()
    if not ids:
        return {}
    return Story.objects.published().addresses().in_bulk(ids)


def absolute_links(html: str) -> str:
    """Links inside a briefing section, made absolute: a mail has no page to be relative to."""
    return _RELATIVE_HREF.sub(f'href="{site.base_url()}/', html)


def _entry(story: Story, content, card, targets: dict[int, Story]) -> Entry:
    why = content.part(snapshot.WHY_IT_MATTERS)
    links = []
    for link in content.links:
        if link.story_id:
            target = targets.get(link.story_id)
            url = site.absolute(target.get_absolute_url()) if target else None
        else:
            url = link.url or None
        links.append(Link(link.title, url))
    image = None
    if card.image and card.image.width and card.image.height:
        # Shown 560 pixels wide at most (the mail's column), from the largest rendition.
        width = min(560, card.image.width)
        height = round(card.image.height * width / card.image.width)
        image = Image(site.absolute(card.image.url), card.image.alt, width, height)
    return Entry(
        story_id=story.pk,
        revision_id=story.live_revision_id,
        headline=content.headline,
        lede=content.lede,
        url=site.absolute(story.get_absolute_url()),
        section_id=content.section.id if content.section else None,
        section_name=content.section.name if content.section else "",
        why_html=absolute_links(why.body) if why else "",
        why_text=why.text if why else "",
        links=tuple(links),
        image=image,
    )


def _correction_rows(newsletter: Newsletter, since: datetime, until: datetime | None = None):
    rows = Correction.objects.filter(
        created_at__gt=since,
        story__in=Story.objects.published().in_language(newsletter.language),
    ).order_by("created_at", "pk")
    if until is not None:
        rows = rows.filter(created_at__lte=until)
    section_ids = list(newsletter.sections.values_list("pk", flat=True))
    if section_ids:
        rows = rows.filter(story__live_section__in=section_ids)
    return rows[:MAX_CORRECTIONS]


def _fixes(newsletter: Newsletter, since: datetime, until: datetime):
    rows = _correction_rows(newsletter, since, until).select_related("story__live_revision")
    for correction in rows:
        story = correction.story
        content = snapshot.of(story.live_revision)
        yield Fix(
            correction_id=correction.pk,
            kind=correction.get_kind_display(),
            text=correction.text,
            headline=content.headline,
            url=site.absolute(story.get_absolute_url()),
            section_id=story.live_section_id,
        )
