"""Rich text for briefing sections: what the editor may produce, and how it is cleaned.

Smart Brevity needs very little markup: paragraphs, bullet lists, bold, italic and links.
Every body is cleaned with nh3 on save, whichever way it arrived (admin, importer, code),
so nothing else ever reaches a reader's page.
"""

import html
import re

import nh3
from django.utils.html import strip_tags

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

#: The django-prose-editor extensions that match ALLOWED_TAGS.
EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "BulletList": True,
    "ListItem": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "HardBreak": True,
}

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    link_rel="noopener noreferrer",
    strip_comments=True,
)
_EMPTY = re.compile(r"^\s*(<p>\s*(<br>)?\s*</p>\s*)*$")


def sanitize_html(value: str) -> str:
    """Return ``value`` with everything but the allowed tags removed (text is kept)."""
    if not value:
        return ""
    value = value.replace("\x00", "")
    cleaned = _cleaner.clean(value).strip()
    return "" if _EMPTY.match(cleaned) else cleaned


def html_to_text(value: str) -> str:
    """Plain text of a body, with block elements separated by spaces."""
    spaced = re.sub(r"</(p|li)>|<br\s*/?>", " ", value or "")
    return " ".join(html.unescape(strip_tags(spaced)).split())


def paragraphs_to_html(blocks: list[str | list[str]]) -> str:
    """Turn plain-text blocks into safe HTML: a string is a paragraph, a list a bullet list."""
    parts = []
    for block in blocks:
        if isinstance(block, list):
            items = "".join(f"<li><p>{html.escape(item)}</p></li>" for item in block)
            parts.append(f"<ul>{items}</ul>")
        else:
            parts.append(f"<p>{html.escape(block)}</p>")
    return "".join(parts)
