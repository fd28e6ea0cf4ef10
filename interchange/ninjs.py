"""Published stories as IPTC ninjs 2.2 items: what partners receive from the read API.

An item is built from the story's live revision (``articles.snapshot``), exactly what
readers see, never from the working copy. Facts that may change after publication
(author pages, the addresses of linked stories, image renditions, corrections) are
looked up for a whole page of stories at once: a fixed number of queries, whatever
the number of stories, bylines, sections and links.

Mapping, field by field (see also the README's "API and webhooks"):

- ``uri``: the item's address in API v1, which stays its identifier for good.
- ``version``: the live revision's number; ``versioncreated``: the last publication
  or correction (``Story.last_published_at``); ``firstcreated``: the first publication.
- ``headlines``: ``main`` and, if any, ``subhead``; ``descriptions``: the lede as
  ``summary``.
- ``bodies``: ``main``, the whole story as sanitized HTML (lede, labelled sections, Go
  deeper), then one body per briefing section with its label as ``role``; each with
  ``wordcount`` and ``charcount`` of its text.
- ``by`` and ``people`` (``rel: author``): the bylines in order.
- ``subjects``: the section (``rel: section``) and tags (``rel: tag``).
- ``located``: the dateline.
- ``associations``: ``featuremedia`` (the lead image with its renditions, alt text and
  caption as ``descriptions``, credit as ``by``); ``godeeper-N`` (type ``text``,
  ``representationtype: partial``: each Go deeper entry with a link); and
  ``correction-N``, oldest first (type ``text``; ``title`` the kind, ``versioncreated``
  its time, its words as a body whose ``role`` is the kind). ninjs has no field for
  corrections, and a property of our own would make every corrected item invalid
  ninjs 2.2 (the schema allows no unknown property), so they travel as associations,
  which it defines.
"""

import mimetypes
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.html import escape, format_html

from articles import live, snapshot
from articles.models import Correction, ImageRendition, Story
from articles.richtext import html_to_text, sanitize_html
from articles.site import absolute
from articles.snapshot import Snapshot

STANDARD = {
    "name": "ninjs",
    "version": "2.2",
    "schema": "https://www.iptc.org/std/ninjs/ninjs-schema_2.2.json",
}
_RENDITION_TYPES = {"jpeg": "image/jpeg", "webp": "image/webp"}


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds: a partner's ``since`` must round-trip exactly."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def item_uri(story_id: int) -> str:
    return absolute(reverse("api:story-detail", args=[story_id]))


class _Lookups:
    """What a page of stories needs beyond its snapshots, in one query per kind."""

    def __init__(self, stories: list[Story], contents: list[Snapshot]):
        self.authors = live.authors_of(contents)
        names = {content.image.name for content in contents if content.image}
        self.renditions = defaultdict(list)
        if names:
            for rendition in ImageRendition.objects.filter(source__in=names).order_by(
                "width", "kind", "format"
            ):
                self.renditions[rendition.source].append(rendition)
        target_ids = set().union(*(content.linked_story_ids for content in contents))
        self.targets = (
            Story.objects.published().addresses().in_bulk(target_ids) if target_ids else {}
        )
        self.corrections = defaultdict(list)
        if stories:
            for correction in Correction.objects.filter(
                story_id__in=[story.pk for story in stories]
            ).order_by("created_at", "pk"):
                self.corrections[correction.story_id].append(correction)


def items(stories: Iterable[Story]) -> list[dict]:
    """ninjs items of published stories, which come with ``live_revision`` selected
    (``Story.objects.for_readers()``)."""
    stories = list(stories)
    contents = [snapshot.of(story.live_revision) for story in stories]
    found = _Lookups(stories, contents)
    return [_item(story, content, found) for story, content in zip(stories, contents, strict=True)]


def canceled(story_id: int, *, version: int, at: datetime) -> dict:
    """A story taken down (unpublished or trashed): enough for a partner to find their
    copy and remove it, and not a word of its text."""
    return {
        "uri": item_uri(story_id),
        "type": "text",
        "version": str(version),
        "versioncreated": timestamp(at),
        "pubstatus": "canceled",
    }


def _item(story: Story, content: Snapshot, found: _Lookups) -> dict:
    item = {
        "uri": item_uri(story.pk),
        "standard": STANDARD,
        "type": "text",
        "version": str(story.live_revision.number),
        "firstcreated": timestamp(story.first_published_at),
        "versioncreated": timestamp(story.last_published_at or story.first_published_at),
        "pubstatus": "usable",
        "language": story.language,
        "altids": [{"role": "canonical", "value": absolute(story.get_absolute_url())}],
        "headlines": [{"role": "main", "value": content.headline}],
        "bodies": _bodies(content, found),
    }
    if content.dek:
        item["headlines"].append({"role": "subhead", "value": content.dek})
    if content.lede:
        item["descriptions"] = [
            {"role": "summary", "contenttype": "text/plain", "value": content.lede}
        ]
    people = _people(content, found)
    if people:
        item["by"] = _by(content, found)
        item["people"] = people
    subjects = _subjects(content)
    if subjects:
        item["subjects"] = subjects
    if content.dateline:
        item["located"] = content.dateline
    associations = [
        *_image(content, found),
        *_go_deeper(content, found),
        *_corrections(story, found),
    ]
    if associations:
        item["associations"] = associations
    return item


# --- the text ------------------------------------------------------------------------------


