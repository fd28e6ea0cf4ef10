"""No 500 from input: NUL and control characters, overlong names, impossible dates and ids,
and what reaches the log while the database is down.

Each class through a production app server (gunicorn, DEBUG off, PostgreSQL), details
in process.
"""

import logging
import sys
import urllib.parse

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, connection
from lxml import etree

from articles.hardening import xml_text
from articles.middleware import DatabaseUnavailableMiddleware, EscapingFormatter
from articles.models import AuditEntry, Story
from tests.factories import make_author, make_section, make_story, make_tag
from tests.servers import AppServer, Browser, TcpProxy, production_password

#: Stale pages would hide what a test changed: this server caches nothing whole.
UNCACHED = {"NEWSROOM_PAGE_CACHE_SECONDS": "0"}


@pytest.fixture(scope="module")
def app(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), AppServer(env=UNCACHED) as server:
        yield server


def signed_in(app, user) -> Browser:
    browser = Browser(app.url)
    browser.sign_in(user.username, production_password(user))
    return browser


# --- NUL and control characters -----------------------------------------------------------

NUL_PATHS = [
    "/sections/%00/",
    "/tags/%00/",
    "/authors/%00/",
    "/2026/11/29/a%00b/",
    "/sections/%00/feed/",
    "/authors/%00/feed/",
    "/sitemap-%00.xml",
    "/p/%00/",
    "/admin/articles/story/%00/change/",
    "/sections/a%0D%0Ab/",
    "/tags/%1B%5B31m/",
    "/sections/%C2%85/",
]


@pytest.mark.slow
@pytest.mark.django_db  # for the test database the server runs on
@pytest.mark.parametrize("path", NUL_PATHS)
def test_a_control_character_in_a_path_is_a_404(app, path):
    assert Browser(app.url).get(path).status == 404


#: Path → what it answers: as for any value that matches nothing.
NUL_QUERIES = {
    "/search/?q=%00&section=%00&from=%00&to=%00": 200,
    "/?page=%00": 200,
    "/sections/world/?page=%00": 404,  # no such page of the section, as for ?page=x
    "/admin/articles/story/?status__exact=%00": 200,
    "/admin/articles/story/?q=%00": 200,
    "/admin/articles/correction/?kind__exact=%00": 200,
    "/admin/articles/auditentry/?action__exact=%00": 200,
    "/admin/autocomplete/?app_label=articles&model_name=story&field_name=tags&term=%00": 200,
    "/admin/autocomplete/?app_label=articles&model_name=story&field_name=section&term=%00": 200,
    "/admin/login/?next=%00": 302,  # signed in already: to the admin
}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_nul_in_a_query_string_is_an_ordinary_bad_value_never_a_500(app, editor):
    make_section("World")
    browser = signed_in(app, editor)
    assert {path: browser.get(path).status for path in NUL_QUERIES} == NUL_QUERIES


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_control_characters_in_published_text_leave_every_feed_and_sitemap_valid(app, editor):
    section = make_section("World\x07")
    author = make_author("Jane\x02 Doe")
    tag = make_tag("Ports\x1b")
    make_story(
        "Harbour\x01 reopens\x0b after the storm",
        lede="Ships\x0c are back.",
        section=section,
        authors=[author],
        tags=[tag],
        publish=True,
        by=editor,
    )
    browser = Browser(app.url)
    for path in [
        "/feed/",
        f"/sections/{section.slug}/feed/",
        f"/authors/{author.slug}/feed/",
        "/sitemap.xml",
        "/sitemap-news.xml",
        "/sitemap-stories.xml",
        "/sitemap-sections.xml",
        "/sitemap-authors.xml",
    ]:
        answer = browser.get(path)
        assert answer.status == 200, path
        etree.fromstring(answer.body)  # raises on XML that is not well-formed
    feed = browser.get("/feed/").text
    assert "Harbour reopens after the storm" in feed
    assert "Jane Doe" in feed
    assert "Harbour reopens after the storm" in browser.get("/sitemap-news.xml").text


@pytest.mark.slow
@pytest.mark.django_db  # for the test database the server runs on
def test_a_cookie_with_a_nul_is_ignored(app):
    # Quoted cookie values may spell bytes in octal; this one is nine NULs.
    nul = '"' + "\\000" * 9 + '"'
    for cookie in [f"sessionid={nul}", f"csrftoken={nul}", f"{nul}=x"]:
        answer = Browser(app.url).get("/admin/", headers={"Cookie": cookie})
        assert (answer.status, answer.headers.get("Location")) == (
            302,
            "/admin/login/?next=/admin/",
        ), cookie


# --- length limits ---------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_overlong_or_control_character_username_is_a_failed_sign_in_not_a_500(app):
    browser = Browser(app.url)
    browser.get("/admin/login/")
    for username in ["a" * 256, "x" * 100_000, "ed\x00itor", "ed\r\nitor\x1b[31m"]:
        answer = browser.post("/admin/login/?next=/admin/", {"username": username, "password": "x"})
        assert answer.status == 200, username[:20]
        assert "<title>Error: Log in" in answer.text
    # The form refused the NUL itself; the others were tried, failed and audited.
    names = list(AuditEntry.objects.values_list("actor_name", flat=True))
    assert sorted(names) == sorted(["a" * 150, "x" * 150, "editor[31m"])


