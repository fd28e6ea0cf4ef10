"""Turn revision snapshots into what reader templates show.

A reader page never reads the working copy: it renders a snapshot (the live
revision's, or the working copy's for a staff preview). Current facts that may
change after publication (author pages, the addresses of linked stories,
corrections) are looked up in a fixed number of queries, whatever the number of
bylines, sections and links.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.storage import default_storage
from django.utils.safestring import SafeString, mark_safe

from articles.models import Author, Correction, Story


@dataclass
class LiveByline:
    name: str
    role: str
    url: str | None


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


@dataclass
class LiveImage:
    url: str
    alt: str
    caption: str
    credit: str


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
    section: dict | None
    tags: list[dict]
    image: LiveImage | None
    bylines: list[LiveByline]
    sections: list[LiveSection] = field(default_factory=list)
    links: list[LiveLink] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)

    @property
    def was_updated(self) -> bool:
        return bool(self.updated_at and self.published_at and self.updated_at > self.published_at)


def _bylines(snapshot: dict, authors: dict[int, Author]) -> list[LiveByline]:
    result = []
    for byline in snapshot.get("bylines", []):
        author = authors.get(byline["author_id"])
        result.append(
            LiveByline(
                name=author.name if author else byline["name"],
                role=byline.get("role", ""),
                url=author.get_absolute_url() if author else None,
            )
        )
    return result


def _image(snapshot: dict) -> LiveImage | None:
    image = snapshot.get("image")
    if not image:
        return None
    return LiveImage(
        url=default_storage.url(image["name"]),
        alt=image.get("alt", ""),
        caption=image.get("caption", ""),
        credit=image.get("credit", ""),
    )


def _base(story: Story, snapshot: dict, authors: dict[int, Author]) -> LiveStory:
    return LiveStory(
        story=story,
        headline=snapshot["headline"],
        dek=snapshot.get("dek", ""),
        dateline=snapshot.get("dateline", ""),
        lede=snapshot.get("lede", ""),
        url=story.get_absolute_url(),
        published_at=story.first_published_at,
        updated_at=story.last_published_at,
        section=snapshot.get("section"),
        tags=snapshot.get("tags", []),
        image=_image(snapshot),
        bylines=_bylines(snapshot, authors),
    )


def _author_ids(snapshots) -> set[int]:
    return {b["author_id"] for snap in snapshots for b in snap.get("bylines", [])}


def live_cards(stories: list[Story]) -> list[LiveStory]:
    """Headline, lede, bylines and image of each published story: one query for authors.

    ``stories`` must come with ``live_revision`` selected (``latest_published()``).
    """
    snapshots = [s.live_revision.snapshot for s in stories]
    authors = Author.objects.in_bulk(_author_ids(snapshots))
    return [_base(story, snap, authors) for story, snap in zip(stories, snapshots, strict=True)]


def live_page(story: Story, snapshot: dict | None = None) -> LiveStory:
    """The full story page for ``snapshot`` (the live revision's unless given)."""
    if snapshot is None:
        snapshot = story.live_revision.snapshot
    authors = Author.objects.in_bulk(_author_ids([snapshot]))
    page = _base(story, snapshot, authors)
    page.sections = [
        LiveSection(label=s["label"], slug=s.get("label_slug", ""), body=mark_safe(s["body"]))
        for s in snapshot.get("sections", [])
        if s["body"] or s["label"]
    ]
    target_ids = {link["story_id"] for link in snapshot.get("links", []) if link["story_id"]}
    targets = (
        Story.objects.published().only("pk", "slug", "first_published_at").in_bulk(target_ids)
        if target_ids
        else {}
    )
    for link in snapshot.get("links", []):
        if link["story_id"]:
            target = targets.get(link["story_id"])
            page.links.append(
                LiveLink(link["title"], target.get_absolute_url() if target else None, False)
            )
        else:
            page.links.append(LiveLink(link["title"], link["url"] or None, bool(link["url"])))
    if story.pk:
        page.corrections = list(story.corrections.all())
    return page
