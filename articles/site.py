"""The reading site's idea of itself: absolute addresses from ``NEWSROOM["BASE_URL"]``."""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils import translation


def base_url() -> str:
    return settings.NEWSROOM["BASE_URL"]


def absolute(path: str) -> str:
    """``/2026/11/29/story/`` → ``https://news.example.org/2026/11/29/story/``."""
    if path.startswith(("http://", "https://")):
        return path
    return base_url() + path


def domain() -> str:
    return urlsplit(base_url()).netloc


def protocol() -> str:
    return urlsplit(base_url()).scheme or "https"


def tagline() -> str:
    """The tagline in the edition being shown: the operator's for that edition
    (``NEWSROOM["TAGLINES"]``), else ``NEWSROOM["TAGLINE"]`` (the shipped one is
    translated like the interface, an operator's is used as written)."""
    site = settings.NEWSROOM
    own = site.get("TAGLINES", {}).get(translation.get_language() or settings.LANGUAGE_CODE)
    return str(own if own is not None else site["TAGLINE"])
