"""The desk on the admin home page: what each person has to do now, in a fixed number
of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import workflow
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