# --- admin query strings ---------------------------------------------------------------------

OUT_OF_RANGE = [
    "created_at__year=99999999999",
    "created_at__year=9999",
    "created_at__year=9999&created_at__month=12",
    "created_at__year=9999&created_at__month=12&created_at__day=31",
    "created_at__year=2026&created_at__month=99999999999",
]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_date_drill_down_out_of_range_is_a_bad_filter_not_a_500(app, journalist, editor):
    for user, admin_list in [(journalist, "correction"), (editor, "auditentry")]:
        browser = signed_in(app, user)
        for query in OUT_OF_RANGE:
            answer = browser.get(f"/admin/articles/{admin_list}/?{query}")
            # Django's answer to a filter it cannot apply: the list again, with ?e=1.
            assert (answer.status, answer.headers.get("Location")) == (
                302,
                f"/admin/articles/{admin_list}/?e=1",
            ), query


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_impossible_initial_value_on_an_add_page_is_dropped_not_a_500(app, editor):
    browser = signed_in(app, editor)
    assert browser.get("/admin/articles/correction/add/?story=abc").status == 200
    assert browser.get("/admin/articles/correction/add/?story=1,x").status == 200


# --- the "view on site" shortcut ---------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_view_on_site_tells_nothing_about_a_story_readers_cannot_see(app, journalist, editor):
    draft = make_story("Embargoed merger talks", by=journalist)
    live = make_story("Harbour reopens", publish=True, by=editor)
    story_type = ContentType.objects.get_for_model(Story).pk
    for user in (journalist, editor):
        browser = signed_in(app, user)
        unpublished = browser.get(f"/admin/r/{story_type}/{draft.pk}/")
        never_was = browser.get(f"/admin/r/{story_type}/{draft.pk + 1000}/")
        assert (unpublished.status, never_was.status) == (404, 404)
        assert draft.slug not in unpublished.text
        published = browser.get(f"/admin/r/{story_type}/{live.pk}/")
        assert (published.status, published.headers["Location"]) == (302, live.get_absolute_url())
    assert Browser(app.url).get(f"/admin/r/{story_type}/{live.pk}/").status == 302  # to sign in


# --- logs --------------------------------------------------------------------------------------


def _database_url_through(proxy: TcpProxy) -> str:
    db = connection.settings_dict
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@127.0.0.1:{proxy.port}/{db['NAME']}"


HOSTILE_PATHS = [
    "/sections/%0D%0AFAKE%20LINE%1B%5B31m/",
    "/sections/world%0AFAKE%20LINE/feed/",
    "/2026/11/29/%1B%5D0;owned%07/",
    "/search/?q=%0D%0AFAKE%20LINE%1B%5B31m",
]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_while_the_database_is_down_no_request_can_forge_or_colour_a_log_line():
    proxy = TcpProxy(connection.settings_dict["PORT"] or 5432)
    try:
        with AppServer(env={**UNCACHED, "DATABASE_URL": _database_url_through(proxy)}) as app:
            proxy.cut()
            browser = Browser(app.url)
            assert browser.get("/").status == 503
            for path in HOSTILE_PATHS:
                assert browser.get(path).status in (404, 503), path
            browser.get("/admin/login/")
            browser.post("/admin/login/", {"username": "x\r\nFAKE LINE\x1b[31m", "password": "x"})
            app.stop()
            log = app.log.read_bytes()
    finally:
        proxy.close()
    assert b"Database unavailable for /" in log
    assert b"\x1b" not in log
    assert b"\r" not in log
    assert not [line for line in log.splitlines() if line.startswith(b"FAKE")]
    assert b"/sections/\\r\\nFAKE LINE\\x1b[31m/" in log


# --- details, in process -----------------------------------------------------------------


def test_xml_text_keeps_everything_xml_can_carry():
    assert xml_text("a\x00b\x01c\x08d\x0be\x0cf\x1fg\ufffe") == "abcdefg"
    assert xml_text("tab\tline\nreturn\r “é” 🎉") == "tab\tline\nreturn\r “é” 🎉"


def test_the_outage_log_line_is_one_line_whatever_the_path(rf, caplog):
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = rf.get("/")
    request.path = "/a\r\nFAKE\x1b[31m\u2028b"
    with caplog.at_level(logging.ERROR):
        middleware.process_exception(request, OperationalError("down"))
    (record,) = caplog.records
    line = EscapingFormatter().format(record)
    assert line == "Database unavailable for /a\\r\\nFAKE\\x1b[31m\\u2028b: down"


def test_every_log_line_is_escaped_but_tracebacks_keep_their_lines():
    formatter = EscapingFormatter("%(levelname)s %(message)s")
    try:
        raise ValueError("bad\x1b[31m value\nsecond line")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "Not Found: %s", ("/a\nb\x85",), True
        )
        record.exc_info = sys.exc_info()
    text = formatter.format(record)
    first, *rest = text.split("\n")
    assert first == "ERROR Not Found: /a\\nb\\x85"
    assert "\x1b" not in text
    assert rest[-2:] == ["ValueError: bad\\x1b[31m value", "second line"]
