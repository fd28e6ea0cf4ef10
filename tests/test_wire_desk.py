"""The wire on the desk: the list, and one click from an agency item to a draft story.

Items are stored from the fixture feeds by the ingest (``wires.ingest.store``), without a
server; ``test_wires.py`` does the same through HTTP, end to end.
"""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.template import Context, Template
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from articles.models import AuditEntry, Status, Story
from tests.conftest import messages_of, signed_in
from tests.factories import make_section, make_user
from wires import ingest
from wires.feeds import parse_feed
from wires.models import Provider, WireItem

DATA = Path(__file__).resolve().parent / "data" / "wires"
RATES = "urn:newsml:wire.example.com:20251130:central-bank-rates"
STRIKE = "urn:newsml:wire.example.com:20251130:port-strike"


def make_provider(**fields) -> Provider:
    values = {
        "name": "Example Wire business",
        "kind": "ninjs",
        "url": "https://wire.example.com/ninjs",
        "credit": "Example Wire",
    }
    return Provider.objects.create(**(values | fields))


def receive(provider: Provider, fixture: str) -> None:
    for entry in parse_feed(provider.kind, (DATA / fixture).read_bytes()).entries:
        ingest.store(provider, entry)


@pytest.fixture
def wire(db) -> Provider:
    provider = make_provider()
    receive(provider, "ninjs.json")
    return provider


def item(guid: str) -> WireItem:
    return WireItem.objects.get(guid=guid)


def item_url(wire_item: WireItem) -> str:
    return reverse("admin:wires_wireitem_change", args=[wire_item.pk])


def draft_url(wire_item: WireItem) -> str:
    return reverse("admin:wires_wireitem_draft", args=[wire_item.pk])


LIST = reverse("admin:wires_wireitem_changelist")


# --- the list -------------------------------------------------------------------------


def test_the_wire_lists_items_newest_first_with_provider_and_status(wire, as_journalist):
    response = as_journalist.get(LIST)
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [row.guid.rsplit(":", 1)[1] for row in rows] == [
        "central-bank-rates",
        "port-strike",
        "football-final",
    ]
    page = response.content.decode()
    assert "Example Wire business" in page and ">new<" in page


def test_the_wire_is_searched_by_headline(wire, as_journalist):
    response = as_journalist.get(LIST, {"q": "dock workers"})
    assert [row.guid for row in response.context["cl"].result_list] == [STRIKE]


def test_the_wire_filters_by_status(wire, as_journalist):
    receive(wire, "ninjs-updated.json")
    response = as_journalist.get(LIST, {"status": "withdrawn"})
    assert [row.guid for row in response.context["cl"].result_list] == [STRIKE]


def test_journalists_and_editors_may_read_the_wire(db):
    for name in ("Journalists", "Editors"):
        codenames = Group.objects.get(name=name).permissions.values_list("codename", flat=True)
        assert "view_wireitem" in codenames


def test_staff_without_the_right_cannot_read_the_wire(wire):
    assert signed_in(make_user("intern")).get(LIST).status_code == 403


# --- one click to a draft ---------------------------------------------------------------


def test_one_click_makes_a_smart_brevity_draft_crediting_the_agency(
    wire, journalist, as_journalist
):
    rates = item(RATES)
    page = as_journalist.get(item_url(rates)).content.decode()
    assert f'action="{draft_url(rates)}"' in page and 'value="Make a draft"' in page

    response = as_journalist.post(draft_url(rates), follow=True)

    story = Story.objects.get()
    assert response.redirect_chain[-1][0] == reverse("admin:articles_story_change", args=[story.pk])
    assert response.status_code == 200  # the journalist may edit the draft made
    assert story.status == Status.DRAFT and story.created_by == journalist
    assert story.headline == "Central bank holds rates as inflation cools"
    assert story.lede == (
        "The central bank kept its key interest rate at 4.5% on Thursday, saying inflation "
        "is falling faster than it had expected."
    )
    sections = list(story.sections.order_by("position").select_related("label"))
    assert [s.label.name for s in sections] == [
        "Why it matters",
        "By the numbers",
        "What they're saying",
        "What's next",
    ]
    assert sections[1].body.startswith("<ul><li><p>Inflation: 2.9% in October")
    assert [b.author.name for b in story.bylines.select_related("author")] == ["Example Wire"]
    assert story.revisions.count() == 1
    rates.refresh_from_db()
    assert (rates.story, rates.drafted_version, rates.desk_status) == (story, 1, "drafted")
    audit = AuditEntry.objects.get(action="wire_draft")
    assert (audit.story, audit.actor) == (story, journalist)
    assert RATES in audit.message
    assert any("credited to Example Wire" in m for m in messages_of(response))


