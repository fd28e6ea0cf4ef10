"""Wire ingest end to end: providers polled over HTTP from a local server serving the
fixture feeds (ninjs, RSS, Atom and broken ones), by the job, the command and the desk.

What it proves: the first poll stores each item once; a re-poll stores nothing new; a
new version updates the item; ``pubstatus: canceled`` withdraws it; a bad feed leaves
an error on its provider and the others are still polled; one turn is polled once
however many jobs or workers hold it; one click makes a draft of an agency item.
"""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Story
from tests.test_wire_desk import RATES, STRIKE, make_provider
from tests.test_wire_fetch import TIMEOUT, WireServer
from wires import ingest, tasks
from wires.models import Provider, WireItem

pytestmark = pytest.mark.slow  # every test here starts an HTTP server


@pytest.fixture
def wire_server(settings):
    settings.WIRES = {"ALLOW_LOOPBACK": True, "TIMEOUT": TIMEOUT}
    with WireServer() as server:
        yield server


@pytest.fixture
def ninjs(db, wire_server) -> Provider:
    return make_provider(url=wire_server.serve("/ninjs", "ninjs.json"))


def poll(provider: Provider) -> ingest.PollReport:
    return ingest.poll(Provider.objects.get(pk=provider.pk))


@pytest.mark.parametrize(
    ("kind", "fixture"), [("ninjs", "ninjs.json"), ("rss", "rss.xml"), ("atom", "atom.xml")]
)
def test_the_first_poll_stores_each_item_once(db, wire_server, kind, fixture):
    provider = make_provider(kind=kind, url=wire_server.serve(f"/{fixture}", fixture))
    report = poll(provider)
    assert report.ok and report.counts == {"new": 3}
    assert provider.items.count() == 3
    provider.refresh_from_db()
    assert provider.last_error == "" and provider.last_polled_at is not None
    assert provider.last_result == "3 new, 0 updated, 0 withdrawn, 0 unchanged"


@pytest.mark.parametrize(
    ("kind", "fixture"), [("ninjs", "ninjs.json"), ("rss", "rss.xml"), ("atom", "atom.xml")]
)
def test_a_second_poll_of_the_same_feed_stores_nothing_new(db, wire_server, kind, fixture):
    provider = make_provider(kind=kind, url=wire_server.serve(f"/{fixture}", fixture))
    poll(provider)
    before = list(WireItem.objects.order_by("pk").values("pk", "version", "received_at"))
    assert poll(provider).counts == {"unchanged": 3}
    assert list(WireItem.objects.order_by("pk").values("pk", "version", "received_at")) == before


def test_a_new_ninjs_version_updates_the_item(ninjs, wire_server):
    poll(ninjs)
    first = WireItem.objects.get(guid=RATES)
    wire_server.serve("/ninjs", "ninjs-updated.json")
    report = poll(ninjs)
    assert report.counts == {"updated": 1, "withdrawn": 1, "unchanged": 1}
    rates = WireItem.objects.get(guid=RATES)
    assert rates.pk == first.pk and WireItem.objects.count() == 3
    assert rates.version == 2
    assert rates.headline == "Central bank holds rates, signals a June cut"
    assert "a cut is likely" in rates.body_text
    assert rates.history[0]["version"] == 1
    assert rates.history[0]["headline"] == "Central bank holds rates as inflation cools"
    assert rates.received_at > first.received_at


def test_an_old_ninjs_version_arriving_late_changes_nothing(ninjs, wire_server):
    wire_server.serve("/ninjs", "ninjs-updated.json")
    poll(ninjs)
    wire_server.serve("/ninjs", "ninjs.json")
    assert poll(ninjs).counts == {"unchanged": 3}
    assert WireItem.objects.get(guid=RATES).version == 2


