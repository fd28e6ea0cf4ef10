"""Reader pages from the replica; writes, transactions, staff and writers from the primary
(``newsroom.db_router``).

The replica here is the alias settings.py makes from ``DATABASE_REPLICA_URL``, as
tests run it: ``TEST: {"MIRROR": "default"}``, a second connection to the test
database (added here when the run has no ``DATABASE_REPLICA_URL``). Queries are
counted on each connection. A replica outage is a real one: the alias points at a
TCP proxy that is cut. Real lag needs a real streaming replica: tests/test_stack.py
pauses one; here the replica's own report of its lag is what is varied.
"""

import contextlib
import json
import os
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles.cache import GENERATION_KEY
from articles.models import Invalidation, Rendering, Story
from newsroom import db_router
from newsroom.db_router import PRIMARY, REPLICA, WROTE_COOKIE
from tests.conftest import signed_in
from tests.factories import make_author, make_section, make_story, make_tag
from tests.servers import TcpProxy

pytestmark = [
    pytest.mark.django_db(
        transaction=True, serialized_rollback=True, databases=["default", REPLICA]
    )
]

ROUTER = "newsroom.db_router.ReplicaRouter"
MIDDLEWARE = "newsroom.db_router.ReplicaRoutingMiddleware"


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup):
    """The replica alias, a mirror of the test database, unless the run has one."""
    added = REPLICA not in connections.settings
    if added:
        mirror = {**connections["default"].settings_dict, "TEST": {"MIRROR": "default"}}
        connections.settings[REPLICA] = connections.configure_settings(
            {"default": {**connections["default"].settings_dict}, REPLICA: mirror}
        )[REPLICA]
    yield
    if added:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.fixture(autouse=True)
def routing(settings):
    """The router and its middleware as settings.py installs them, the route header on."""
    settings.DATABASE_ROUTERS = [ROUTER]
    if MIDDLEWARE not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        middleware.insert(
            middleware.index("articles.middleware.DatabaseUnavailableMiddleware") + 1, MIDDLEWARE
        )
        settings.MIDDLEWARE = middleware
    settings.NEWSROOM = {**settings.NEWSROOM, "DB_ROUTE_HEADER": True}
    db_router.forget_replica_health()
    yield
    db_router.forget_replica_health()


@pytest.fixture
def published(editor):
    section = make_section("World")
    story = make_story(
        "Ceasefire holds",
        authors=[make_author("Ada Reporter")],
        tags=[make_tag("Diplomacy")],
        section=section,
        publish=True,
        by=editor,
    )
    return story


def reader_pages(story: Story) -> list[str]:
    author = story.bylines.first().author
    tag = story.tags.first()
    return [
        "/",
        story.get_absolute_url(),
        f"/sections/{story.section.slug}/",
        f"/tags/{tag.slug}/",
        f"/authors/{author.slug}/",
        "/search/?q=ceasefire",
        "/corrections/",
        "/feed/",
        f"/sections/{story.section.slug}/feed/",
        "/sitemap.xml",
        "/sitemap-news.xml",
    ]


