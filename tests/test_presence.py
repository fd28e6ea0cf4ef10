"""Who has a story's form open: the heartbeat of static/js/admin/presence.js, its goodbye,
and the minute after which a silent tab no longer counts."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from articles.models import EditingPresence
from articles.models.presence import HEARTBEAT_SECONDS, PRESENCE_WINDOW
from tests.conftest import change_url, signed_in
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(journalist):
    return make_story("Night buses", created_by=journalist, by=journalist)


def presence_url(story) -> str:
    return reverse("history:presence", args=[story.pk])


def others(client, story) -> list[str]:
    return [p.user.username for p in client.get(change_url(story)).context["others_editing"]]


def test_the_window_is_two_heartbeats_about_a_minute():
    assert HEARTBEAT_SECONDS == 30
    assert timedelta(seconds=60) == PRESENCE_WINDOW


def test_the_form_carries_the_heartbeat_address(as_journalist, story):
    content = as_journalist.get(change_url(story)).content.decode()
    assert f'data-url="{presence_url(story)}"' in content
    assert 'data-seconds="30"' in content
    assert "js/admin/presence.js" in content


def test_a_heartbeat_answers_who_else_has_the_form_open(as_journalist, as_editor, editor, story):
    editor.first_name, editor.last_name = "Tom", "Berg"
    editor.save()
    as_editor.post(presence_url(story))
    response = as_journalist.post(presence_url(story))
    assert response.status_code == 200
    [other] = response.json()["others"]
    assert other["name"] == "Tom Berg"
    assert other["since"] == f"{timezone.localtime():%H:%M}"


def test_a_heartbeat_keeps_someone_shown_past_the_window(as_journalist, as_editor, story):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        as_editor.get(change_url(story))
    for beat in range(1, 5):
        with time_machine.travel(start + beat * timedelta(seconds=HEARTBEAT_SECONDS)):
            as_editor.post(presence_url(story))
    with time_machine.travel(start + timedelta(seconds=150)):
        assert others(as_journalist, story) == ["editor"]
        presence = EditingPresence.objects.get(user__username="editor")
        assert presence.since == start  # the same visit


def test_someone_silent_for_a_minute_is_no_longer_shown(as_journalist, as_editor, story):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        as_editor.get(change_url(story))
    with time_machine.travel(start + timedelta(seconds=55), tick=False):
        assert others(as_journalist, story) == ["editor"]
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert others(as_journalist, story) == []
        assert b"Being edited by" not in as_journalist.get(change_url(story)).content


def test_a_new_visit_after_the_window_starts_a_new_since(as_editor, story, editor):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        as_editor.post(presence_url(story))
    later = start + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        as_editor.post(presence_url(story))
    assert EditingPresence.objects.get(user=editor).since == later


def test_goodbye_hides_someone_at_once(as_journalist, as_editor, story):
    as_editor.get(change_url(story))
    response = as_editor.post(presence_url(story), {"state": "gone"})
    assert response.status_code == 204
    assert others(as_journalist, story) == []


def test_goodbye_of_one_person_leaves_the_others(as_journalist, as_editor, story, editor):
    as_editor.get(change_url(story))
    as_journalist.get(change_url(story))
    as_journalist.post(presence_url(story), {"state": "gone"})
    assert list(EditingPresence.objects.values_list("user", flat=True)) == [editor.pk]


def test_the_heartbeat_is_for_those_who_may_see_the_story(as_other_journalist, story):
    assert as_other_journalist.post(presence_url(story)).status_code == 404
    assert not EditingPresence.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, story):
    response = client.post(presence_url(story))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not EditingPresence.objects.exists()


def test_the_heartbeat_is_post_only(as_journalist, story):
    assert as_journalist.get(presence_url(story)).status_code == 405


def test_the_heartbeat_needs_the_csrf_token(journalist, story):
    client = signed_in(journalist, enforce_csrf_checks=True)
    assert client.post(presence_url(story)).status_code == 403
    assert client.post(presence_url(story), {"state": "gone"}).status_code == 403
    assert not EditingPresence.objects.exists()


def test_the_heartbeat_with_the_forms_token_goes_through(journalist, story):
    client = signed_in(journalist, enforce_csrf_checks=True)
    page = client.get(change_url(story))
    token = page.context["csrf_token"]
    assert client.post(presence_url(story), {"csrfmiddlewaretoken": str(token)}).status_code == 200
    assert EditingPresence.objects.filter(user=journalist).exists()


def test_a_story_that_does_not_exist_is_404(as_editor):
    assert as_editor.post(reverse("history:presence", args=[999_999])).status_code == 404


def test_nobody_is_shown_editing_their_own_visit(as_journalist, story):
    as_journalist.post(presence_url(story))
    assert as_journalist.post(presence_url(story)).json()["others"] == []


def test_read_only_viewers_get_no_heartbeat(story):
    viewer = make_user("viewer", perms=["view_story", "review_story"])
    content = signed_in(viewer).get(change_url(story)).content.decode()
    assert "data-url=" not in content.split('id="story-presence"')[1].split(">")[0]


def test_a_goodbye_does_not_end_a_later_visit(as_journalist, as_editor, story, editor):
    """A save's page says goodbye after the next page has already said hello."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = as_editor.get(change_url(story)).context["presence_seen"]
    with time_machine.travel(start + timedelta(seconds=5), tick=False):
        as_editor.get(change_url(story))  # the page after the save
        as_editor.post(presence_url(story), {"state": "gone", "seen": first})
        assert others(as_journalist, story) == ["editor"]


def test_a_goodbye_names_the_last_heartbeat(as_journalist, as_editor, story):
    as_editor.get(change_url(story))
    seen = as_editor.post(presence_url(story)).json()["seen"]
    as_editor.post(presence_url(story), {"state": "gone", "seen": seen})
    assert others(as_journalist, story) == []


@pytest.mark.parametrize("seen", ["", "yesterday", "2026-01-01T10:00:00"])
def test_a_goodbye_without_a_readable_time_ends_the_visit(as_journalist, as_editor, story, seen):
    as_editor.get(change_url(story))
    as_editor.post(presence_url(story), {"state": "gone", "seen": seen})
    assert others(as_journalist, story) == []