def test_a_cancelled_ninjs_item_is_withdrawn(ninjs, wire_server):
    poll(ninjs)
    wire_server.serve("/ninjs", "ninjs-updated.json")
    poll(ninjs)
    strike = WireItem.objects.get(guid=STRIKE)
    assert strike.pubstatus == "canceled" and strike.is_withdrawn
    assert strike.desk_status == "withdrawn"
    assert list(WireItem.objects.withdrawn()) == [strike]


def test_a_changed_rss_item_becomes_its_next_version(db, wire_server):
    provider = make_provider(kind="rss", url=wire_server.serve("/rss", "rss.xml"))
    poll(provider)
    changed = wire_server.routes["/rss"][0].replace(b"212 to 98", b"213 to 97")
    wire_server.serve("/rss", changed, "application/rss+xml")
    assert poll(provider).counts == {"updated": 1, "unchanged": 2}
    law = WireItem.objects.get(guid__endswith="data-law")
    assert law.version == 2 and "213 to 97" in law.body_text


BAD_FEEDS = {
    "/broken.xml": "not well-formed XML",
    "/bomb.xml": "declares XML entities",
    "/slow": "longer than 1 seconds",
    "/huge": "10,485,760 bytes",
    "/metadata": "169.254.169.254",
    "/error": "HTTP 500",
}


def test_bad_feeds_are_recorded_on_their_provider_and_the_others_still_polled(db, wire_server):
    wire_server.serve("/broken.xml", "broken.xml")
    wire_server.serve("/bomb.xml", "bomb.xml")
    bad = {
        path: make_provider(name=f"Bad {path}", kind="rss", url=wire_server.url(path))
        for path in BAD_FEEDS
    }
    good = make_provider(name="Zz good", url=wire_server.serve("/ninjs", "ninjs.json"))
    out, err = StringIO(), StringIO()

    call_command("poll_wires", stdout=out, stderr=err)

    assert good.items.count() == 3
    for path, error in BAD_FEEDS.items():
        provider = Provider.objects.get(pk=bad[path].pk)
        assert error in provider.last_error, path
        assert provider.last_polled_at is not None and provider.last_success_at is None
        assert f"Bad {path} (rss, id {provider.pk}): failed: " in err.getvalue()
    assert "Fetching 7 wire feed(s)." in out.getvalue()
    assert "Zz good (ninjs, id" in out.getvalue()
    assert "Done: 1 fetched, 6 failed." in out.getvalue()


def test_a_feed_that_works_again_clears_its_error(ninjs, wire_server):
    Provider.objects.filter(pk=ninjs.pk).update(last_error="The feed answered HTTP 500.")
    poll(ninjs)
    assert Provider.objects.get(pk=ninjs.pk).last_error == ""


# --- the schedule ---------------------------------------------------------------------


def test_poll_wires_polls_only_the_providers_that_are_due(ninjs, wire_server):
    later = make_provider(name="Later", url=wire_server.serve("/later", "ninjs.json"))
    Provider.objects.filter(pk=later.pk).update(next_poll_at=timezone.now() + timedelta(hours=1))
    out = StringIO()
    call_command("poll_wires", stdout=out)
    assert wire_server.hits == {"/ninjs": 1}
    assert "Fetching 1 wire feed(s)." in out.getvalue()
    out = StringIO()
    call_command("poll_wires", stdout=out)  # the turn was taken: nothing is due now
    assert out.getvalue() == "No wire feed is due; nothing fetched.\n"


def test_each_poll_queues_the_next_turn(ninjs):
    before = timezone.now()
    call_command("poll_wires", stdout=StringIO())
    provider = Provider.objects.get(pk=ninjs.pk)
    assert provider.next_poll_at >= before + timedelta(minutes=5)
    job = DBTaskResult.objects.get(task_path="wires.tasks.poll_provider")
    assert job.run_after == provider.next_poll_at
    assert job.args_kwargs["args"] == [ninjs.pk, provider.next_poll_at.isoformat()]


