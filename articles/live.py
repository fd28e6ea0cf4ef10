"""Turn revision snapshots into what reader templates show.

A reader page never reads the working copy: it renders a snapshot
(:mod:`articles.snapshot`: the live revision's, or the working copy's for a staff
preview). Current facts that may change after publication (author pages, the
addresses of linked stories, corrections, image renditions) are looked up in a fixed
number of queries, whatever the number of bylines, sections, links and images.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.storage import default_storage
from django.utils.safestring import SafeString, mark_safe

from articles import renditions, snapshot
from articles.models import Author, Correction, ImageRendition, Story
from articles.snapshot import Named, Snapshot


@dataclass
class LiveByline:
    name: str
    role: str
    #: The author's current record; None once the author has been deleted.
    author: Author | None = None

    @property
    def url(self) -> str | None:
        # Worked out only where a page links the name (cards do not): reversing a URL
        # for every byline of every card was a tenth of the home page's time.
        return self.author.get_absolute_url() if self.author else None


@dataclass
class LiveSection:
    label: str
    slug: str
    body: SafeString


@dataclass
class LiveLink:
    title: str
    url: str | None
    external: bool
    #: The language of the story it leads to (ours only): a link into another edition
    #: says so (``lang`` and ``hreflang``), so that its title is read in its language.
    language: str = ""


@dataclass
class LiveImage:
    """A lead image: ``url`` and its ``width``/``height`` are the largest JPEG rendition,
    or the original until renditions are made. ``srcset`` lists the JPEG renditions,
    ``webp_srcset`` the WebP ones (both empty before renditions exist). ``social_url``
    is the 1200 × 630 link-preview card, or the original until it is made.
    """

    url: str
    alt: str
    caption: str
    credit: str
    width: int | None = None
    height: int | None = None
    srcset: str = ""
    webp_srcset: str = ""
    social_url: str = ""
    social_width: int | None = None
    social_height: int | None = None


@dataclass
class LiveStory:
    story: Story
    headline: str
    dek: str
    dateline: str
    lede: str
    url: str
    published_at: datetime | None
    updated_at: datetime | None
    section: Named | None
    tags: list[Named]
    image: LiveImage | None
    bylines: list[LiveByline]
    sections: list[LiveSection] = field(default_factory=list)
    links: list[LiveLink] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    #: The stories its Go deeper list links to (whose addresses the page shows).
    linked_ids: tuple[int, ...] = ()
    #: The rendered card, where a listing asks for it.
    html: str = ""

    @property
    def was_updated(self) -> bool:
        return bool(self.updated_at and self.published_at and self.updated_at > self.published_at)


def bylines(content: Snapshot, authors: dict[int, Author]) -> list[LiveByline]:
    """``content``'s bylines as readers see them: each author's current record, by the
    name of the edition being shown (the name the snapshot kept once an author is gone).
    ``authors`` comes from :func:`authors_of`."""
    result = []
    for credit in content.bylines:
        author = authors.get(credit.author_id)
        result.append(
            LiveByline(
                name=author.local_name if author else credit.name, role=credit.role, author=author
            )
        )
    return result


def _renditions(contents: list[Snapshot]) -> dict[str, list[ImageRendition]]:
    """Every rendition of every image in ``contents``, by source, in one query."""
    names = {content.image.name for content in contents if content.image}
    found = defaultdict(list)
    if names:
        for rendition in ImageRendition.objects.filter(source__in=names).order_by("width"):
            found[rendition.source].append(rendition)
    return found


def _srcset(made: list[ImageRendition]) -> str:
    return ", ".join(f"{r.url} {r.width}w" for r in made)


def _image(content: Snapshot, found: dict[str, list[ImageRendition]]) -> LiveImage | None:
    image = content.image
    if not image:
        return None
    made = found.get(image.name, [])
    jpeg = [r for r in made if r.kind in renditions.WIDTHS and r.format == "jpeg"]
    webp = [r for r in made if r.kind in renditions.WIDTHS and r.format == "webp"]
    social = next((r for r in made if r.kind == renditions.SOCIAL), None)
    original = default_storage.url(image.name)
    largest = jpeg[-1] if jpeg else None
    return LiveImage(
        url=largest.url if largest else original,
        alt=image.alt,
        caption=image.caption,
        credit=image.credit,
        width=largest.width if largest else image.width,
        height=largest.height if largest else image.height,
        srcset=_srcset(jpeg),
        webp_srcset=_srcset(webp),
        social_url=social.url if social else original,
        social_width=social.width if social else image.width,
        social_height=social.height if social else image.height,
    )


def _base(
    story: Story,
    content: Snapshot,
    authors: dict[int, Author],
    found: dict[str, list[ImageRendition]],
) -> LiveStory:
    return LiveStory(
        story=story,
        headline=content.headline,
        dek=content.dek,
        dateline=content.dateline,
        lede=content.lede,
        url=story.get_absolute_url(),
        published_at=story.first_published_at,
        updated_at=story.last_published_at,
        section=content.section,
        tags=list(content.tags),
        image=_image(content, found),
        bylines=bylines(content, authors),
    )


def authors_of(contents: list[Snapshot]) -> dict[int, Author]:
    """The current records of the authors of ``contents``' bylines: one query."""
    return Author.objects.in_bulk(
        {author_id for content in contents for author_id in content.author_ids}
    )


def live_cards(stories: list[Story]) -> list[LiveStory]:
    """Headline, lede, bylines and image of each published story: one query for authors,
    one for image renditions (none without images).

    ``stories`` must come with ``live_revision`` selected (``latest_published()``).
    """
    contents = [snapshot.of(s.live_revision) for s in stories]
    authors = authors_of(contents)
    found = _renditions(contents)
    return [
        _base(story, content, authors, found)
        for story, content in zip(stories, contents, strict=True)
    ]


def live_page(story: Story, content: Snapshot | None = None) -> LiveStory:
    """The full story page for ``content`` (the live revision's unless given)."""
    if content is None:
        content = snapshot.of(story.live_revision)
    authors = authors_of([content])
    page = _base(story, content, authors, _renditions([content]))
    page.sections = [
        LiveSection(label=part.label, slug=part.label_slug, body=mark_safe(part.body))
        for part in content.sections
        if part.body or part.label
    ]
    ids = content.linked_story_ids
    page.linked_ids = tuple(ids)
    targets = Story.objects.published().addresses().in_bulk(ids) if ids else {}
    for link in content.links:
        if link.story_id:
            target = targets.get(link.story_id)
            page.links.append(
                LiveLink(
                    link.title,
                    target.get_absolute_url() if target else None,
                    False,
                    target.language if target else "",
                )
            )
        else:
            page.links.append(LiveLink(link.title, link.url or None, bool(link.url)))
    if story.pk:
        page.corrections = list(story.corrections.all())
    return page
