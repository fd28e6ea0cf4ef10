"""The snapshot: a story and its children frozen as plain JSON. The one owner of its format.

A :class:`~articles.models.Revision` stores a snapshot; the live page, the staff
preview, preview links, feeds, search, diffs and the benchmark seeder all read or
write it through this module, and nothing else knows its keys.

``build(story)`` freezes a working copy, ``apply(story, snapshot)`` writes one back
(restoring a revision), ``of(revision)`` reads what a revision stores. The typed
structures are immutable; ``to_json()`` is exactly what a revision keeps.

Revisions are immutable, so the format only ever grows: a key added later (the image
focus, say) gets a default when an older revision is read, and an older revision
then compares equal to a new one with the same content.
"""

from dataclasses import dataclass, field

from django.db.models.fields.json import KeyTextTransform

from articles.models import (
    Author,
    BriefingLabel,
    BriefingSection,
    Byline,
    RelatedLink,
    Revision,
    Section,
    Story,
    Tag,
)
from articles.richtext import html_to_text, sanitize_html
from articles.uploads import stored_size

#: The briefing label whose text feeds quote beside the lede.
WHY_IT_MATTERS = "why-it-matters"


@dataclass(frozen=True)
class Named:
    """A section or tag as it was called when the revision was made."""

    id: int
    name: str
    slug: str

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "slug": self.slug}

    @classmethod
    def from_json(cls, data: dict | None) -> "Named | None":
        if not data:
            return None
        return cls(id=data["id"], name=data.get("name", ""), slug=data.get("slug", ""))


@dataclass(frozen=True)
class LeadImage:
    """The lead image: its storage name, its words, its size and its focal point."""

    name: str
    alt: str = ""
    caption: str = ""
    credit: str = ""
    width: int | None = None
    height: int | None = None
    focus_x: float = 0.5
    focus_y: float = 0.5

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "alt": self.alt,
            "caption": self.caption,
            "credit": self.credit,
            "width": self.width,
            "height": self.height,
            "focus_x": self.focus_x,
            "focus_y": self.focus_y,
        }

    @classmethod
    def from_json(cls, data: dict | None) -> "LeadImage | None":
        if not data:
            return None
        return cls(
            name=data["name"],
            alt=data.get("alt", ""),
            caption=data.get("caption", ""),
            credit=data.get("credit", ""),
            width=data.get("width"),
            height=data.get("height"),
            focus_x=data.get("focus_x", 0.5),
            focus_y=data.get("focus_y", 0.5),
        )


@dataclass(frozen=True)
class Credit:
    """One byline, in order: the author's id, and their name as it was then."""

    author_id: int
    name: str
    slug: str = ""
    role: str = ""

    def to_json(self) -> dict:
        return {
            "author_id": self.author_id,
            "name": self.name,
            "slug": self.slug,
            "role": self.role,
        }

    @classmethod
    def from_json(cls, data: dict) -> "Credit":
        return cls(
            author_id=data["author_id"],
            name=data.get("name", ""),
            slug=data.get("slug", ""),
            role=data.get("role", ""),
        )


@dataclass(frozen=True)
class Part:
    """A briefing section: its row id, its lasting key, its label, its body.

    ``body`` is sanitized HTML; ``text`` the same as plain words.
    """

    id: int | None
    label: str
    label_slug: str
    body: str
    #: The section's lasting key (``BriefingSection.key``): who it is, not what it says,
    #: so it takes no part in comparing two snapshots' content.
    key: str = field(default="", compare=False)

    @property
    def text(self) -> str:
        return html_to_text(self.body)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "key": self.key,
            "label": self.label,
            "label_slug": self.label_slug,
            "body": self.body,
        }

    @classmethod
    def from_json(cls, data: dict) -> "Part":
        return cls(
            id=data.get("id"),
            label=data.get("label", ""),
            label_slug=data.get("label_slug", ""),
            body=data.get("body", ""),
            key=data.get("key", ""),
        )


@dataclass(frozen=True)
class Link:
    """A "Go deeper" entry: one of our stories (``story_id``), a web address, or a title only."""

    title: str
    story_id: int | None = None
    url: str = ""
    key: str = field(default="", compare=False)

    def to_json(self) -> dict:
        return {"title": self.title, "story_id": self.story_id, "url": self.url, "key": self.key}

    @classmethod
    def from_json(cls, data: dict) -> "Link":
        return cls(
            title=data["title"],
            story_id=data.get("story_id"),
            url=data.get("url") or "",
            key=data.get("key", ""),
        )


