"""Revision history: section-level diffs, the history and compare pages, restore."""

import re

import pytest
from django.urls import reverse

from articles import diff, workflow
from articles.diff import word_diff
from articles.models import AuditEntry, BriefingSection, Byline, PreviewLink, Status
from articles.snapshot import Snapshot
from tests.conftest import signed_in
from tests.factories import label, make_author, make_story

pytestmark = pytest.mark.django_db


# --- diff of two snapshots -------------------------------------------------------------


def snapshot(**overrides) -> dict:
    """A stored snapshot (``articles.snapshot``'s JSON), with plain defaults."""
    base = {
        "headline": "Council passes budget",
        "slug": "council-passes-budget",
        "dek": "",
        "dateline": "",
        "lede": "The city council passed next year's budget on Tuesday after a long night.",
        "section": None,
        "tags": [],
        "image": None,
        "bylines": [
            {"author_id": 1, "name": "Li Wei", "slug": "li-wei", "role": ""},
            {"author_id": 2, "name": "Mahboubeh Habibi", "slug": "mahboubeh-habibi", "role": ""},
        ],
        "sections": [
            {
                "id": 10,
                "label": "Why it matters",
                "label_slug": "why-it-matters",
                "body": "<p>Bus fares and school meals depend on it for the next twelve months.</p>",
            },
            {
                "id": 11,
                "label": "By the numbers",
                "label_slug": "by-the-numbers",
                "body": "<ul><li><p>$2.1 billion in total spending</p></li></ul>",
            },
        ],
        "links": [],
    }
    return {**base, **overrides}


def diff_snapshots(old: dict, new: dict) -> list:
    """The diff of two stored snapshots, read as revisions are read."""
    return diff.diff_snapshots(Snapshot.from_json(old), Snapshot.from_json(new))


def with_section(snap: dict, index: int, **changes) -> list[dict]:
    sections = [dict(s) for s in snap["sections"]]
    sections[index].update(changes)
    return sections


def summaries(old: dict, new: dict) -> list[str]:
    return [change.summary for change in diff_snapshots(old, new)]


def test_identical_snapshots_have_no_changes():
    assert diff_snapshots(snapshot(), snapshot()) == []


def test_headline_change_is_named_and_its_words_marked():
    old, new = snapshot(), snapshot(headline="Council rejects budget")
    [change] = diff_snapshots(old, new)
    assert change.summary == "Headline changed"
    assert str(change.diff) == "Council <del>passes</del> <ins>rejects</ins> budget"


def test_small_lede_change_is_edited():
    old = snapshot()
    new = snapshot(lede=old["lede"].replace("Tuesday", "Wednesday"))
    assert summaries(old, new) == ["Lede edited"]


def test_section_with_mostly_new_words_is_rewritten():
    old = snapshot()
    new = snapshot(
        sections=with_section(
            old, 0, body="<p>Property taxes rise by four percent for every homeowner.</p>"
        )
    )
    assert summaries(old, new) == ["Why it matters rewritten"]


def test_section_with_a_few_new_words_is_edited():
    old = snapshot()
    new = snapshot(
        sections=with_section(
            old,
            0,
            body="<p>Bus fares and school meals depend on it for the next eighteen months.</p>",
        )
    )
    [change] = diff_snapshots(old, new)
    assert change.summary == "Why it matters edited"
    assert "<del>twelve</del> <ins>eighteen</ins>" in change.diff


def test_added_bullets_are_counted_with_the_section_label():
    old = snapshot()
    new = snapshot(
        sections=with_section(
            old,
            1,
            body="<ul><li><p>$2.1 billion in total spending</p></li>"
            "<li><p>3% more for schools</p></li><li><p>40 new bus drivers</p></li></ul>",
        )
    )
    [change] = diff_snapshots(old, new)
    assert change.summary == "2 bullets added to By the numbers"
    assert "<ins>3% more for schools</ins>" in change.diff


def test_removed_bullet_is_counted_in_the_singular():
    old = snapshot(
        sections=with_section(snapshot(), 1, body="<ul><li><p>One</p></li><li><p>Two</p></li></ul>")
    )
    new = snapshot(sections=with_section(old, 1, body="<ul><li><p>One</p></li></ul>"))
    assert summaries(old, new) == ["1 bullet removed from By the numbers"]


def test_new_section_is_added_by_label():
    old = snapshot()
    sections = [
        *old["sections"],
        {
            "id": 12,
            "label": "The big picture",
            "label_slug": "the-big-picture",
            "body": "<p>Cities everywhere face tight budgets.</p>",
        },
    ]
    [change] = diff_snapshots(old, snapshot(sections=sections))
    assert change.summary == "Section The big picture added"
    assert "<ins>Cities everywhere face tight budgets.</ins>" in change.diff


def test_dropped_section_is_removed():
    old = snapshot()
    new = snapshot(sections=old["sections"][:1])
    assert summaries(old, new) == ["Section By the numbers removed"]


def test_sections_recreated_by_a_restore_are_matched_by_label():
    old = snapshot()
    renumbered = [{**s, "id": s["id"] + 100} for s in old["sections"]]
    assert diff_snapshots(old, snapshot(sections=renumbered)) == []


