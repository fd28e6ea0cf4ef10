"""The desk on the admin home page: what each person has to do now, in a fixed number
of queries."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.templatetags.desk import planning
from tests.conftest import signed_in
from tests.factories import make_author, make_story, make_user

pytestmark = pytest.mark.django_db

INDEX_URL = reverse("admin:index")


def desk(client) -> dict[str, list[str]]:
    """The desk's lists by key, each the headlines it shows."""
    response = client.get(INDEX_URL)
    assert response.status_code == 200
    return {item.key: [s.headline for s in item.stories] for item in response.context["desk"]}


def submitted(headline, journalist):
    story = make_story(headline, created_by=journalist, by=journalist)
    workflow.transition(story, "submit", journalist)
    return story


def test_journalist_desk_lists_their_drafts(as_journalist, journalist):
    make_story("My draft", created_by=journalist)
    make_story("Someone else's draft", created_by=make_user("colleague"))
    assert desk(as_journalist)["drafts"] == ["My draft"]


def test_journalist_desk_lists_drafts_they_have_a_byline_on(as_journalist, journalist):
    make_story("Shared draft", authors=[make_author("Me", user=journalist)])
    assert desk(as_journalist)["drafts"] == ["Shared draft"]


def test_journalist_desk_shows_changes_requested_with_the_comment(
    as_journalist, journalist, editor
):
    story = submitted("Sent back", journalist)
    workflow.transition(story, "request_changes", editor, message="Check the figures.")
    assert desk(as_journalist)["changes"] == ["Sent back"]
    assert b"Check the figures." in as_journalist.get(INDEX_URL).content


def test_journalist_desk_has_no_review_queues(as_journalist, journalist):
    submitted("Waiting", journalist)
    assert set(desk(as_journalist)) == {"drafts", "changes", "published"}


def test_editor_desk_lists_stories_awaiting_review_oldest_first(as_editor, journalist):
    submitted("First in", journalist)
    submitted("Second in", journalist)
    assert desk(as_editor)["review"] == ["First in", "Second in"]


def test_editor_desk_lists_approved_and_scheduled_soonest_first(as_editor, journalist, editor):
    later, sooner, unscheduled = (
        submitted(headline, journalist) for headline in ("Later", "Sooner", "Unscheduled")
    )
    for story in (later, sooner, unscheduled):
        workflow.transition(story, "approve", editor)
    now = timezone.now()
    workflow.transition(later, "schedule", editor, publish_at=now + timedelta(days=2))
    workflow.transition(sooner, "schedule", editor, publish_at=now + timedelta(days=1))
    assert desk(as_editor)["approved"] == ["Sooner", "Later", "Unscheduled"]


def test_desk_lists_recently_published_newest_first(as_editor):
    make_story("Older news", publish=True)
    make_story("Fresh news", publish=True)
    make_story("Unpublished draft")
    assert desk(as_editor)["published"] == ["Fresh news", "Older news"]


def test_journalist_desk_lists_only_their_own_published_stories(as_journalist, journalist):
    make_story("My scoop", created_by=journalist, publish=True)
    make_story("Desk's story", publish=True)
    assert desk(as_journalist)["published"] == ["My scoop"]


def test_desk_links_each_story_to_its_form(as_journalist, journalist):
    story = make_story("My draft", created_by=journalist)
    response = as_journalist.get(INDEX_URL)
    url = reverse("admin:articles_story_change", args=[story.pk])
    assert f'href="{url}"'.encode() in response.content


def test_desk_lists_are_short(as_journalist, journalist):
    for n in range(12):
        make_story(f"Draft {n}", created_by=journalist)
    assert len(desk(as_journalist)["drafts"]) == 8


def fill_the_desk(journalist, editor, times: int) -> None:
    """``times`` stories in every list of both desks."""
    for n in range(times):
        make_story(f"Draft {n}", created_by=journalist)
        make_story(f"Live {n}", created_by=journalist, publish=True)
        story = submitted(f"Review {n}", journalist)
        if n % 3 == 1:
            workflow.transition(story, "request_changes", editor, message="Fix it.")
        elif n % 3 == 2:
            workflow.transition(story, "approve", editor)


@pytest.mark.parametrize(
    ("who", "filled"),
    [
        ("journalist", {"drafts", "changes", "published"}),
        ("editor", {"review", "approved", "published"}),
    ],
)
def test_desk_queries_do_not_grow_with_stories(request, who, filled, django_assert_num_queries):
    journalist, editor = request.getfixturevalue("journalist"), request.getfixturevalue("editor")
    client = signed_in(request.getfixturevalue(who))
    fill_the_desk(journalist, editor, 1)
    client.get(INDEX_URL)  # warm the session and content types
    with CaptureQueriesContext(connection) as one:
        client.get(INDEX_URL)
    fill_the_desk(journalist, editor, 9)
    with django_assert_num_queries(len(one)):
        response = client.get(INDEX_URL)
    lists = {item.key: item.stories for item in response.context["desk"]}
    assert all(len(lists[key]) > 1 for key in filled)


