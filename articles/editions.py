"""The editions: one site per language, the default language's at the root and every
other's under its prefix (``/fa/`` for Persian).

The language of a page is read from its address alone, never from the browser's
``Accept-Language``: a page then has one language whatever asks for it, and the page
cache and an HTTP cache in front keep one copy of it (no ``Vary``). A story is written
in one language (``Story.language``) and lives in that edition; its translations are
stories of their own, linked to it.
"""

from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation

from articles.site import absolute


def codes() -> list[str]:
    """The configured languages' codes, the default first."""
    default = settings.LANGUAGE_CODE
    return [default, *(code for code, _ in settings.LANGUAGES if code != default)]


def is_configured(code: str) -> bool:
    """Whether ``code`` is one of the site's languages (``settings.LANGUAGES``)."""
    return code in dict(settings.LANGUAGES)


def name(code: str) -> str:
    """The language's own name for itself ("فارسی" for ``fa``)."""
    return dict(settings.LANGUAGES).get(code, code)


def is_rtl(code: str) -> bool:
    """Whether ``code`` is written right to left."""
    try:
        return translation.get_language_info(code)["bidi"]
    except KeyError:
        return False


def current() -> str:
    """The language of the page being made (the default outside a request)."""
    return translation.get_language() or settings.LANGUAGE_CODE


def home_path() -> str:
    """The home page of the edition being shown (``/``, ``/fa/``), for the pages made
    without a request context (500, 503); ``/`` when the URLs cannot be read, as a 500
    may have come from them."""
    try:
        return reverse("articles:home")
    except Exception:  # an error page must render whatever broke
        return "/"


def in_order(stories) -> list:
    """``stories`` (versions of one story) in the order of the site's languages, the
    default first: the order of hreflang alternates and of the language switcher."""
    order = {code: i for i, code in enumerate(codes())}
    return sorted(stories, key=lambda story: order.get(story.language, len(order)))


def from_path(path: str) -> str:
    """The edition an address belongs to: ``/fa/…`` is Persian, the rest the default."""
    first = path.lstrip("/").split("/", 1)[0]
    if first and first != settings.LANGUAGE_CODE and is_configured(first):
        return first
    return settings.LANGUAGE_CODE


def alternate(code: str, url: str) -> dict:
    return {"language": code, "name": name(code), "url": url}


def page_alternates(request) -> list[dict]:
    """The same listing page (home, a section, an author, search) in every edition,
    as absolute addresses; the default edition's first (it is also ``x-default``)."""
    # Absolute on the site's own address (NEWSROOM["BASE_URL"]), as canonicals are,
    # whichever host the request came to.
    here = request.get_full_path()
    return [alternate(code, absolute(translate_url(here, code))) for code in codes()]