def test_relabelled_section_is_matched_by_its_row():
    old = snapshot()
    new = snapshot(sections=with_section(old, 0, label="Zoom in", label_slug="zoom-in"))
    assert summaries(old, new) == ["Section label changed from Why it matters to Zoom in"]


def test_new_byline_is_added():
    old = snapshot()
    bylines = [*old["bylines"], {"author_id": 3, "name": "Ana Souza", "slug": "ana", "role": ""}]
    assert summaries(old, snapshot(bylines=bylines)) == ["Byline Ana Souza added"]


def test_dropped_byline_is_removed():
    old = snapshot()
    assert summaries(old, snapshot(bylines=old["bylines"][:1])) == [
        "Byline Mahboubeh Habibi removed"
    ]


def test_swapped_bylines_are_reordered():
    old = snapshot()
    assert summaries(old, snapshot(bylines=old["bylines"][::-1])) == ["Bylines reordered"]


def test_new_go_deeper_link_is_added():
    old = snapshot()
    links = [{"title": "How the budget works", "story_id": None, "url": "https://example.org/"}]
    assert summaries(old, snapshot(links=links)) == ["Go deeper link “How the budget works” added"]


def test_swapped_sections_are_reordered():
    old = snapshot()
    assert summaries(old, snapshot(sections=old["sections"][::-1])) == ["Sections reordered"]


def test_new_tag_is_added():
    tags = [{"id": 5, "name": "Transport", "slug": "transport"}]
    assert summaries(snapshot(), snapshot(tags=tags)) == ["Tag Transport added"]


def test_moving_desks_names_both():
    world = {"id": 1, "name": "World", "slug": "world"}
    business = {"id": 2, "name": "Business", "slug": "business"}
    assert summaries(snapshot(section=world), snapshot(section=business)) == [
        "Desk changed from World to Business"
    ]


def test_word_diff_escapes_markup_in_the_text():
    marked = word_diff("<b>bold</b>", "<script>alert(1)</script>")
    assert "<script>" not in marked
    assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>" in marked


# --- the pages -------------------------------------------------------------------------------


@pytest.fixture
def story(journalist):
    return make_story(
        "Council passes budget",
        created_by=journalist,
        by=journalist,
        authors=[make_author("Li Wei")],
        sections=[
            ("Why it matters", "<p>Bus fares and school meals depend on it.</p>"),
            ("By the numbers", "<ul><li><p>$2.1 billion in total spending</p></li></ul>"),
        ],
    )


def edit(story, user, message="Edited", **fields):
    for name, value in fields.items():
        setattr(story, name, value)
    story.save()
    return workflow.save_revision(story, user, message)


def history_url(story):
    return reverse("history:list", args=[story.pk])


def compare_url(story, a, b):
    return reverse("history:compare", args=[story.pk]) + f"?a={a}&b={b}"


def restore_url(story, number):
    return reverse("history:restore", args=[story.pk, number])


def test_history_lists_revisions_newest_first_with_who_and_message(
    as_journalist, journalist, story
):
    edit(story, journalist, message="Tightened the lede", lede="Shorter lede.")
    response = as_journalist.get(history_url(story))
    assert response.status_code == 200
    assert [r.number for r in response.context["revisions"]] == [2, 1]
    page = response.content.decode()
    assert page.index("Tightened the lede") < page.index("Created")
    assert "journalist" in page


def test_history_times_are_valid_html_datetimes(as_editor, journalist, story):
    workflow.transition(story, "submit", journalist)
    page = as_editor.get(history_url(story)).content.decode()
    stamps = re.findall(r'<time datetime="([^"]*)"', page)
    assert len(stamps) >= 2  # the revision and the workflow entry
    # HTML allows at most three decimals of a second; Django's "c" format gives six.
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", s) for s in stamps)


def test_history_marks_the_live_and_approved_revisions(as_editor, editor, journalist, story):
    workflow.transition(story, "submit", journalist)
    workflow.transition(story, "approve", editor)
    workflow.transition(story, "publish", editor)
    page = as_editor.get(history_url(story)).content.decode()
    assert "history-badge--live" in page
    assert "history-badge--approved" in page
    assert "Revision 1 is live" in page


def test_history_shows_workflow_entries_status_and_reviewer_comment(
    as_journalist, editor, journalist, story
):
    workflow.transition(story, "submit", journalist)
    workflow.transition(story, "request_changes", editor, message="Add a second source.")
    page = as_journalist.get(history_url(story)).content.decode()
    assert "Workflow history" in page
    assert "Submitted for review" in page
    assert "Requested changes" in page
    assert "Changes requested" in page  # the current status
    assert "Add a second source." in page


def test_editor_sees_the_history_of_any_story(as_editor, story):
    assert as_editor.get(history_url(story)).status_code == 200