def test_a_job_polls_its_turn_once_and_a_stale_job_does_nothing(ninjs, wire_server):
    tasks.schedule_now(ninjs)
    turn = Provider.objects.get(pk=ninjs.pk).next_poll_at.isoformat()
    assert tasks.poll_provider.call(ninjs.pk, turn).startswith("3 new")
    assert tasks.poll_provider.call(ninjs.pk, turn) == "not this job's turn"
    assert wire_server.hits["/ninjs"] == 1


def test_a_switched_off_provider_is_not_polled(ninjs, wire_server):
    tasks.schedule_now(ninjs)
    turn = Provider.objects.get(pk=ninjs.pk).next_poll_at.isoformat()
    Provider.objects.filter(pk=ninjs.pk).update(active=False)
    assert tasks.poll_provider.call(ninjs.pk, turn) == "not this job's turn"
    call_command("poll_wires", stdout=StringIO())
    assert wire_server.hits["/ninjs"] == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_holding_the_same_turn_poll_it_once(wire_server):
    provider = make_provider(url=wire_server.serve("/ninjs", "ninjs.json"))
    tasks.schedule_now(provider)
    turn = Provider.objects.get(pk=provider.pk).next_poll_at.isoformat()
    start, results = threading.Barrier(2), []

    def worker():
        try:
            start.wait()
            results.append(tasks.poll_provider.call(provider.pk, turn))
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=30)
    assert sorted(results) == ["3 new, 0 updated, 0 withdrawn, 0 unchanged", "not this job's turn"]
    assert wire_server.hits["/ninjs"] == 1
    assert WireItem.objects.count() == 3
    # One chain goes on: the job that polled queued the next turn, the other queued none.
    queued = DBTaskResult.objects.filter(task_path="wires.tasks.poll_provider", status="READY")
    assert queued.count() == 2  # the first turn's job (run here by hand) and the next one


# --- the command ------------------------------------------------------------------------


def test_poll_wires_provider_polls_one_now(ninjs, wire_server):
    Provider.objects.filter(pk=ninjs.pk).update(next_poll_at=timezone.now() + timedelta(hours=1))
    out = StringIO()
    call_command("poll_wires", "--provider", str(ninjs.pk), stdout=out)
    assert f"Example Wire business (ninjs, id {ninjs.pk}): 3 new" in out.getvalue()


def test_poll_wires_dry_run_stores_nothing(ninjs):
    out = StringIO()
    call_command("poll_wires", "--dry-run", stdout=out)
    assert "3 new" in out.getvalue() and "(dry run: nothing stored)" in out.getvalue()
    assert not WireItem.objects.exists()
    assert Provider.objects.get(pk=ninjs.pk).last_polled_at is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "--provider takes a provider's id (a number), not 'abc'."),
        ("999", "No wire provider has id 999. The providers: "),
    ],
)
def test_poll_wires_refuses_a_provider_that_does_not_exist(ninjs, value, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("poll_wires", "--provider", value)


def test_poll_wires_exits_1_when_the_one_feed_asked_for_fails(db, wire_server):
    broken = make_provider(kind="rss", url=wire_server.url("/error"))
    with pytest.raises(CommandError, match="could not be read"):
        call_command("poll_wires", "--provider", str(broken.pk), stderr=StringIO())


# --- one click, end to end ------------------------------------------------------------------


def test_a_polled_agency_item_becomes_a_draft_in_one_click(ninjs, as_journalist):
    poll(ninjs)
    rates = WireItem.objects.get(guid=RATES)
    response = as_journalist.post(reverse("admin:wires_wireitem_draft", args=[rates.pk]))
    story = Story.objects.get()
    assert response.url == reverse("admin:articles_story_change", args=[story.pk])
    assert story.headline == "Central bank holds rates as inflation cools"
    assert story.lede.startswith("The central bank kept its key interest rate at 4.5%")
    assert [s.label.name for s in story.sections.order_by("position")] == [
        "Why it matters",
        "By the numbers",
        "What they're saying",
        "What's next",
    ]
    assert [b.author.name for b in story.bylines.all()] == ["Example Wire"]