@contextlib.contextmanager
def counting():
    """Queries on the primary and on the replica while the block runs."""
    with (
        CaptureQueriesContext(connections[PRIMARY]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        yield primary, replica


def read(client: Client, path: str):
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer


# --- reader pages ------------------------------------------------------------------------


def test_reader_pages_read_the_replica(published):
    reader = Client()
    for path in reader_pages(published):
        with counting() as (primary, replica):
            answer = read(reader, path)
        assert answer["X-Newsroom-Database"] == "replica", path
        assert len(replica) >= 1, path
        # On the primary at most the publication generation, read every few seconds.
        assert all("articles_invalidation" in q["sql"] for q in primary), path


def test_other_pages_read_the_primary(published, admin_user):
    reader = Client()
    for path in ("/api/v1/stories/", "/robots.txt", "/healthz", "/admin/login/"):
        with counting() as (_primary, replica):
            answer = reader.get(path)
        assert len(replica) == 0, path
        assert answer["X-Newsroom-Database"] == "primary", path


def test_staff_read_the_primary_everywhere(published, editor):
    desk = signed_in(editor)
    for path in ["/", published.get_absolute_url(), "/admin/articles/story/"]:
        with counting() as (_primary, replica):
            answer = read(desk, path)
        assert len(replica) == 0, path
        assert answer["X-Newsroom-Database"] == "primary"


def test_a_partner_with_a_key_reads_the_primary(published):
    with counting() as (_, replica):
        Client().get("/", HTTP_AUTHORIZATION="Bearer nrk_x")
    assert len(replica) == 0


# --- writes, transactions --------------------------------------------------------------------


def reader_route() -> contextlib.AbstractContextManager:
    @contextlib.contextmanager
    def route():
        token = db_router._route.set(db_router.Route(reader=True))
        try:
            yield
        finally:
            db_router._route.reset(token)

    return route()


def test_a_reader_request_reads_the_replica_and_writes_the_primary(published):
    with reader_route():
        assert Story.objects.all().db == REPLICA
        make_section("Sport")  # a write
        assert Story.objects.all().db == PRIMARY  # and every read after it


def test_reads_in_a_transaction_go_to_the_primary(published):
    with reader_route():
        with transaction.atomic():
            assert Story.objects.all().db == PRIMARY
            assert Story.objects.count() == 1
        assert Story.objects.all().db == REPLICA


def test_without_a_request_everything_is_the_primary(published):
    """The worker, management commands and the workflow: no routing at all."""
    with counting() as (_, replica):
        assert Story.objects.count() == 1
        make_section("Sport")
    assert len(replica) == 0


def test_the_replica_is_never_migrated():
    router = db_router.ReplicaRouter()
    assert router.allow_migrate(REPLICA, "articles") is False
    assert router.allow_migrate(PRIMARY, "articles") is None


# --- read your writes ------------------------------------------------------------------------


def test_a_client_that_wrote_reads_the_primary_for_a_while(published):
    client = Client()
    # A failed sign-in writes (the audit log, the throttle): a POST from an anonymous
    # client; its answer carries the cookie.
    answer = client.post("/admin/login/", {"username": "nobody", "password": "wrong"})
    cookie = answer.cookies[WROTE_COOKIE]
    assert int(cookie["max-age"]) >= db_router.max_lag_seconds()
    assert cookie["httponly"]
    with counting() as (_, replica):
        page = read(client, published.get_absolute_url())
    assert len(replica) == 0
    assert page["X-Newsroom-Database"] == "primary"
    # Once it expires, the same client reads the replica again.
    del client.cookies[WROTE_COOKIE]
    assert read(client, published.get_absolute_url())["X-Newsroom-Database"] == "replica"


def test_reading_pages_sets_no_cookie(published):
    for path in reader_pages(published):
        assert not Client().get(path).cookies, path


def test_a_rendering_a_reader_page_keeps_is_written_to_the_primary(published):
    """A story whose stored HTML is stale is rendered again and kept (articles.rendering)
    during a reader's GET: a write, which goes to the primary, while the page is still
    read from the replica and carries no cookie (it stays cacheable)."""
    Rendering.objects.all().delete()
    with counting() as (primary, replica):
        answer = read(Client(), published.get_absolute_url())
    assert answer["X-Newsroom-Database"] == "replica"
    assert not answer.cookies
    assert any("articles_story" in q["sql"] for q in replica)
    assert any(q["sql"].startswith("INSERT") and "articles_rendering" in q["sql"] for q in primary)
    assert not any(q["sql"].startswith(("INSERT", "UPDATE", "DELETE")) for q in replica)
    assert Rendering.objects.using(PRIMARY).filter(story=published).exists()


# --- what the replica holds ----------------------------------------------------------------


def test_a_replica_without_the_newest_publication_is_not_read(published):
    """The app server knows a newer generation (Redis's copy, raised after the commit)
    than the replica has replayed: a page rendered from it would be cached without the
    change, so the primary answers until the replica has it."""
    newest = Invalidation.objects.order_by("-pk").values_list("pk", flat=True).first()
    cache.set(GENERATION_KEY, newest + 1, None)
    try:
        answer = read(Client(), "/")
        assert answer["X-Newsroom-Database"] == "primary"
        Invalidation.objects.create(reason="the next change, replayed")
        db_router.forget_replica_health()
        assert read(Client(), "/")["X-Newsroom-Database"] == "replica"
    finally:
        cache.delete(GENERATION_KEY)


def probe_reporting(monkeypatch, recovering, streaming, received, replayed, since_commit):
    """The replica's report of itself, as a replica would make it (one query on it)."""
    monkeypatch.setattr(
        db_router,
        "_PROBE",
        f"SELECT {recovering}, {streaming}, {received}, {replayed}, {since_commit}, "
        f"(SELECT max(id) FROM {Invalidation._meta.db_table})",
    )


def test_a_replica_further_behind_than_the_bound_is_not_read(published, monkeypatch, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "REPLICA_MAX_LAG_SECONDS": 2}
    clock = [1000.0]
    monkeypatch.setattr(db_router, "_clock", lambda: clock[0])
    probe_reporting(monkeypatch, "true", "true", 5000, 4000, 60.0)  # behind, and stays so
    assert read(Client(), "/")["X-Newsroom-Database"] == "replica"  # behind for 0 s yet
    clock[0] += 1.5
    assert read(Client(), "/")["X-Newsroom-Database"] == "replica"  # 1.5 s: within
    clock[0] += 1.5
    assert read(Client(), "/")["X-Newsroom-Database"] == "primary"  # 3 s: beyond
    probe_reporting(monkeypatch, "true", "true", 6000, 6000, 0.1)  # caught up
    clock[0] += 1.5
    assert read(Client(), "/")["X-Newsroom-Database"] == "replica"


def test_a_replica_cut_off_from_the_primary_is_not_read(published, monkeypatch):
    probe_reporting(monkeypatch, "true", "false", 5000, 5000, 0.0)  # no WAL receiver
    assert read(Client(), "/")["X-Newsroom-Database"] == "primary"


def test_the_lag_after_a_quiet_spell_is_not_the_age_of_the_last_commit():
    db_router.forget_replica_health()
    # The primary was quiet for a minute, then wrote: the replica is a moment behind.
    assert db_router._lag(10.0, True, 200, 100, 60.0) == 0.0
    assert db_router._lag(11.0, True, 300, 200, 0.5) == 0.0  # replayed what it had at 10 s
    assert db_router._lag(12.0, True, 300, 300, 0.1) == 0.0
    # Stuck: behind since the first check that saw it so, whatever arrives meanwhile.
    assert db_router._lag(20.0, True, 400, 300, 30.0) == 0.0
    assert db_router._lag(21.0, True, 500, 300, 30.0) == pytest.approx(1.0)
    assert db_router._lag(25.0, True, 900, 300, 30.0) == pytest.approx(5.0)
    assert db_router._lag(26.0, False, 900, 300, 30.0) is None  # it lost the primary


# --- a replica outage ------------------------------------------------------------------------


@pytest.fixture
def proxied_replica(settings):
    """The replica alias through a TCP proxy the test can cut."""
    original = connections.settings[REPLICA]
    proxy = TcpProxy(int(original["PORT"] or 5432))
    connections[REPLICA].close()
    del connections[REPLICA]
    connections.settings[REPLICA] = {**original, "HOST": "127.0.0.1", "PORT": str(proxy.port)}
    connections.settings[REPLICA]["OPTIONS"] = {**original["OPTIONS"], "connect_timeout": 1}
    try:
        yield proxy
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        connections.settings[REPLICA] = original
        proxy.close()


@pytest.mark.slow  # a TCP proxy of the test's own
def test_a_replica_outage_falls_back_to_the_primary(published, proxied_replica):
    reader = Client()
    url = published.get_absolute_url()
    assert read(reader, url)["X-Newsroom-Database"] == "replica"
    proxied_replica.cut()
    # Found by the check, or by the page's first query: either way the page is whole.
    for _ in range(3):
        answer = read(reader, url)
        assert "Ceasefire holds" in answer.text
        assert answer["X-Newsroom-Database"] == "primary"
    proxied_replica.heal()
    db_router.forget_replica_health()
    assert read(reader, url)["X-Newsroom-Database"] == "replica"


@pytest.mark.slow  # a TCP proxy of the test's own
def test_a_replica_lost_in_the_middle_of_a_page_is_rendered_again_from_the_primary(
    published, proxied_replica
):
    reader = Client()
    url = published.get_absolute_url()
    assert read(reader, url)["X-Newsroom-Database"] == "replica"  # checked: fit
    proxied_replica.cut()  # within CHECK_SECONDS: the router still trusts it
    answer = read(reader, url)
    assert "Ceasefire holds" in answer.text
    assert answer["X-Newsroom-Database"] == "primary"
    assert db_router._health.down  # and it is left alone for a while


def test_without_a_replica_nothing_changes(settings, published):
    connections_settings = connections.settings
    saved = connections_settings.pop(REPLICA)
    try:
        with CaptureQueriesContext(connections[PRIMARY]) as primary:
            answer = Client().get("/")
        assert "X-Newsroom-Database" not in answer  # the middleware is not used
        assert not answer.cookies
        assert len(primary) > 0
        assert db_router.ReplicaRouter().db_for_read(Story) is None
    finally:
        connections_settings[REPLICA] = saved


# --- the settings --------------------------------------------------------------------------


def settings_of(**env) -> dict:
    """The DATABASES a process configured by ``env`` makes (settings.py, as deployed)."""
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'databases': settings.DATABASES, "
        "'routers': settings.DATABASE_ROUTERS}, default=str))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "DJANGO_DB"))}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "newsroom.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.slow  # a process of its own
def test_behind_pgbouncer_nothing_is_set_per_session():
    configured = settings_of(
        DATABASE_URL="postgres://newsroom:x@127.0.0.1:6432/newsroom",
        DATABASE_REPLICA_URL="postgres://newsroom:x@127.0.0.1:6432/newsroom_replica",
        DJANGO_DB_TRANSACTION_POOLING="1",
    )
    databases = configured["databases"]
    assert set(databases) == {"default", REPLICA}
    for alias in databases.values():
        # PgBouncer refuses startup options; server-side cursors outlive a transaction.
        assert "options" not in alias["OPTIONS"]
        assert alias["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert databases[REPLICA]["NAME"] == "newsroom_replica"
    assert databases[REPLICA]["TEST"] == {"MIRROR": "default"}
    assert configured["routers"] == [ROUTER]


@pytest.mark.slow  # a process of its own
def test_straight_to_postgresql_the_statement_timeout_is_set_at_connect():
    databases = settings_of(
        DATABASE_URL="postgres://newsroom:x@127.0.0.1:5432/newsroom",
        DJANGO_DB_STATEMENT_TIMEOUT_MS="5000",
    )["databases"]
    assert set(databases) == {"default"}
    assert databases["default"]["OPTIONS"]["options"] == "-c statement_timeout=5000"
    assert not databases["default"].get("DISABLE_SERVER_SIDE_CURSORS")
