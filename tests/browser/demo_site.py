"""The demo site, loaded once and shared by the checks that read whole pages.

``manage.py load_demo`` fills the database with what a reader of a fresh install
sees: seven sections, ten published stories with several bylines, tags and "Go
deeper" links. The accessibility, validity and browser checks read those pages, and
none of them writes, so loading the content once per module (or package) and
sharing it keeps them fast.

Why not per-test data: pytest-django runs each ``django_db`` test inside a
transaction it rolls back, and nothing a test writes inside it is visible to a
second connection, such as the live server's thread. So the content is loaded
*before* any test transaction, committed, straight after pytest-django has created
the test database. Tests still carry ``@pytest.mark.django_db``: that is what tells
pytest-django to create the test database at all (without it the first query would
reach the development database) and to let connections open during the test.

Why not pytest-django's ``live_server`` fixture: it turns on ``transactional_db``
for every test that uses it, which empties every table after each test, so shared
content would vanish after the first test (see ``tests/browser/conftest.py``).

Leaving the database as it was: before loading, the fixture serializes the whole
database (as Django's ``serialized_rollback`` does); afterwards it flushes every
table and loads that state back. Rows created by data migrations (groups, briefing
labels) are part of it, so the tests that follow see the database they expect.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"

#: The pages every check visits, by name; paths are looked up once the content exists.
PAGE_NAMES = [
    "home",
    "story",
    "section",
    "tag",
    "author",
    "search",
    "corrections",
    "not-found",
]

#: A word from the seed story that the search page must find.
SEARCH_WORD = "Belarus"


@dataclass(frozen=True)
class DemoSite:
    """Where the demo content lives on the site."""

    paths: dict[str, str]
    seed_headline: str
    section_feeds: list[str]
    author_feeds: list[str]


@contextmanager
def demo_content(django_db_blocker) -> Iterator[DemoSite]:
    """Load the demo content, committed, and put the database back afterwards."""
    # The demo accounts need no strong hashes, and strong ones cost seconds.
    fast_hashes = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with django_db_blocker.unblock(), fast_hashes:
        before = connection.creation.serialize_db_to_string()
        call_command("load_demo", stdout=StringIO())
        site = _describe()
    try:
        yield site
    finally:
        with django_db_blocker.unblock():
            # Sequences keep counting (as after Django's own serialized rollback), so
            # the restored rows never collide with rows the next tests create.
            call_command(
                "flush",
                interactive=False,
                verbosity=0,
                inhibit_post_migrate=True,
                reset_sequences=False,
            )
            connection.creation.deserialize_db_from_string(before)
            connection.close()


def _describe() -> DemoSite:
    from articles import demo
    from articles.models import Author, Section, Story, Tag

    seed = Story.objects.get(headline=demo.SEED_HEADLINE)
    author = seed.bylines.order_by("position").first().author
    tag = Tag.objects.filter(stories=seed).order_by("name").first()
    paths = {
        "home": reverse("articles:home"),
        "story": seed.get_absolute_url(),
        "section": seed.section.get_absolute_url(),
        "tag": tag.get_absolute_url(),
        "author": author.get_absolute_url(),
        "search": f"{reverse('articles:search')}?q={SEARCH_WORD}",
        "corrections": reverse("articles:corrections"),
        "not-found": "/no-such-page/",
    }
    live = Story.objects.published()
    return DemoSite(
        paths=paths,
        seed_headline=seed.headline,
        section_feeds=[
            reverse("section-feed", args=[s.slug])
            for s in Section.objects.filter(live_stories__in=live).distinct().order_by("slug")
        ],
        author_feeds=[
            reverse("author-feed", args=[a.slug])
            for a in Author.objects.filter(live_stories__in=live).distinct().order_by("slug")
        ],
    )
