"""The page cache: served to anonymous readers, fresh at once after publishing, never
for staff or private responses, and harmless when Redis is down."""

import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.cache import cache
from django.db import connection

from articles import workflow
from articles.cache import GENERATION_KEY
from tests.factories import make_section, make_story

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.mark.django_db
def test_second_anonymous_request_is_served_from_cache_without_queries(
    client, page_cache, django_assert_num_queries
):
    make_story("Cached story", publish=True)
    first = client.get("/")
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get("/")
    assert second["X-Cache"] == "hit"
    assert second.content == first.content


@pytest.mark.django_db
def test_publishing_makes_cached_pages_fresh_at_once(
    client, page_cache, django_capture_on_commit_callbacks
):
    make_story("Old news", publish=True)
    client.get("/")
    with django_capture_on_commit_callbacks(execute=True):
        make_story("Breaking news", publish=True)
    response = client.get("/")
    assert response["X-Cache"] == "miss"
    assert "Breaking news" in response.content.decode()


def worker_redis_url(worker_id: str) -> str:
    """A database of the machine's Redis for this test worker alone (11 for the first,
    10 for the second…): clearing the cache empties the whole database, and two workers
    sharing one would empty each other's in the middle of a test."""
    number = int(worker_id.removeprefix("gw")) if worker_id.startswith("gw") else 0
    return f"redis://127.0.0.1:6379/{11 - number}"


@pytest.fixture(params=["locmem", "redis"])
def any_page_cache(request, settings, worker_id):
    """The page cache on Django's local-memory cache and on Redis, whose checks run
    inside Redis."""
    if request.param == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "articles.cache.ResilientRedisCache",
                "LOCATION": worker_redis_url(worker_id),
                "KEY_PREFIX": "newsroom-tags",
            }
        }
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE_SECONDS": 600}
    cache.clear()
    yield
    cache.clear()
    cache.close()


@pytest.mark.django_db
def test_a_change_makes_stale_only_the_pages_that_show_the_story(
    client, any_page_cache, django_capture_on_commit_callbacks
):
    world, sport = make_section("World"), make_section("Sport")
    corrected = make_story("Ceasefire holds", section=world, publish=True)
    linking = make_story(
        "Talks resume", section=sport, links=[("Background", corrected)], publish=True
    )
    elsewhere = make_story("Cup final tonight", section=sport, publish=True)
    pages = {
        "corrected": corrected.get_absolute_url(),
        "linking": linking.get_absolute_url(),
        "elsewhere": elsewhere.get_absolute_url(),
        "its section": world.get_absolute_url(),
        "another section": sport.get_absolute_url(),
        "home": "/",
        "feed": "/feed/",
        "untagged": "/no-such-page/",
    }
    for path in pages.values():
        client.get(path)
    assert {name: client.get(path)["X-Cache"] for name, path in pages.items()} == dict.fromkeys(
        pages, "hit"
    )

    with django_capture_on_commit_callbacks(execute=True):
        workflow.correct(corrected, "correction", "An earlier version misdated the talks.", None)

    after = {name: client.get(path)["X-Cache"] for name, path in pages.items()}
    assert after == {
        "corrected": "miss",
        "linking": "miss",  # its Go deeper list shows the corrected story
        "elsewhere": "hit",
        "its section": "miss",
        "another section": "hit",
        "home": "miss",
        "feed": "miss",
        "untagged": "miss",  # a page that does not say what it shows is taken to show all
    }
    assert "misdated the talks" in client.get(pages["corrected"]).content.decode()


