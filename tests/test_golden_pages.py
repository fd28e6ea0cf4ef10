"""Every public page of the demo content, byte for byte, against files kept in the repository.

A refactoring must not change what readers get. This loads the demo at a fixed
time, fetches every kind of public page (home, each story, section, tag and author
page, their feeds, search, corrections, the sitemaps, robots.txt and a 404), with a correction on the seed story, and
compares each body with ``tests/data/golden_pages/``, after blanking what differs
on every request (the CSP nonce).

When a change is meant to alter pages, rewrite the files and review their diff:

    NEWSROOM_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden_pages.py
"""

import os
import re
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from urllib.parse import unquote

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from articles.demo import SEED_HEADLINE
from articles.models import Author, Section, Story, Tag

GOLDEN = Path(__file__).parent / "data" / "golden_pages"
UPDATE = os.environ.get("NEWSROOM_UPDATE_GOLDEN") == "1"
#: The demo is loaded and read at this instant, so its times are the same in every run.
FROZEN = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
_NONCE = re.compile(r'nonce="[^"]*"')


def _public_urls() -> list[str]:
    urls = [
        "/",
        "/feed/",
        "/robots.txt",
        "/sitemap.xml",
        "/sitemap-stories.xml",
        "/sitemap-news.xml",
        "/sitemap-sections.xml",
        "/sitemap-authors.xml",
        "/corrections/",
        "/search/?q=Belarus",
        "/search/?q=rail+fares",
        "/search/?q=nothing-matches-this",
        "/no-such-page/",
        # The Persian edition (its story is among the published stories below).
        "/fa/",
        "/fa/feed/",
        "/fa/sections/world/",
        "/fa/authors/hossein-amiri/",
        "/fa/search/?q=بلاروس",
        "/fa/corrections/",
    ]
    for story in Story.objects.published().order_by("first_published_at"):
        urls.append(story.get_absolute_url())
    for section in Section.objects.order_by("position"):
        urls += [section.get_absolute_url(), section.get_absolute_url() + "feed/"]
    for author in Author.objects.order_by("name"):
        urls += [author.get_absolute_url(), author.get_absolute_url() + "feed/"]
    for tag in Tag.objects.order_by("name"):
        urls.append(tag.get_absolute_url())
    return urls


def _file_name(url: str) -> str:
    # Persian addresses are percent-encoded: named by their letters, not their bytes,
    # and cut with a hash of the whole where a file system would refuse the length.
    name = re.sub(r"\W+", "_", unquote(url)).strip("_") or "home"
    if len(name.encode()) > 200:
        name = (
            name.encode()[:160].decode(errors="ignore")
            + "_"
            + sha256(url.encode()).hexdigest()[:12]
        )
    return f"{name}.txt"


@pytest.fixture
def demo_pages(db, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE_SECONDS": 0}
    with time_machine.travel(FROZEN, tick=False):
        call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        # A correction, added as an editor does, so the story page and the corrections
        # page show one.
        staff = Client(HTTP_HOST="127.0.0.1")
        staff.force_login(get_user_model().objects.get(username="editor"))
        seed = Story.objects.get(headline=SEED_HEADLINE)
        added = staff.post(
            reverse("admin:articles_story_correction", args=[seed.pk]),
            {"kind": "correction", "text": "An earlier version misspelled Minsk."},
        )
        assert added.status_code == 302
        client = Client(HTTP_HOST="127.0.0.1")
        pages = {}
        for url in _public_urls():
            response = client.get(url)
            body = _NONCE.sub('nonce="…"', response.content.decode())
            pages[url] = f"{response.status_code} {response['Content-Type']}\n{body}"
    return pages


def test_public_pages_of_the_demo_are_unchanged(demo_pages):
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for old in GOLDEN.glob("*.txt"):
            old.unlink()
        for url, page in demo_pages.items():
            (GOLDEN / _file_name(url)).write_text(page, encoding="utf-8")
        pytest.skip(f"wrote {len(demo_pages)} pages to {GOLDEN}")
    expected = {p.name for p in GOLDEN.glob("*.txt")}
    assert {_file_name(url) for url in demo_pages} == expected
    changed = [
        url
        for url, page in demo_pages.items()
        if (GOLDEN / _file_name(url)).read_text(encoding="utf-8") != page
    ]
    assert changed == [], f"pages differ from tests/data/golden_pages/: {changed}"
