"""Story cards from the fragment cache (Redis): rendered once, shared by every listing,
and never stale, because a card's key is what it shows."""

import uuid

import pytest
from django.test.signals import template_rendered

from articles import workflow
from articles.fragments import CARD_TEMPLATE
from tests.factories import make_author, make_section, make_story

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/13"


def use_card_cache(settings, location=REDIS_URL, **options):
    """Cards cached in Redis at ``location``, under keys of this test's own.

    Parallel test workers share the Redis database, so nothing here clears it (that
    would empty it under another test); the keys expire after ten minutes.
    """
    settings.CACHES = {
        "default": {
            "BACKEND": "articles.cache.ResilientRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "OPTIONS": options,
        }
    }
    settings.NEWSROOM = {**settings.NEWSROOM, "FRAGMENT_CACHE_SECONDS": 600}


@pytest.fixture
def fragment_cache(settings):
    use_card_cache(settings)


@pytest.fixture
def card_renders():
    """How many times the card template is rendered, request by request."""
    seen = []

    def count(sender, template, **kwargs):
        if template.name == CARD_TEMPLATE:
            seen.append(template.name)

    template_rendered.connect(count)
    yield seen
    template_rendered.disconnect(count)


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def world():
    section = make_section("World")
    author = make_author("Lena Hartmann")
    for i in range(3):
        make_story(f"World story {i}", section=section, authors=[author], publish=True)
    return section, author


def test_cards_are_rendered_once_and_shared_by_listings(
    client, fragment_cache, world, card_renders
):
    section, author = world
    home = page(client, "/")
    # The lead is not a card: the other two are.
    assert len(card_renders) == 2
    section_page = page(client, section.get_absolute_url())
    # The section page shows the same three cards as the home page (no section label):
    # only the lead's card is new.
    assert len(card_renders) == 3
    page(client, section.get_absolute_url())
    assert len(card_renders) == 3
    assert "World story 1" in home and "World story 1" in section_page
    # Author pages label each card with its section: a card of its own.
    page(client, author.get_absolute_url())
    assert len(card_renders) == 6


def test_cached_cards_are_the_cards_rendered_without_the_cache(client, settings, world):
    section, author = world
    urls = ["/", section.get_absolute_url(), author.get_absolute_url()]
    plain = [page(client, url) for url in urls]
    use_card_cache(settings)
    stored = [page(client, url) for url in urls]
    served = [page(client, url) for url in urls]
    for before, first, second in zip(plain, stored, served, strict=True):
        # CSP nonces differ by request; everything else is byte for byte the same.
        strip = lambda html: html.split("<main", 1)[1].split("</main>", 1)[0]  # noqa: E731
        assert strip(before) == strip(first) == strip(second)


def test_a_renamed_author_shows_at_once_without_any_invalidation(
    client, fragment_cache, world, card_renders
):
    section, author = world
    assert "Lena Hartmann" in page(client, section.get_absolute_url())
    author.name = "Lena Hartmann-Okafor"
    author.save()
    assert "Lena Hartmann-Okafor" in page(client, section.get_absolute_url())


def test_a_republished_story_gets_a_new_card_and_the_others_stay_cached(
    client, editor, fragment_cache, world, card_renders
):
    section, _ = world
    page(client, section.get_absolute_url())
    assert len(card_renders) == 3
    story = section.live_stories.get(live_revision__snapshot__headline="World story 0")
    story.lede = "A lede rewritten after new figures came in."
    story.save()
    workflow.save_revision(story, editor)
    workflow.transition(story, "publish", editor)
    html = page(client, section.get_absolute_url())
    assert "A lede rewritten after new figures came in." in html
    assert len(card_renders) == 4


def test_redis_down_still_renders_every_card(client, settings, world):
    section, _ = world
    # Nothing listens on port 1.
    use_card_cache(
        settings, "redis://127.0.0.1:1/0", socket_connect_timeout=0.2, socket_timeout=0.2
    )
    html = page(client, section.get_absolute_url())
    assert all(f"World story {i}" in html for i in range(3))
