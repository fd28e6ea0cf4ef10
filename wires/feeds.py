"""What an agency sent, read into :class:`Entry` objects. Pure parsing: no database.

- ninjs (IPTC News in JSON, 1.x and 2.x): one item, a list of items, or an object with an
  ``items`` list. Checked loosely: an item needs an id (``uri``, or ``guid``) and a
  headline or a body; others are skipped with a reason.
- RSS 2.0 and Atom, read by feedparser from the bytes we fetched ourselves (never from
  an address: feedparser would fetch it without our limits). The XML is first parsed by
  defusedxml, which refuses entity declarations (the "billion laughs" bomb) and external
  references, and refuses XML that is not well formed.

Bodies in HTML are kept only as :func:`articles.richtext.sanitize_html` leaves them; the
text the importer reads is made from the HTML by :func:`html_to_copy`, so no markup of
the agency's reaches a story at all.
"""

import calendar
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from xml.etree.ElementTree import ParseError as XMLSyntaxError

import defusedxml.ElementTree
import feedparser
from defusedxml import DefusedXmlException
from django.utils.dateparse import parse_datetime

from articles.parser import MAX_COPY_CHARS, normalize_text
from articles.richtext import sanitize_html

#: Items read from one fetch; a feed is a window on the newest, not an archive.
MAX_ENTRIES = 500
RAW_MAX_CHARS = 20_000
SUMMARY_MAX_CHARS = 5_000
GUID_MAX = 1000
HEADLINE_MAX = 500
BYLINE_MAX = 200  # the agency's own byline ("by"), kept on the item
#: ninjs item types that carry no story text (a picture's caption is not copy).
_NOT_TEXT = {"picture", "graphic", "audio", "video"}
_PUBSTATUS = {"usable", "withheld", "canceled"}


class FeedError(Exception):
    """What was fetched cannot be read as the provider's format; one line for the desk."""


@dataclass
class Entry:
    guid: str
    headline: str
    body_text: str = ""  # plain text, as the importer reads it
    body_html: str = ""  # the agency's HTML, sanitized; empty when it sent plain text
    summary: str = ""
    byline: str = ""
    version: int | None = None  # the agency's number, when it numbers versions
    published_at: datetime | None = None
    updated_at: datetime | None = None
    pubstatus: str = "usable"
    raw: str = ""

    @property
    def fingerprint(self) -> str:
        """What tells one version of the text from another when the agency numbers none."""
        content = [self.headline, self.body_text, self.summary, self.byline, self.pubstatus]
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()


