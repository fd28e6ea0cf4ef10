"""The story list: its filters, its order and its cursor.

Order: ``versioncreated`` (``Story.last_published_at``: the last publication *or
correction*), newest first, then the id, newest first. A correction therefore moves a
story back to the top, and a partner polling with ``since`` sees it again, with its
corrections, as it should.

The cursor is the (versioncreated, id) of the last item of a page, opaque to clients
(base64 of JSON). The next page is everything strictly after it in that order, so:

- a story published while a client pages lands above the pages it has read, never
  inside them: nothing is repeated and nothing shifts under the cursor;
- a story republished or corrected meanwhile moves above too, and a later poll with
  ``since`` (strictly after the newest ``versioncreated`` the client has seen)
  returns it once, with its new version.

No draft, scheduled, unpublished or trashed story is ever listed: the list is
``Story.objects.for_readers()``, what readers can see now.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime

from articles import editions
from articles.models import Story
from interchange.ninjs import timestamp

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
PARAMETERS = ("since", "until", "section", "author", "tag", "language", "limit", "cursor")


class BadRequest(ValueError):
    """A parameter a client got wrong; the message tells them how to put it right."""


@dataclass(frozen=True)
class Cursor:
    versioncreated: datetime
    story_id: int

    def encode(self) -> str:
        raw = json.dumps([timestamp(self.versioncreated), self.story_id]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "Cursor":
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            moment, story_id = json.loads(raw)
            parsed = parse_datetime(moment)
            if parsed is None or not isinstance(story_id, int):
                raise ValueError
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise BadRequest(
                "cursor is not one this API made: follow the next link as it is."
            ) from None
        return cls(parsed, story_id)


def _moment(name: str, value: str) -> datetime:
    # An unencoded "+" in a query string arrives as a space: "…T10:00:00 02:00".
    value = re.sub(r" (\d\d:?\d\d)$", r"+\1", value.strip())
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            moment = datetime(day.year, day.month, day.day) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise BadRequest(f"{name} must be an ISO 8601 date or time, e.g. 2026-01-31T09:30:00Z.")
    # A time without an offset is taken as UTC, like every time this API gives.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(value)


def _language(value: str) -> str:
    if value and not editions.is_configured(value):
        raise BadRequest(
            f"language must be one of the site's languages: {', '.join(editions.codes())}."
        )
    return value


@dataclass(frozen=True)
class StoryQuery:
    since: datetime | None = None
    until: datetime | None = None
    section: str = ""
    author: str = ""
    tag: str = ""
    language: str = ""
    limit: int = DEFAULT_LIMIT
    cursor: Cursor | None = None

    @classmethod
    def from_params(cls, params) -> "StoryQuery":
        unknown = sorted(set(params) - set(PARAMETERS))
        if unknown:
            raise BadRequest(
                f"Unknown parameter {', '.join(unknown)}: use {', '.join(PARAMETERS)}."
            )
        repeated = sorted(name for name in params if len(params.getlist(name)) > 1)
        if repeated:
            raise BadRequest(f"Give {', '.join(repeated)} once.")
        return cls(
            since=_moment("since", params["since"]) if "since" in params else None,
            until=_moment("until", params["until"]) if "until" in params else None,
            section=params.get("section", ""),
            author=params.get("author", ""),
            tag=params.get("tag", ""),
            language=_language(params.get("language", "")),
            limit=_limit(params.get("limit")),
            cursor=Cursor.decode(params["cursor"]) if "cursor" in params else None,
        )

    def stories(self) -> QuerySet:
        stories = Story.objects.for_readers()
        if self.section:
            stories = stories.filter(live_section__slug=self.section)
        if self.author:
            stories = stories.filter(live_author_rows__author__slug=self.author)
        if self.tag:
            stories = stories.filter(live_tag_rows__tag__slug=self.tag)
        if self.language:
            stories = stories.filter(language=self.language)
        if self.since:
            stories = stories.filter(last_published_at__gt=self.since)
        if self.until:
            stories = stories.filter(last_published_at__lte=self.until)
        if self.cursor:
            at, story_id = self.cursor.versioncreated, self.cursor.story_id
            stories = stories.filter(
                Q(last_published_at__lt=at) | Q(last_published_at=at, pk__lt=story_id)
            )
        return stories.order_by("-last_published_at", "-pk")

    def page(self) -> tuple[list[Story], Cursor | None]:
        """One page of stories, and the cursor of the next page (None on the last)."""
        found = list(self.stories()[: self.limit + 1])
        stories = found[: self.limit]
        if len(found) <= self.limit:
            return stories, None
        last = stories[-1]
        return stories, Cursor(last.last_published_at, last.pk)

    def params(self, cursor: Cursor) -> dict[str, str]:
        """The query string of the page after ``cursor``, filters kept."""
        following = replace(self, cursor=cursor)
        params = {
            "since": timestamp(following.since) if following.since else None,
            "until": timestamp(following.until) if following.until else None,
            "section": following.section,
            "author": following.author,
            "tag": following.tag,
            "language": following.language,
            "limit": str(following.limit) if following.limit != DEFAULT_LIMIT else None,
            "cursor": cursor.encode(),
        }
        return {name: value for name, value in params.items() if value}