@dataclass(frozen=True)
class Snapshot:
    headline: str
    slug: str = ""
    dek: str = ""
    dateline: str = ""
    lede: str = ""
    section: Named | None = None
    tags: tuple[Named, ...] = ()
    image: LeadImage | None = None
    bylines: tuple[Credit, ...] = ()
    sections: tuple[Part, ...] = ()
    links: tuple[Link, ...] = ()

    def to_json(self) -> dict:
        return {
            "headline": self.headline,
            "slug": self.slug,
            "dek": self.dek,
            "dateline": self.dateline,
            "lede": self.lede,
            "section": self.section.to_json() if self.section else None,
            "tags": [tag.to_json() for tag in self.tags],
            "image": self.image.to_json() if self.image else None,
            "bylines": [credit.to_json() for credit in self.bylines],
            "sections": [part.to_json() for part in self.sections],
            "links": [link.to_json() for link in self.links],
        }

    @classmethod
    def from_json(cls, data: dict) -> "Snapshot":
        return cls(
            headline=data.get("headline", ""),
            slug=data.get("slug", ""),
            dek=data.get("dek", ""),
            dateline=data.get("dateline", ""),
            lede=data.get("lede", ""),
            section=Named.from_json(data.get("section")),
            tags=tuple(Named.from_json(tag) for tag in data.get("tags", [])),
            image=LeadImage.from_json(data.get("image")),
            bylines=tuple(Credit.from_json(credit) for credit in data.get("bylines", [])),
            sections=tuple(Part.from_json(part) for part in data.get("sections", [])),
            links=tuple(Link.from_json(link) for link in data.get("links", [])),
        )

    def part(self, label_slug: str) -> Part | None:
        """The first briefing section with this label, e.g. ``WHY_IT_MATTERS``."""
        return next((p for p in self.sections if p.label_slug == label_slug), None)

    @property
    def author_ids(self) -> list[int]:
        return [credit.author_id for credit in self.bylines]

    @property
    def linked_story_ids(self) -> set[int]:
        return {link.story_id for link in self.links if link.story_id}


def of(revision: Revision) -> Snapshot:
    """What ``revision`` stores."""
    return Snapshot.from_json(revision.snapshot)


def stored(*keys: str, revision: str = "") -> KeyTextTransform:
    """One value of stored snapshots as a SQL expression, for queries that need it
    without loading revisions: ``stored("image", "name")`` on revisions,
    ``stored("headline", revision="story__live_revision")`` on corrections."""
    value = f"{revision}__snapshot" if revision else "snapshot"
    for key in keys:
        value = KeyTextTransform(key, value)
    return value


def build(story: Story) -> Snapshot:
    """The working copy of ``story`` (its row and its children) as a snapshot."""
    return assemble(
        story,
        tags=story.tags.order_by("name"),
        bylines=story.bylines.select_related("author"),
        parts=story.sections.select_related("label"),
        links=story.related_links.all(),
    )


def assemble(story: Story, *, tags, bylines, parts, links) -> Snapshot:
    """A snapshot of ``story`` with its children given, in order: ``build`` fetches them;
    the benchmark seeder passes the rows it has just written."""
    section = story.section
    image = None
    if story.lead_image:
        width, height = stored_size(story.lead_image)
        image = LeadImage(
            name=story.lead_image.name,
            alt=story.lead_image_alt,
            caption=story.lead_image_caption,
            credit=story.lead_image_credit,
            width=width,
            height=height,
            focus_x=story.lead_image_focus_x,
            focus_y=story.lead_image_focus_y,
        )
    return Snapshot(
        headline=story.headline,
        slug=story.slug,
        dek=story.dek,
        dateline=story.dateline,
        lede=story.lede,
        section=Named(section.pk, section.name_in(story.language), section.slug)
        if section
        else None,
        tags=tuple(Named(t.pk, t.name, t.slug) for t in tags),
        image=image,
        bylines=tuple(Credit(b.author_id, b.author.name, b.author.slug, b.role) for b in bylines),
        sections=tuple(
            Part(
                s.pk,
                # The label as the story's readers read it: "چرا مهم است" in Persian.
                s.label.name_in(story.language) if s.label else "",
                s.label.slug if s.label else "",
                sanitize_html(s.body),
                key=str(s.key),
            )
            for s in parts
        ),
        links=tuple(
            Link(link.title, link.target_id, link.url, key=str(link.key)) for link in links
        ),
    )


def apply(story: Story, snapshot: Snapshot) -> None:
    """Overwrite the working copy (fields and children) with ``snapshot``'s content.

    Bylines whose author was deleted are dropped; links to deleted stories stay as
    titles; labels that no longer exist leave their sections unlabelled.
    """
    story.headline = snapshot.headline
    story.dek = snapshot.dek
    story.dateline = snapshot.dateline
    story.lede = snapshot.lede
    story.section = (
        Section.objects.filter(pk=snapshot.section.id).first() if snapshot.section else None
    )
    image = snapshot.image or LeadImage(name="")
    story.lead_image = image.name
    story.lead_image_alt = image.alt
    story.lead_image_caption = image.caption
    story.lead_image_credit = image.credit
    story.lead_image_focus_x = image.focus_x
    story.lead_image_focus_y = image.focus_y
    story.save()
    story.tags.set(Tag.objects.filter(pk__in=[tag.id for tag in snapshot.tags]))

    story.bylines.all().delete()
    authors = Author.objects.in_bulk(snapshot.author_ids)
    Byline.objects.bulk_create(
        Byline(story=story, author=authors[credit.author_id], position=i, role=credit.role)
        for i, credit in enumerate(snapshot.bylines)
        if credit.author_id in authors
    )
    story.sections.all().delete()
    labels = {label.slug: label for label in BriefingLabel.objects.all()}
    for i, part in enumerate(snapshot.sections):
        BriefingSection.objects.create(
            story=story,
            position=i,
            label=labels.get(part.label_slug),
            body=part.body,
            **_kept_key(part.key),
        )
    story.related_links.all().delete()
    targets = Story.objects.in_bulk(snapshot.linked_story_ids)
    RelatedLink.objects.bulk_create(
        RelatedLink(
            story=story,
            position=i,
            title=link.title,
            target=targets.get(link.story_id),
            url=link.url if not link.story_id else "",
            **_kept_key(link.key),
        )
        for i, link in enumerate(snapshot.links)
    )


def _kept_key(key: str) -> dict:
    """The row keeps its key through a restore (older snapshots have none: a new one)."""
    return {"key": key} if key else {}