@pytest.mark.django_db
def test_moving_a_story_makes_both_sections_stale(
    client, any_page_cache, django_capture_on_commit_callbacks
):
    world, sport, science = make_section("World"), make_section("Sport"), make_section("Science")
    story = make_story("Misfiled", section=world, publish=True)
    for section in (world, sport, science):
        client.get(section.get_absolute_url())
    story.section = sport
    story.save()
    workflow.save_revision(story, None, "Filed under Sport")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(story, "publish", None)
    states = [client.get(s.get_absolute_url())["X-Cache"] for s in (world, sport, science)]
    assert states == ["miss", "miss", "hit"]
    assert "Misfiled" in client.get(sport.get_absolute_url()).content.decode()
    assert "Misfiled" not in client.get(world.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_pages_say_what_they_show_to_a_cdn(client, any_page_cache):
    world = make_section("World")
    story = make_story("Tagged", section=world, publish=True)
    keys = client.get(story.get_absolute_url())["Surrogate-Key"].split()
    # A story page shows the newest stories of its section ("More in World").
    assert keys == ["section-world", f"story-{story.pk}"]
    assert client.get(world.get_absolute_url())["Surrogate-Key"] == "section-world"
    assert client.get("/")["Cache-Tag"] == "home"


@pytest.mark.django_db
def test_renaming_a_section_makes_every_page_stale(
    client, any_page_cache, django_capture_on_commit_callbacks
):
    world = make_section("World")
    story = make_story("Anywhere", section=world, publish=True)
    client.get(story.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        world.name = "International"
        world.save()
    response = client.get(story.get_absolute_url())
    assert response["X-Cache"] == "miss" and "International" in response.content.decode()


@pytest.mark.django_db
def test_staff_are_never_served_or_stored_in_the_cache(client, page_cache, editor):
    make_story("Story", publish=True)
    client.force_login(editor)
    response = client.get("/")
    assert "X-Cache" not in response
    client.logout()
    assert client.get("/")["X-Cache"] == "miss"


@pytest.mark.django_db
def test_private_and_cookie_setting_responses_are_not_stored(page_cache, as_editor):
    story = make_story("Draft")
    preview = as_editor.get(f"/preview/story/{story.pk}/")
    assert preview["Cache-Control"] == "private, no-store"
    assert "X-Cache" not in preview
    login_page = as_editor.get("/admin/login/")
    assert "X-Cache" not in login_page


@pytest.mark.django_db
def test_conditional_request_gets_304(client, page_cache):
    make_story("Story", publish=True)
    first = client.get("/")
    etag = first["ETag"]
    assert client.get("/")["ETag"] == etag  # the hit carries the stored ETag
    second = client.get("/", headers={"If-None-Match": etag})
    assert second.status_code == 304
    assert second["X-Cache"] == "hit" and second["ETag"] == etag and second.content == b""
    assert client.get("/", headers={"If-None-Match": '"other"'}).status_code == 200


# --- a hit skips the rest of the stack: what the stack adds must come with the page ----------


SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)


@pytest.mark.django_db
def test_a_hit_carries_the_headers_the_stack_gave_the_page(client, page_cache):
    make_story("Story", publish=True)
    first = client.get("/")
    hit = client.get("/")
    assert (first["X-Cache"], hit["X-Cache"]) == ("miss", "hit")
    assert all(header in first for header in SECURITY_HEADERS)
    del first["X-Cache"], hit["X-Cache"]
    assert dict(hit.items()) == dict(first.items())


@pytest.mark.django_db
def test_changing_the_security_settings_leaves_no_page_with_the_old_headers(
    client, page_cache, settings
):
    make_story("Story", publish=True)
    client.get("/")
    assert client.get("/")["X-Cache"] == "hit"
    settings.X_FRAME_OPTIONS = "SAMEORIGIN"
    settings.SECURE_CSP = {**settings.SECURE_CSP, "frame-ancestors": ["'self'"]}
    response = client.get("/")
    assert response["X-Cache"] == "miss"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_a_page_kept_for_https_is_not_served_over_http(client, page_cache, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    make_story("Story", publish=True)
    secure = client.get("/", secure=True)
    assert client.get("/", secure=True)["X-Cache"] == "hit"
    assert "Strict-Transport-Security" in secure
    plain = client.get("/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert "Strict-Transport-Security" not in plain


@pytest.mark.django_db
def test_a_forged_host_gets_the_400_with_the_security_headers(client, page_cache):
    make_story("Story", publish=True)
    client.get("/")
    response = client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "X-Cache" not in response
    for header in SECURITY_HEADERS:
        assert header in response, header


@pytest.mark.django_db
def test_a_hit_costs_no_other_middleware(client, page_cache, monkeypatch):
    """The edition middleware (well below the page cache) sees the miss, not the hit."""
    from articles import editions

    make_story("Story", publish=True)
    seen = []
    original = editions.from_path
    monkeypatch.setattr(editions, "from_path", lambda path: seen.append(path) or original(path))
    client.get("/")
    client.get("/")
    assert seen == ["/"]


@pytest.mark.django_db
def test_public_pages_answer_while_redis_is_down(client, settings, editor):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE_SECONDS": 600}
    settings.CACHES = {
        "default": {
            "BACKEND": "articles.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    story = make_story("Still readable", publish=True)
    assert client.get("/").status_code == 200
    assert client.get(story.get_absolute_url()).status_code == 200
    health = client.get("/healthz").json()
    assert health["database"] == "ok" and health["cache"] == "error"
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor", "password": "correct horse battery staple"},
    )
    assert response.status_code == 302  # staff can still sign in


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    settings_dict = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}",
        "REDIS_URL": REDIS_URL,
        "NEWSROOM_PAGE_CACHE_SECONDS": "600",
        "NEWSROOM_HOUSE_RULES": "0",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runserver",
            "--noreload",
            "--nothreading",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the app server did not start")


def _publish_through(port: int, story, username: str, password: str) -> str:
    """Sign in to the admin on one app server and press Publish there, as an editor would."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"

    def post(path, fields):
        # The CSRF cookie comes with the login page, and is renewed by signing in.
        token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        with opener.open(base + path, data=data, timeout=10) as response:
            return response.read().decode()

    opener.open(base + "/admin/login/", timeout=10).read()
    post("/admin/login/?next=/admin/", {"username": username, "password": password})
    return post(f"/admin/articles/story/{story.pk}/transition/publish/", {"version": story.version})


def _get(port: int, path: str) -> tuple[str, str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return response.headers.get("X-Cache", ""), response.read().decode()


@pytest.mark.slow  # two `manage.py runserver` processes
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_app_servers_sharing_redis_serve_fresh_pages_after_publish_correction_and_unpublish(
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
    first = make_story("First story", publish=True)
    ports = [_free_port(), _free_port()]
    servers = [_start_server(port) for port in ports]
    try:
        a, b = ports
        for port in ports:  # warm both caches
            _get(port, "/")
        assert _get(b, "/")[0] == "hit"

        # The app servers check passwords with the production hashers, not the tests'.
        editor.password = PBKDF2PasswordHasher().encode("s3rver-a-login", "salt", 1000)
        editor.save()
        draft = make_story("Published on server A")
        page = _publish_through(a, draft, editor.username, "s3rver-a-login")
        assert "Published: readers see this version now." in page
        state, body = _get(b, "/")
        assert state == "miss" and "Published on server A" in body

        _get(b, first.get_absolute_url())
        workflow.correct(first, "correction", "An earlier version misspelled a name.", None)
        state, body = _get(b, first.get_absolute_url())
        assert state == "miss" and "misspelled a name" in body

        workflow.transition(first, "unpublish", None)
        state, body = _get(a, "/")
        assert "First story" not in body
        assert cache.get(GENERATION_KEY) is not None
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        cache.clear()