def test_html_wire_copy_reaches_the_story_sanitized(wire, as_journalist):
    as_journalist.post(draft_url(item(STRIKE)))
    story = Story.objects.get()
    bodies = " ".join(s.body for s in story.sections.all())
    assert "alert" not in bodies and "<script" not in bodies
    labels = [s.label.name for s in story.sections.order_by("position")]
    assert labels == ["Driving the news", "Between the lines"]


def test_drafts_go_to_the_providers_section(db, as_journalist):
    provider = make_provider(section=make_section("Business"))
    receive(provider, "ninjs.json")
    as_journalist.post(draft_url(item(RATES)))
    assert Story.objects.get().section.name == "Business"


def test_the_agency_byline_reuses_its_author(wire, as_journalist):
    as_journalist.post(draft_url(item(RATES)))
    as_journalist.post(draft_url(item(STRIKE)))
    authors = {b.author_id for s in Story.objects.all() for b in s.bylines.all()}
    assert len(authors) == 1


def test_a_second_click_opens_the_draft_instead_of_making_another(wire, as_journalist):
    rates = item(RATES)
    first = as_journalist.post(draft_url(rates))
    second = as_journalist.post(draft_url(rates), follow=True)
    assert Story.objects.count() == 1
    assert second.redirect_chain[0][0] == first.url
    assert "A draft was already made from this item." in " ".join(messages_of(second))


def test_a_journalist_clicking_after_another_is_told_who_has_the_draft(
    wire, as_journalist, as_other_journalist
):
    rates = item(RATES)
    as_journalist.post(draft_url(rates))
    response = as_other_journalist.post(draft_url(rates), follow=True)
    assert Story.objects.count() == 1
    # Not the draft's page: journalists see their own stories only.
    assert response.redirect_chain[-1][0] == item_url(rates)
    assert "journalist made it" in " ".join(messages_of(response))
    assert "by journalist" in response.content.decode()


def test_an_item_dated_in_the_future_is_filed_at_its_arrival(wire):
    entry = parse_feed("ninjs", (DATA / "ninjs.json").read_bytes()).entries[0]
    entry.guid, entry.updated_at = "urn:x:future", entry.updated_at.replace(year=2999)
    ingest.store(wire, entry)
    future = item("urn:x:future")
    assert future.filed_at == future.received_at
    assert WireItem.objects.first() == future


def test_someone_who_cannot_add_stories_cannot_make_a_draft(wire):
    reader = make_user("reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_wireitem"))
    browser = signed_in(reader)
    rates = item(RATES)
    page = browser.get(item_url(rates)).content.decode()
    assert "Make a draft" not in page
    assert browser.post(draft_url(rates)).status_code == 403
    assert not Story.objects.exists()


def test_a_withdrawn_item_cannot_become_a_draft(wire, as_journalist):
    receive(wire, "ninjs-updated.json")
    strike = item(STRIKE)
    response = as_journalist.post(draft_url(strike), follow=True)
    assert response.redirect_chain[-1][0] == item_url(strike)
    assert "withdrew this item: it cannot become a draft" in " ".join(messages_of(response))
    assert not Story.objects.exists()


def test_the_desk_says_when_a_drafted_item_is_withdrawn(wire, as_journalist):
    strike = item(STRIKE)
    as_journalist.post(draft_url(strike))
    story = Story.objects.get()
    receive(wire, "ninjs-updated.json")

    page = as_journalist.get(item_url(strike)).content.decode()
    assert "Example Wire business withdrew this item" in page
    assert "A draft was made from it before" in page
    assert reverse("admin:articles_story_change", args=[story.pk]) in page
    assert "Make a draft" not in page
    audit = AuditEntry.objects.get(action="wire_withdrawn")
    assert audit.story == story and "Check the story" in audit.message