@pytest.mark.parametrize(
    ("name", "method", "extra"),
    [
        ("history:list", "get", ()),
        ("history:compare", "get", ()),
        ("history:restore", "post", (1,)),
        ("history:preview-links", "get", ()),
        ("history:preview-link-create", "post", ()),
        ("history:preview-link-revoke", "post", ("link",)),
    ],
)
def test_other_journalist_gets_404_on_every_history_page(
    as_other_journalist, journalist, story, name, method, extra
):
    link, _ = PreviewLink.create_for(story.latest_revision(), by=journalist)
    args = [story.pk, *(link.pk if arg == "link" else arg for arg in extra)]
    url = reverse(name, args=args)
    if name == "history:compare":
        url += "?a=1&b=1"
    response = getattr(as_other_journalist, method)(
        url, {"revision": 1, "days": 7} if method == "post" else {}
    )
    assert response.status_code == 404
    assert "Council passes budget" not in response.content.decode()


@pytest.mark.parametrize("name", ["history:list", "history:compare", "history:preview-links"])
def test_anonymous_visitor_is_sent_to_the_admin_login(client, story, name):
    response = client.get(reverse(name, args=[story.pk]) + "?a=1&b=1")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert b"Council passes budget" not in response.content


def test_compare_page_lists_the_changes(as_journalist, journalist, story):
    section = story.sections.get(label__name="By the numbers")
    section.body = (
        "<ul><li><p>$2.1 billion in total spending</p></li>"
        "<li><p>3% more for schools</p></li><li><p>40 new bus drivers</p></li></ul>"
    )
    section.save()
    BriefingSection.objects.create(
        story=story, position=5, label=label("Flashback"), body="<p>Last year it failed.</p>"
    )
    Byline.objects.create(story=story, author=make_author("Ana Souza"), position=1)
    edit(story, journalist, headline="Council passes a leaner budget")
    response = as_journalist.get(compare_url(story, 2, 1))
    assert response.status_code == 200
    assert [c.summary for c in response.context["changes"]] == [
        "Headline changed",
        "Byline Ana Souza added",
        "2 bullets added to By the numbers",
        "Section Flashback added",
    ]
    page = response.content.decode()
    assert "<ins>a leaner</ins>" in page
    assert "2 bullets added to By the numbers" in page


def test_compare_without_two_numbers_asks_for_them(as_journalist, story):
    response = as_journalist.get(reverse("history:compare", args=[story.pk]) + "?a=1")
    assert response.status_code == 400
    assert "Choose two revisions to compare." in response.content.decode()


@pytest.mark.parametrize("query", ["a=x&b=1", "a=1&b=-3", "a=1&b=99999999999999999999"])
def test_compare_with_nonsense_numbers_is_not_a_server_error(as_journalist, story, query):
    response = as_journalist.get(reverse("history:compare", args=[story.pk]) + "?" + query)
    assert response.status_code == 400


def test_compare_with_a_revision_that_does_not_exist_is_404(as_journalist, story):
    assert as_journalist.get(compare_url(story, 1, 7)).status_code == 404


def test_script_headline_is_shown_as_text_in_history_and_compare(as_journalist, journalist, story):
    edit(story, journalist, headline="<script>alert(1)</script>")
    for url in (history_url(story), compare_url(story, 1, 2)):
        page = as_journalist.get(url).content.decode()
        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- restore ---------------------------------------------------------------------------------


def test_restore_makes_a_new_revision_with_the_old_text(as_journalist, journalist, story):
    edit(story, journalist, headline="A worse headline")
    response = as_journalist.post(restore_url(story, 1))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:articles_story_change", args=[story.pk])
    story.refresh_from_db()
    latest = story.latest_revision()
    assert latest.number == 3
    assert latest.snapshot["headline"] == "Council passes budget"
    assert story.headline == "Council passes budget"
    assert AuditEntry.objects.filter(story=story, action="restore").exists()


def test_restore_says_what_it_did(as_journalist, journalist, story):
    edit(story, journalist, headline="A worse headline")
    response = as_journalist.post(restore_url(story, 1), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("Revision 1 restored as revision 3" in m for m in messages)


def test_restore_sends_a_story_in_review_back_to_draft(as_journalist, journalist, story):
    edit(story, journalist, headline="A worse headline")
    workflow.transition(story, "submit", journalist)
    as_journalist.post(restore_url(story, 1))
    story.refresh_from_db()
    assert story.status == Status.DRAFT


def test_restore_refuses_get(as_journalist, story):
    assert as_journalist.get(restore_url(story, 1)).status_code == 405


def test_other_journalist_cannot_restore(as_other_journalist, journalist, story):
    edit(story, journalist, headline="A worse headline")
    assert as_other_journalist.post(restore_url(story, 1)).status_code == 404
    story.refresh_from_db()
    assert story.headline == "A worse headline"
    assert story.latest_revision().number == 2


def test_restore_of_a_revision_that_does_not_exist_is_404(as_journalist, story):
    assert as_journalist.post(restore_url(story, 9)).status_code == 404


def test_restore_without_csrf_token_is_refused(journalist, story):
    edit(story, journalist, headline="A worse headline")
    client = signed_in(journalist, enforce_csrf_checks=True)
    assert client.post(restore_url(story, 1)).status_code == 403
    assert story.latest_revision().number == 2