def _body(role: str, html: str) -> dict:
    text = html_to_text(html)
    return {
        "role": role,
        "contenttype": "text/html",
        "value": html,
        "wordcount": len(text.split()),
        "charcount": len(text),
    }


def _link_url(link: snapshot.Link, found: _Lookups) -> str | None:
    if link.story_id:
        target = found.targets.get(link.story_id)
        return absolute(target.get_absolute_url()) if target else None
    return link.url or None


def _bodies(content: Snapshot, found: _Lookups) -> list[dict]:
    parts = [format_html("<p>{}</p>", content.lede)] if content.lede else []
    for part in content.sections:
        if part.label:
            parts.append(format_html("<p><strong>{}</strong></p>", part.label))
        parts.append(part.body)
    if content.links:
        entries = []
        for link in content.links:
            url = _link_url(link, found)
            title = escape(link.title)
            entries.append(format_html('<a href="{}">{}</a>', url, link.title) if url else title)
        parts.append("<p><strong>Go deeper</strong></p><ul>")
        parts.extend(f"<li><p>{entry}</p></li>" for entry in entries)
        parts.append("</ul>")
    # Sections were sanitized when the revision was made; the whole is cleaned again so
    # that nothing assembled here can reach a partner's page unchecked.
    bodies = [_body("main", sanitize_html("".join(parts)))]
    bodies += [
        _body(part.label or "section", sanitize_html(part.body))
        for part in content.sections
        if part.body
    ]
    return bodies


# --- people and subjects ------------------------------------------------------------------------


def _credits(content: Snapshot, found: _Lookups):
    """(name, role, author page) for each byline, in order: the author's current name
    and page, or the name the revision recorded when the author is gone."""
    for credit in content.bylines:
        author = found.authors.get(credit.author_id)
        name = author.name if author else credit.name
        url = absolute(author.get_absolute_url()) if author else None
        yield name, credit.role, url


def _by(content: Snapshot, found: _Lookups) -> str:
    """ "By A, B and C", roles in brackets, as the story page says it."""
    names = [f"{name} ({role})" if role else name for name, role, _ in _credits(content, found)]
    if len(names) > 1:
        return f"By {', '.join(names[:-1])} and {names[-1]}"
    return f"By {names[0]}"


def _people(content: Snapshot, found: _Lookups) -> list[dict]:
    people = []
    for name, _, url in _credits(content, found):
        person = {"name": name, "rel": "author"}
        if url:
            person["uri"] = url
        people.append(person)
    return people


def _subjects(content: Snapshot) -> list[dict]:
    subjects = []
    if content.section:
        subjects.append(_subject(content.section, "section", "articles:section-detail"))
    subjects += [_subject(tag, "tag", "articles:tag-detail") for tag in content.tags]
    return subjects


def _subject(named: snapshot.Named, rel: str, page: str) -> dict:
    subject = {"name": named.name, "rel": rel, "literal": named.slug}
    if named.slug:
        subject["uri"] = absolute(reverse(page, args=[named.slug]))
    return subject


# --- associations --------------------------------------------------------------------------------


def _image(content: Snapshot, found: _Lookups) -> list[dict]:
    image = content.image
    if not image:
        return []
    original = {"name": "original", "href": absolute(default_storage.url(image.name))}
    kind = mimetypes.guess_type(image.name)[0]
    if kind:
        original["contenttype"] = kind
    if image.width and image.height:
        original |= {"width": image.width, "height": image.height}
    renditions = [original] + [
        {
            "name": f"{rendition.kind}-{rendition.format}",
            "href": absolute(rendition.url),
            "contenttype": _RENDITION_TYPES.get(rendition.format, "application/octet-stream"),
            "width": rendition.width,
            "height": rendition.height,
        }
        for rendition in found.renditions.get(image.name, [])
    ]
    picture = {"name": "featuremedia", "uri": original["href"], "type": "picture"}
    descriptions = [{"role": "alttext", "value": image.alt}] if image.alt else []
    if image.caption:
        descriptions.append({"role": "caption", "value": image.caption})
    if descriptions:
        picture["descriptions"] = descriptions
    if image.credit:
        picture["by"] = image.credit
    picture["renditions"] = renditions
    return [picture]


def _go_deeper(content: Snapshot, found: _Lookups) -> list[dict]:
    """Go deeper entries that lead somewhere; a title without a link (a placeholder, or
    a story no longer published) has no address to give, and stays in the main body."""
    associations = []
    for position, link in enumerate(content.links, start=1):
        if link.story_id:
            if link.story_id not in found.targets:
                continue
            uri = item_uri(link.story_id)
        elif link.url:
            uri = link.url
        else:
            continue
        associations.append(
            {
                "name": f"godeeper-{position}",
                "uri": uri,
                "type": "text",
                "representationtype": "partial",
                "headlines": [{"role": "main", "value": link.title}],
            }
        )
    return associations


def _corrections(story: Story, found: _Lookups) -> list[dict]:
    return [
        {
            "name": f"correction-{number}",
            "uri": f"{item_uri(story.pk)}#correction-{correction.pk}",
            "type": "text",
            "title": correction.get_kind_display(),
            "versioncreated": timestamp(correction.created_at),
            "bodies": [
                {
                    "role": correction.kind,
                    "contenttype": "text/plain",
                    "value": correction.text,
                }
            ],
        }
        for number, correction in enumerate(found.corrections.get(story.pk, []), start=1)
    ]
