"""The reading site's idea of itself: absolute addresses from ``NEWSROOM["BASE_URL"]``."""

from urllib.parse import urlsplit

from django.conf import settings


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
