"""Story cards rendered once and shared: a fragment cache keyed by what a card shows.

A card's key is a digest of everything its template reads (headline, lede, address,
times, section, image, byline names and roles), of the card templates' own source,
and of the time zone and language. The same card on the home page, its section page
and an author page is rendered once; a card whose story is republished, whose author
is renamed or whose image renditions arrive gets a new key by itself. Nothing needs
invalidating, and publishing one story leaves the other cards of a page cached, so
the page rendered after a publication (every page misses then) costs little.

``NEWSROOM["FRAGMENT_CACHE_SECONDS"]`` (0 in development) turns it off.
"""

import hashlib
from dataclasses import fields

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from articles.live import LiveStory

CARD_TEMPLATE = "articles/includes/card.html"
#: Templates the card includes: their source is part of every key.
CARD_TEMPLATES = (CARD_TEMPLATE, "articles/includes/bylines.html", "articles/includes/time.html")
#: What a card does not show, left out of its key.
_NOT_SHOWN = {"story", "html", "sections", "links", "corrections", "bylines"}

_template_version = None


def _version() -> str:
    global _template_version
    if _template_version is None:
        digest = hashlib.sha256()
        for name in CARD_TEMPLATES:
            digest.update(get_template(name).template.source.encode())
        digest.update(f"{settings.TIME_ZONE}|{settings.LANGUAGE_CODE}".encode())
        _template_version = digest.hexdigest()[:16]
    return _template_version


def card_key(card: LiveStory, show_section: bool) -> str:
    shown = [(f.name, getattr(card, f.name)) for f in fields(card) if f.name not in _NOT_SHOWN]
    bylines = [(b.name, b.role) for b in card.bylines]
    content = repr((shown, bylines, show_section)).encode()
    return f"card:{_version()}:{hashlib.sha256(content).hexdigest()}"


def render_cards(cards: list[LiveStory], *, show_section: bool) -> None:
    """Give each card its ``html``: from the shared cache, or rendered and stored."""
    template = get_template(CARD_TEMPLATE)
    seconds = int(settings.NEWSROOM.get("FRAGMENT_CACHE_SECONDS", 0))

    def render(card):
        return template.render({"card": card, "show_section": show_section})

    if not seconds:
        for card in cards:
            card.html = mark_safe(render(card))
        return
    keys = [card_key(card, show_section) for card in cards]
    found = cache.get_many(keys)
    rendered = {}
    for key, card in zip(keys, cards, strict=True):
        html = found.get(key)
        if html is None:
            html = rendered[key] = render(card)
        card.html = mark_safe(html)
    if rendered:
        cache.set_many(rendered, seconds)