# --- starting a story from the desk --------------------------------------------------------------


def test_desk_links_to_writing_and_importing_a_story(as_journalist):
    content = as_journalist.get(INDEX_URL).content.decode()
    assert f'href="{reverse("admin:articles_story_add")}"' in content
    assert f'href="{reverse("admin:articles_story_import")}"' in content
    assert "Import from text" in content


def test_desk_offers_no_import_to_someone_who_may_not_add_stories(client):
    client.force_login(make_user("viewer", perms=["view_story"]))
    content = client.get(INDEX_URL).content.decode()
    assert reverse("admin:articles_story_import") not in content


def test_stories_awaiting_review_link_to_their_preview(as_editor, journalist):
    story = submitted("Waiting", journalist)
    preview = reverse("articles:story-preview", args=[story.pk])
    assert (
        f'href="{preview}" aria-label="Review Waiting"'.encode() in as_editor.get(INDEX_URL).content
    )


# --- the coming week -----------------------------------------------------------------------------


def scheduled(headline, journalist, editor, publish_at):
    story = submitted(headline, journalist)
    workflow.transition(story, "approve", editor)
    workflow.transition(story, "schedule", editor, publish_at=publish_at)
    return story


def planning_of(client):
    return client.get(INDEX_URL).context["planning"]


def test_planning_lists_scheduled_stories_by_day_and_time(as_editor, journalist, editor):
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    scheduled("Day after, late", journalist, editor, today + timedelta(days=2, hours=20))
    scheduled("Day after, early", journalist, editor, today + timedelta(days=2, hours=7))
    scheduled("Next week", journalist, editor, today + timedelta(days=8, hours=9))
    days = planning_of(as_editor).days
    assert len(days) == 7
    assert days[0].day == today.date()
    assert [s.headline for s in days[2].stories] == ["Day after, early", "Day after, late"]
    assert not any(story.headline == "Next week" for day in days for story in day.stories)


def test_planning_has_a_lane_for_approved_stories_without_a_time(as_editor, journalist, editor):
    story = submitted("Approved, waiting", journalist)
    workflow.transition(story, "approve", editor)
    submitted("Still in review", journalist)
    planning = planning_of(as_editor)
    assert [s.headline for s in planning.unscheduled] == ["Approved, waiting"]
    content = as_editor.get(INDEX_URL).content.decode()
    assert "Approved, no time yet" in content
    assert f'href="{reverse("admin:articles_story_change", args=[story.pk])}"' in content


def test_a_schedule_that_fell_due_is_listed_today(as_editor, journalist, editor):
    soon = timezone.now() + timedelta(minutes=5)
    scheduled("Late worker", journalist, editor, soon)
    with time_machine.travel(soon + timedelta(hours=1)):
        days = planning_of(as_editor).days
    assert [s.headline for s in days[0].stories] == ["Late worker"]
    assert days[0].stories[0].overdue


def test_planning_is_for_editors(as_journalist, journalist):
    assert planning_of(as_journalist) is None
    assert b"The coming week" not in as_journalist.get(INDEX_URL).content


def test_planning_is_a_list_of_days_with_headings(as_editor, journalist, editor):
    scheduled("Tomorrow", journalist, editor, timezone.now() + timedelta(days=1))
    content = as_editor.get(INDEX_URL).content.decode()
    assert '<ol class="planning-days">' in content
    assert content.count('<h3 id="planning-day-') == 7


def test_planning_is_two_queries(editor, journalist, django_assert_num_queries):
    scheduled("Tomorrow", journalist, editor, timezone.now() + timedelta(days=1))
    editor.has_perm("articles.review_story")  # the permissions, cached as on a page
    with django_assert_num_queries(2):
        planning(editor)


def test_planning_queries_do_not_grow_with_stories(as_editor, journalist, editor):
    tomorrow = timezone.now() + timedelta(days=1)
    as_editor.get(INDEX_URL)
    scheduled("One", journalist, editor, tomorrow)
    with CaptureQueriesContext(connection) as one:
        as_editor.get(INDEX_URL)
    for n in range(8):
        scheduled(f"More {n}", journalist, editor, tomorrow + timedelta(hours=n))
        story = submitted(f"Approved {n}", journalist)
        workflow.transition(story, "approve", editor)
    with CaptureQueriesContext(connection) as many:
        as_editor.get(INDEX_URL)
    assert len(many) == len(one)
