"""Every public page says what it shows (``Surrogate-Key``, ``Cache-Tag``), so a CDN and
the page cache purge exactly the pages a change touches; and a publication on one app
server leaves the rest of the archive cached on every app server."""

import urllib.request

import pytest
from django.core.cache import cache

from articles import workflow
from articles.cache import LATEST, of_change
from articles.snapshot import of as snapshot_of
from articles.workflow.trash import trash
from tests.factories import make_author, make_section, make_story, make_tag
from tests.servers import AppServer, Browser, production_password

REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def site(db):
    """A small archive with one of everything a reader can reach."""
    world = make_section("World")
    amiri = make_author("Hossein Amiri")
    ports = make_tag("Ports")
    background = make_story("Harbour reopens", section=world, publish=True)
    story = make_story(
        "Talks resume",
        section=world,
        authors=[amiri],
        tags=[ports],
        links=[("Background", background)],
        publish=True,
    )
    workflow.correct(story, "correction", "An earlier version misdated the talks.", None)
    gone = make_story("Withdrawn", section=world, publish=True)
    gone_url = gone.get_absolute_url()
    workflow.transition(gone, "unpublish", None)
    trash(gone, None)
    return {
        "story": story,
        "background": background,
        "section": world,
        "author": amiri,
        "tag": ports,
        "gone_url": gone_url,
    }


def pages(site) -> dict[str, tuple[str, int, set[str]]]:
    """Every kind of public address: (path, status, tags its response must carry)."""
    story, background = site["story"], site["background"]
    world, amiri, ports = site["section"], site["author"], site["tag"]
    moved = story.get_absolute_url().replace(
        f"/{story.first_published_at:%Y}/", f"/{story.first_published_at.year - 1}/"
    )
    return {
        "home": ("/", 200, {"home"}),
        "story": (
            story.get_absolute_url(),
            200,
            {f"story-{story.pk}", f"story-{background.pk}"},  # and its Go deeper story
        ),
        "story at an old address": (moved, 301, {f"story-{story.pk}"}),
        "section": (world.get_absolute_url(), 200, {"section-world"}),
        "section, page 1": (world.get_absolute_url() + "?page=1", 200, {"section-world"}),
        "author": (amiri.get_absolute_url(), 200, {"author-hossein-amiri"}),
        "tag": (ports.get_absolute_url(), 200, {"tag-ports"}),
        "search": ("/search/?q=talks", 200, {"search"}),
        "empty search": ("/search/", 200, {"search"}),
        "corrections": ("/corrections/", 200, {"corrections"}),
        "feed": ("/feed/", 200, {"feed"}),
        "section feed": (world.get_absolute_url() + "feed/", 200, {"feed", "section-world"}),
        "author feed": (
            amiri.get_absolute_url() + "feed/",
            200,
            {"feed", "author-hossein-amiri"},
        ),
        "tag feed": (ports.get_absolute_url() + "feed/", 200, {"feed", "tag-ports"}),
        "sitemap index": ("/sitemap.xml", 200, {"sitemap"}),
        "stories sitemap": ("/sitemap-stories.xml", 200, {"sitemap"}),
        "sections sitemap": ("/sitemap-sections.xml", 200, {"sitemap"}),
        "authors sitemap": ("/sitemap-authors.xml", 200, {"sitemap"}),
        "news sitemap": ("/sitemap-news.xml", 200, {"sitemap"}),
        "robots.txt": ("/robots.txt", 200, {"robots"}),
        "no such story": ("/2020/01/01/no-such-story/", 404, {"notfound"}),
        "no such address": ("/no/such/address/", 404, {"notfound"}),
        "no such section": ("/sections/no-such-section/", 404, {"notfound"}),
        "trashed story": (site["gone_url"], 410, {"notfound"}),
    }


def keys(response) -> set[str]:
    return set(response["Surrogate-Key"].split())


@pytest.mark.django_db
def test_every_public_page_names_what_it_shows(client, site, page_cache):
    for name, (path, status, expected) in pages(site).items():
        response = client.get(path)
        assert response.status_code == status, name
        assert expected <= keys(response), name
        assert response["Cache-Tag"].split(",") == response["Surrogate-Key"].split(), name


@pytest.mark.django_db
def test_no_public_page_falls_back_to_showing_everything(client, site, page_cache):
    # A page that does not say what it shows is made stale by every change, anywhere.
    for name, (path, _, _) in pages(site).items():
        assert LATEST not in keys(client.get(path)), name


@pytest.mark.django_db
def test_pages_name_what_they_show_with_the_page_cache_off(client, site, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE_SECONDS": 0}
    for name, (path, _, expected) in pages(site).items():
        response = client.get(path)
        assert "X-Cache" not in response, name
        assert expected <= keys(response), name


@pytest.mark.django_db
def test_a_publication_purges_the_tags_its_pages_carry(client, site, page_cache):
    """What a publication invalidates covers every listing it appears on: the tags are
    the same words on both sides."""
    story = site["story"]
    story.refresh_from_db()
    purged = set(of_change(story.pk, None, snapshot_of(story.live_revision)))
    shown = {name: expected for name, (_, _, expected) in pages(site).items()}
    # Each page listing the story (or the story itself) shares a tag with the purge.
    for name in ("home", "story", "section", "author", "tag", "search", "corrections", "feed"):
        assert shown[name] & purged, name
    for name in ("section feed", "author feed", "tag feed", "sitemap index", "news sitemap"):
        assert shown[name] & purged, name
    assert shown["no such story"] & purged  # its address may become the new story's


# --- two app servers ------------------------------------------------------------------


def _get(server: AppServer, path: str) -> tuple[str, str]:
    with urllib.request.urlopen(server.url + path, timeout=20) as response:
        return response.headers.get("X-Cache", ""), response.read().decode()


@pytest.mark.slow  # two gunicorn app servers
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_publishing_a_story_leaves_another_cached_and_its_listings_fresh_on_two_servers(
    settings, editor
):
    settings.CACHES = {
        "default": {
            "BACKEND": "articles.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "newsroom",
        }
    }
    cache.clear()
    world, sport = make_section("World"), make_section("Sport")
    b = make_story("Story B stays cached", section=sport, publish=True)
    a = make_story("Story A goes live", section=world)
    password = production_password(editor)
    env = {"REDIS_URL": REDIS_URL, "NEWSROOM_PAGE_CACHE_SECONDS": "600"}
    with AppServer(env=env, workers=1) as one, AppServer(env=env, workers=1) as two:
        servers = (one, two)
        listings = ["/", world.get_absolute_url()]
        for server in servers:
            for path in [b.get_absolute_url(), *listings]:
                _get(server, path)
        for server in servers:
            assert _get(server, b.get_absolute_url())[0] == "hit"
            for path in listings:
                state, body = _get(server, path)
                assert state == "hit" and "Story A goes live" not in body

        desk = Browser(one.url)
        desk.sign_in(editor.username, password)
        a.refresh_from_db()
        published = desk.post(
            f"/admin/articles/story/{a.pk}/transition/publish/", {"version": a.version}
        )
        assert published.status in (200, 302)
        a.refresh_from_db()
        assert a.live_revision_id is not None

        for server in servers:
            state, body = _get(server, b.get_absolute_url())
            assert state == "hit" and "Story B stays cached" in body
            for path in listings:
                state, body = _get(server, path)
                assert state == "miss" and "Story A goes live" in body, (server.port, path)
            assert _get(server, a.get_absolute_url())[1].count("Story A goes live") >= 1
    cache.clear()
