"""Reader conveniences on a story page: its reading time, the links that share it, and
the flag that tells a reader it was corrected.

All three depend only on the live revision, so they are part of the HTML rendered once
at publication (``articles.rendering``); the templates ask for them through the
``conveniences`` filters. Stored pages do not change when this code does: raise
``articles.rendering.SCHEMA`` with a change to what readers see here.
"""

import math
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.utils.translation import gettext_lazy as _

from articles.richtext import html_to_text
from articles.text import word_count

#: Words a reader gets through in a minute: a common figure for news on a screen.
WORDS_PER_MINUTE = 200

#: Which kind of change a corrected story's flag names first, when it had several.
_FLAG_ORDER = ("correction", "clarification", "update")
_FLAG_TEXT = {
    "correction": _("This story has been corrected."),
    "clarification": _("This story has been clarified."),
    "update": _("This story has been updated."),
}


@dataclass(frozen=True)
class Reading:
    """What the story asks of its reader: its words, and the minutes they take."""

    words: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.words / WORDS_PER_MINUTE))


def reading_of(lede: str, bodies: list[str]) -> Reading:
    """The words of the lede and the briefing sections' bodies (HTML), counted as the
    house rules count them (``articles.brevity``: the "story_words" rule)."""
    return Reading(word_count(lede) + sum(word_count(html_to_text(body)) for body in bodies))


@dataclass(frozen=True)
class ShareLink:
    name: str
    url: str


@dataclass(frozen=True)
class Sharing:
    """A story's public address (what "Copy link" copies) and the links that share it."""

    url: str
    title: str
    links: list[ShareLink]


def sharing(url: str, title: str) -> Sharing:
    """Plain links that share ``url`` (absolute) with ``title``: each opens the service's
    own sharing page (or the reader's mail program). Nothing is loaded from the
    services until the reader follows one."""
    both = f"{title} {url}"
    services = [
        (_("Email"), "mailto:?", {"subject": title, "body": url}),
        ("X", "https://x.com/intent/post?", {"text": title, "url": url}),
        ("Facebook", "https://www.facebook.com/sharer/sharer.php?", {"u": url}),
        ("WhatsApp", "https://wa.me/?", {"text": both}),
        ("Telegram", "https://t.me/share/url?", {"url": url, "text": title}),
        ("Bluesky", "https://bsky.app/intent/compose?", {"text": both}),
        ("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?", {"url": url}),
    ]
    # Spaces as %20, not "+": mail programs read "+" as a plus sign (RFC 6068).
    links = [
        ShareLink(name, start + urlencode(query, quote_via=quote))
        for name, start, query in services
    ]
    return Sharing(url, title, links)


def correction_flag(corrections) -> str:
    """The sentence at the top of a story with corrections, clarifications or updates
    ("" for none): the weightiest kind among them."""
    kinds = {correction.kind for correction in corrections}
    for kind in _FLAG_ORDER:
        if kind in kinds:
            return _FLAG_TEXT[kind]
    return _FLAG_TEXT["correction"] if kinds else ""