def test_the_desk_says_when_the_agency_updated_a_drafted_item(wire, as_journalist):
    rates = item(RATES)
    as_journalist.post(draft_url(rates))
    receive(wire, "ninjs-updated.json")
    page = as_journalist.get(item_url(rates)).content.decode()
    assert "The agency has sent version 2 since" in page
    listed = as_journalist.get(LIST, {"status": "updated"}).context["cl"].result_list
    assert [row.guid for row in listed] == [RATES]


def test_the_list_action_makes_a_draft_of_each_selected_item(wire, as_editor):
    chosen = [item(RATES).pk, item(STRIKE).pk]
    response = as_editor.post(
        LIST, {"action": "make_drafts", "_selected_action": chosen}, follow=True
    )
    assert response.status_code == 200
    assert Story.objects.count() == 2
    assert WireItem.objects.drafted().count() == 2


# --- providers, for administrators -------------------------------------------------------


def provider_form(**overrides) -> dict:
    values = {
        "name": "Example Wire world",
        "kind": "rss",
        "url": "https://wire.example.com/world/rss.xml",
        "credit": "Example Wire",
        "section": "",
        "active": "on",
        "poll_minutes": "5",
    }
    return values | overrides


def test_adding_a_provider_queues_its_first_fetch(as_admin):
    response = as_admin.post(reverse("admin:wires_provider_add"), provider_form())
    assert response.status_code == 302
    provider = Provider.objects.get()
    job = DBTaskResult.objects.get(task_path="wires.tasks.poll_provider")
    assert job.args_kwargs["args"] == [provider.pk, provider.next_poll_at.isoformat()]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("credit", "dpa", "Write the agency as a byline reads"),
        ("url", "https://me:secret@wire.example.com/rss", "Put no user name or password"),
        ("url", "ftp://wire.example.com/rss", "must start with http:// or https://"),
        ("poll_minutes", "0", "greater than or equal to 1"),
    ],
)
def test_a_provider_form_refuses_what_could_not_work(as_admin, field, value, error):
    response = as_admin.post(reverse("admin:wires_provider_add"), provider_form(**{field: value}))
    assert response.status_code == 200
    assert error in str(response.context["adminform"].form.errors[field])
    assert not Provider.objects.exists()


def test_journalists_cannot_manage_providers(wire, as_journalist):
    assert as_journalist.get(reverse("admin:wires_provider_changelist")).status_code == 403


def test_the_agency_is_credited_even_when_the_copy_ends_in_an_empty_go_deeper(wire, as_journalist):
    entry = parse_feed("ninjs", (DATA / "ninjs.json").read_bytes()).entries[2]
    entry.guid, entry.body_text = "urn:x:go-deeper", entry.body_text + "\n\nGo deeper:"
    ingest.store(wire, entry)
    as_journalist.post(draft_url(item("urn:x:go-deeper")))
    story = Story.objects.get()
    assert [b.author.name for b in story.bylines.all()] == ["Example Wire"]
    assert not story.related_links.exists()


def test_a_news_alert_with_a_headline_only_becomes_a_draft_with_it_as_the_lede(wire, as_journalist):
    entry = parse_feed("ninjs", b'{"uri": "urn:x:alert", "headline": "Quake hits capital"}')
    ingest.store(wire, entry.entries[0])
    as_journalist.post(draft_url(item("urn:x:alert")))
    story = Story.objects.get()
    assert (story.headline, story.lede) == ("Quake hits capital", "Quake hits capital")
    assert [b.author.name for b in story.bylines.all()] == ["Example Wire"]


def test_the_desk_lists_what_is_new_on_the_wire(wire, journalist, as_journalist):
    as_journalist.post(draft_url(item(RATES)))
    desk = Template("{% load wire_desk %}{% wire_for user %}")
    html = desk.render(Context({"user": journalist}))
    assert "New on the wire" in html
    assert "Dock workers strike" in html and "Rovers win the cup" in html
    assert "Central bank holds rates" not in html  # drafted already
    assert desk.render(Context({"user": make_user("intern")})).strip() == ""