@dataclass
class Parsed:
    entries: list[Entry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one reason per item left out


def parse_feed(kind: str, data: bytes, content_type: str = "") -> Parsed:
    """The entries in ``data``, newest as the feed orders them; FeedError if none can be read."""
    if kind == "ninjs":
        return parse_ninjs(data)
    return parse_xml_feed(data, content_type)


# --- text -------------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")


def _line(value, limit: int) -> str:
    """One line of plain text, no control characters, at most ``limit`` characters."""
    return _SPACE.sub(" ", normalize_text(str(value or ""))).strip()[:limit]


def _text(value, limit: int) -> str:
    return normalize_text(str(value or "")).strip()[:limit]


_BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "aside", "main", "nav",
    "blockquote", "pre", "table", "tr", "ul", "ol", "dl", "dt", "dd", "figure",
    "figcaption", "hr", "address", "h1", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip
_SKIPPED = {"script", "style", "template", "noscript", "iframe", "object", "svg", "math",
            "head", "title", "select", "textarea"}  # fmt: skip


class _Copy(HTMLParser):
    """Paragraphs, list items and line breaks of an HTML body, as plain text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.line: list[str] = []
        self.bullet = False
        self.skipping = 0

    def flush(self, *, bullet: bool = False):
        # A <br> stays a line break: "Why it matters:<br>…" is a label on its own line.
        lines = (_SPACE.sub(" ", part).strip() for part in "".join(self.line).split("\n"))
        text = "\n".join(line for line in lines if line)
        if text:
            self.paragraphs.append(f"• {text}" if self.bullet else text)
        self.line, self.bullet = [], bullet

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "li":
            self.flush(bullet=True)
        elif tag == "br":
            self.line.append("\n")
        elif tag in _BLOCKS:
            self.flush()

    def handle_endtag(self, tag):
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS or tag == "li":
            self.flush()

    def handle_data(self, data):
        if not self.skipping:
            self.line.append(data.replace("\n", " "))


def html_to_copy(html: str) -> str:
    """Plain-text copy of an HTML body: paragraphs apart, list items as bullets (the
    parser reads bullets apart as one list)."""
    reader = _Copy()
    reader.feed(html)
    reader.close()
    reader.flush()
    return "\n\n".join(reader.paragraphs)


def _body(html: str, text: str) -> tuple[str, str]:
    """(plain copy, sanitized HTML) from what the agency sent, either or both."""
    html = html[: 2 * MAX_COPY_CHARS]
    copy = _text(text, MAX_COPY_CHARS) or _text(html_to_copy(html), MAX_COPY_CHARS)
    return copy, sanitize_html(html) if html else ""


def _time(value) -> datetime | None:
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            return None
        if parsed is not None and parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed
    return None


def _raw(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)[:RAW_MAX_CHARS]


# --- ninjs ------------------------------------------------------------------------------


def _pick(values, *roles: str) -> dict:
    """From ninjs 2's lists of {value, role, contenttype}, the one with the first of
    ``roles``, else the first."""
    values = [v for v in values if isinstance(v, dict) and isinstance(v.get("value"), str)]
    for role in roles:
        for value in values:
            if value.get("role") == role:
                return value
    return values[0] if values else {}


def _ninjs_entry(item: dict) -> Entry:
    guid = item.get("uri") or item.get("guid")
    if not isinstance(guid, str) or not guid.strip():
        raise FeedError("it has no uri")
    if len(guid) > GUID_MAX:
        raise FeedError(f"its uri is longer than {GUID_MAX} characters")
    if item.get("type") in _NOT_TEXT:
        raise FeedError(f"it is a {item['type']}, not text")
    headline = item.get("headline") or _pick(item.get("headlines") or [], "main").get("value")
    html, text = item.get("body_html") or "", item.get("body_text") or ""
    # ninjs 2: the main body first, HTML or plain text as its content type says.
    bodies = [b for b in item.get("bodies") or [] if isinstance(b, dict)]
    for body in sorted(bodies, key=lambda b: b.get("role", "main") != "main"):
        value = body.get("value")
        if not isinstance(value, str):
            continue
        if "html" in str(body.get("contenttype", "")):
            html = html or value
        else:
            text = text or value
    summary = item.get("description_text") or _pick(
        item.get("descriptions") or [], "summary", "description"
    ).get("value")
    if not summary and item.get("description_html"):
        summary = html_to_copy(str(item["description_html"]))
    body_text, body_html = _body(str(html or ""), str(text or ""))
    if not (isinstance(headline, str) and headline.strip()) and not body_text:
        raise FeedError("it has neither a headline nor a body")
    version = str(item.get("version", "")).strip()
    pubstatus = str(item.get("pubstatus") or "usable").lower()
    return Entry(
        guid=guid.strip(),
        headline=_line(headline, HEADLINE_MAX),
        body_text=body_text,
        body_html=body_html,
        summary=_text(summary, SUMMARY_MAX_CHARS),
        byline=_line(item.get("by"), BYLINE_MAX),
        version=int(version) if version.isdigit() and len(version) < 10 else None,
        published_at=_time(item.get("firstcreated")),
        updated_at=_time(item.get("versioncreated")),
        pubstatus=pubstatus if pubstatus in _PUBSTATUS else "usable",
        raw=_raw(item),
    )


def parse_ninjs(data: bytes) -> Parsed:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, ValueError) as error:
        raise FeedError(f"The feed is not valid JSON ({error}).") from None
    except RecursionError:
        raise FeedError("The feed's JSON is nested too deeply to be news.") from None
    if isinstance(document, dict) and isinstance(document.get("items"), list):
        items = document["items"]
    elif isinstance(document, list):
        items = document
    elif isinstance(document, dict) and ("uri" in document or "guid" in document):
        items = [document]
    else:
        raise FeedError("The feed is JSON but not ninjs: no item, list of items or “items”.")
    parsed = Parsed()
    for position, item in enumerate(items[:MAX_ENTRIES], start=1):
        try:
            if not isinstance(item, dict):
                raise FeedError("it is not an object")
            parsed.entries.append(_ninjs_entry(item))
        except FeedError as why:
            parsed.skipped.append(f"item {position} was skipped: {why}")
    if len(items) > MAX_ENTRIES:
        parsed.skipped.append(f"only the first {MAX_ENTRIES} of {len(items)} items were read")
    return parsed


# --- RSS and Atom -------------------------------------------------------------------------


def _struct_time(value) -> datetime | None:
    # feedparser gives times as UTC struct_time.
    return datetime.fromtimestamp(calendar.timegm(value), UTC) if value else None


def _xml_entry(entry) -> Entry:
    guid = entry.get("id") or entry.get("link")
    if not guid or not str(guid).strip():
        raise FeedError("it has neither a guid nor a link")
    if len(guid) > GUID_MAX:
        raise FeedError(f"its guid is longer than {GUID_MAX} characters")
    title = entry.get("title", "")
    if "html" in entry.get("title_detail", {}).get("type", ""):
        title = html_to_copy(title)
    summary, summary_type = (
        entry.get("summary", ""),
        entry.get("summary_detail", {}).get("type", ""),
    )
    contents = entry.get("content") or []
    if contents:
        content, kind = contents[0].get("value", ""), contents[0].get("type", "")
    else:  # an RSS item with only a description: that is its body
        content, kind, summary = summary, summary_type, ""
    html, text = (content, "") if "html" in kind else ("", content)
    body_text, body_html = _body(html, text)
    if summary and "html" in summary_type:
        summary = html_to_copy(summary)
    if " ".join(summary.split()) == " ".join(body_text.split()):
        summary = ""  # feedparser repeats an Atom entry's content as its summary
    if not str(title).strip() and not body_text:
        raise FeedError("it has neither a title nor a body")
    return Entry(
        guid=str(guid).strip(),
        headline=_line(title, HEADLINE_MAX),
        body_text=body_text,
        body_html=body_html,
        summary=_text(summary, SUMMARY_MAX_CHARS),
        byline=_line(entry.get("author"), BYLINE_MAX),
        published_at=_struct_time(entry.get("published_parsed")),
        # dict.get: feedparser's own get() answers the published time, with a warning.
        updated_at=_struct_time(dict.get(entry, "updated_parsed")),
        raw=_raw(dict(entry)),
    )


def parse_xml_feed(data: bytes, content_type: str = "") -> Parsed:
    try:
        defusedxml.ElementTree.fromstring(
            data, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as error:
        raise FeedError(
            f"The feed declares XML entities or external references, which we never read "
            f"({error.__class__.__name__})."
        ) from None
    except XMLSyntaxError as error:
        raise FeedError(f"The feed is not well-formed XML ({error}).") from None
    document = feedparser.parse(
        io.BytesIO(data),
        response_headers={"content-type": content_type or "application/xml"},
        resolve_relative_uris=False,
    )
    if not document.get("version"):
        raise FeedError("The feed is XML but neither RSS nor Atom.")
    parsed = Parsed()
    entries = document.get("entries", [])
    for position, entry in enumerate(entries[:MAX_ENTRIES], start=1):
        try:
            parsed.entries.append(_xml_entry(entry))
        except FeedError as why:
            parsed.skipped.append(f"item {position} was skipped: {why}")
    if len(entries) > MAX_ENTRIES:
        parsed.skipped.append(f"only the first {MAX_ENTRIES} of {len(entries)} items were read")
    return parsed
