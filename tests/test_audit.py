"""One audit row per act, through HTTP as people do it, and none for what is refused.

Every transition, every save that changes the text (a live story's included), a
restore, a correction (added; amended or withdrawn by an administrator; an editor's
attempt to change one), a preview link made or revoked, and a failed sign-in.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import AuditEntry, Correction, Status
from articles.models.audit import declare_action
from tests.conftest import change_url, form_values
from tests.factories import make_author, make_story

pytestmark = pytest.mark.django_db


def rows(story=None) -> list[tuple[str, str, str]]:
    entries = AuditEntry.objects.order_by("pk")
    if story is not None:
        entries = entries.filter(story=story)
    return list(entries.values_list("action", "from_status", "to_status"))


def press(client, story, name, **data):
    story.refresh_from_db()
    url = reverse("admin:articles_story_transition", args=[story.pk, name])
    return client.post(url, {"version": story.version, **data})


def save_form(client, story, **changes):
    data = form_values(client.get(change_url(story))) | changes
    return client.post(change_url(story), data)


@pytest.fixture
def story(journalist):
    author = make_author("Reporter", user=journalist)
    return make_story(
        "Council votes on budget", authors=[author], created_by=journalist, by=journalist
    )


@pytest.fixture
def live(editor):
    return make_story("Harbour reopens", publish=True, by=editor)


def test_each_transition_writes_one_row(story, as_journalist, as_editor):
    in_an_hour = timezone.localtime(timezone.now() + timedelta(hours=1))
    steps = [
        (as_journalist, "submit", {}),
        (as_editor, "request_changes", {"message": "Source the figures."}),
        (as_journalist, "submit", {}),
        (as_editor, "approve", {}),
        (as_editor, "schedule", {"publish_at": in_an_hour.strftime("%Y-%m-%dT%H:%M")}),
        (as_editor, "cancel_schedule", {}),
        (as_editor, "publish", {}),
        (as_editor, "unpublish", {}),
    ]
    expected = []
    for client, name, data in steps:
        before = story.status
        assert press(client, story, name, **data).status_code == 302
        story.refresh_from_db()
        expected.append((name, before, story.status))
        assert rows(story) == expected, name
    assert story.status == Status.UNPUBLISHED


def test_a_refused_transition_writes_nothing(story, as_journalist):
    assert press(as_journalist, story, "publish").status_code == 403
    assert rows(story) == []


def test_saving_a_draft_with_changes_writes_one_edit_row(story, as_journalist):
    assert save_form(as_journalist, story, lede="A sharper lede.").status_code == 302
    assert rows(story) == [("edit", "draft", "draft")]


def test_saving_without_changes_writes_nothing(story, as_journalist):
    assert save_form(as_journalist, story).status_code == 302
    assert rows(story) == []


def test_editing_a_story_in_review_writes_one_row_and_sends_it_back(
    story, journalist, as_journalist
):
    workflow.transition(story, "submit", journalist)
    assert save_form(as_journalist, story, lede="A sharper lede.").status_code == 302
    assert rows(story)[1:] == [("edit", "in_review", "draft")]


def test_editing_a_live_story_writes_one_row_and_keeps_it_live(live, as_editor, client):
    assert save_form(as_editor, live, lede="A later lede.").status_code == 302
    assert rows(live)[1:] == [("edit", "published", "draft")]
    live.refresh_from_db()
    assert live.is_live
    assert "A later lede." not in client.get(live.get_absolute_url()).text


def test_restore_writes_one_row_even_when_it_ends_a_review(story, journalist, as_journalist):
    story.lede = "A second lede."
    story.save()
    workflow.save_revision(story, journalist, "Second")
    workflow.transition(story, "submit", journalist)
    before = len(rows(story))
    url = reverse("history:restore", args=[story.pk, 1])
    assert as_journalist.post(url).status_code == 302
    assert rows(story)[before:] == [("restore", "in_review", "draft")]


def test_correction_writes_one_row(live, as_editor):
    url = reverse("admin:articles_story_correction", args=[live.pk])
    assert as_editor.post(url, {"kind": "correction", "text": "A fix."}).status_code == 302
    assert rows(live)[1:] == [("correction", "published", "published")]


def test_editors_cannot_change_or_delete_a_correction(live, editor, as_editor):
    correction = workflow.correct(live, "correction", "The bridge is 400 m long.", editor)
    before = rows()
    change = reverse("admin:articles_correction_change", args=[correction.pk])
    posted = {"story": live.pk, "kind": "correction", "text": "The bridge is 40 m long."}
    assert as_editor.post(change, posted).status_code == 403
    delete = reverse("admin:articles_correction_delete", args=[correction.pk])
    assert as_editor.post(delete, {"post": "yes"}).status_code == 403
    assert Correction.objects.get(pk=correction.pk).text == "The bridge is 400 m long."
    assert rows() == before


def test_corrections_refuse_to_be_changed_in_code(live, editor):
    correction = workflow.correct(live, "correction", "A fix.", editor)
    correction.text = "Another fix."
    with pytest.raises(TypeError):
        correction.save()
    with pytest.raises(TypeError):
        correction.delete()


def test_an_administrator_amends_a_correction_with_one_row_keeping_the_old_words(
    live, editor, as_admin
):
    correction = workflow.correct(live, "correction", "The bridge is 400 m long.", editor)
    change = reverse("admin:articles_correction_change", args=[correction.pk])
    posted = {"story": live.pk, "kind": "correction", "text": "The bridge is 40 m long."}
    assert as_admin.post(change, posted).status_code == 302
    assert Correction.objects.get(pk=correction.pk).text == "The bridge is 40 m long."
    entry = AuditEntry.objects.filter(story=live).latest("pk")
    assert entry.action == "correction_amend"
    assert "400 m" in entry.message
    assert len(rows(live)) == 3  # publish, correction, amend


def test_an_administrator_withdraws_a_correction_with_one_row(live, editor, as_admin):
    correction = workflow.correct(live, "correction", "Wrong fix.", editor)
    delete = reverse("admin:articles_correction_delete", args=[correction.pk])
    assert as_admin.post(delete, {"post": "yes"}).status_code == 302
    assert not Correction.objects.filter(pk=correction.pk).exists()
    assert [action for action, *_ in rows(live)] == ["publish", "correction", "correction_withdraw"]


def test_preview_links_write_one_row_each_and_a_second_revoke_none(story, as_journalist):
    create = reverse("history:preview-link-create", args=[story.pk])
    assert as_journalist.post(create, {"revision": "1", "days": "7"}).status_code == 200
    link = story.preview_links.get()
    revoke = reverse("history:preview-link-revoke", args=[story.pk, link.pk])
    assert as_journalist.post(revoke).status_code == 302
    assert as_journalist.post(revoke).status_code == 302
    assert [action for action, *_ in rows(story)] == ["preview_create", "preview_revoke"]


def test_a_failed_sign_in_writes_one_row(client, editor):
    client.post(reverse("admin:login"), {"username": "editor", "password": "wrong"})
    assert [action for action, *_ in rows()] == ["login_failed"]


def test_only_declared_actions_can_be_recorded():
    with pytest.raises(ValueError, match="Undeclared"):
        AuditEntry.record("frobnicate")


def test_an_action_cannot_be_declared_twice_with_two_names():
    declare_action("submit", "Submitted for review")  # the same again is harmless
    with pytest.raises(ValueError, match="already declared"):
        declare_action("submit", "Sent up")
