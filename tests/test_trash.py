"""Deleting a story moves it to the trash: gone from every reader channel (410 at its
address), whole when restored, deleted for good after the trash's days, each step audited."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import workflow
from articles.models import AuditEntry, Story
from articles.tasks import empty_trash
from tests.conftest import change_url, form_values, messages_of
from tests.factories import make_author, make_section, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def once_live(editor):
    """A story readers had, then taken down, and another that links to it."""
    story = make_story(
        "Zebrafish study retracted",
        lede="Zebrafish findings were retracted.",
        authors=[make_author("Reporter")],
        sections=[("Why it matters", "<p>Zebrafish matter.</p>")],
        section=make_section("Science"),
        publish=True,
    )
    make_story("Lab news", links=[("Zebrafish study retracted", story)], publish=True)
    workflow.transition(story, "unpublish", editor)
    return story


def test_delete_in_the_admin_moves_the_story_to_the_trash(once_live, as_editor):
    url = reverse("admin:articles_story_delete", args=[once_live.pk])
    page = as_editor.post(url, {"post": "yes"}, follow=True)
    once_live.refresh_from_db()
    assert once_live.trashed_at is not None
    assert any("is in the trash" in m for m in messages_of(page))
    listing = reverse("admin:articles_story_changelist")
    assert "Zebrafish study retracted" not in as_editor.get(listing).text
    assert "Zebrafish study retracted" in as_editor.get(listing + "?trash=in").text


def test_the_delete_page_needs_no_rights_on_revisions(once_live, as_editor):
    # It used to list every revision and refuse for lack of a right to delete them.
    page = as_editor.get(reverse("admin:articles_story_delete", args=[once_live.pk]))
    assert page.status_code == 200
    assert "revision" not in page.text.lower().split("are you sure")[-1][:200]


def test_a_live_story_must_be_taken_down_first(editor):
    live = make_story("On the site", publish=True)
    with pytest.raises(workflow.TransitionError, match="unpublish it first"):
        workflow.trash(live, editor)
    assert Story.objects.get(pk=live.pk).trashed_at is None


def test_a_story_in_the_trash_is_gone_from_every_reader_channel(once_live, editor, client):
    workflow.trash(once_live, editor)
    url = once_live.get_absolute_url()
    gone = client.get(url)
    assert gone.status_code == 410
    assert "Zebrafish findings" not in gone.text
    for path in [
        "/",
        "/feed/",
        "/sitemap-stories.xml",
        "/sitemap-news.xml",
        "/search/?q=zebrafish",
    ]:
        assert url not in client.get(path).text, path
    lab = Story.objects.get(headline="Lab news")
    lab_page = client.get(lab.get_absolute_url()).text
    assert "Zebrafish study retracted" in lab_page  # the title stays, as plain text
    assert f'href="{url}"' not in lab_page


def test_a_story_never_published_answers_404_from_the_trash(editor, client):
    draft = make_story("Never out")
    workflow.trash(draft, editor)
    assert client.get(f"/2026/11/29/{draft.slug}/").status_code == 404


def test_restoring_brings_the_story_back_whole(once_live, editor, as_editor):
    revisions = once_live.revisions.count()
    slug = once_live.slug
    workflow.trash(once_live, editor)
    page = as_editor.post(reverse("admin:articles_story_untrash", args=[once_live.pk]), follow=True)
    story = Story.objects.get(pk=once_live.pk)
    assert story.trashed_at is None
    assert (story.slug, story.revisions.count()) == (slug, revisions)
    assert [b.author.name for b in story.bylines.all()] == ["Reporter"]
    assert any("out of the trash" in m for m in messages_of(page))


def test_a_story_in_the_trash_is_read_not_edited(once_live, editor, as_editor):
    workflow.trash(once_live, editor)
    page = as_editor.get(change_url(once_live))
    assert "In the trash since" in page.text
    assert "Restore from the trash" in page.text
    data = form_values(page) if "adminform" in page.context else {}
    assert as_editor.post(change_url(once_live), data | {"headline": "Edited"}).status_code == 403


def test_a_journalist_trashes_only_their_own_never_published_drafts(
    journalist, other_journalist, editor
):
    own = make_story("My draft", created_by=journalist, by=journalist)
    theirs = make_story("Their draft", created_by=other_journalist, by=other_journalist)
    was_live = make_story("Was live", created_by=journalist, by=journalist)
    workflow.transition(was_live, "publish", editor)
    workflow.transition(was_live, "unpublish", editor)
    assert workflow.can_trash(journalist, own)
    assert not workflow.can_trash(journalist, theirs)
    assert not workflow.can_trash(journalist, was_live)
    workflow.trash(own, journalist)
    with pytest.raises(PermissionDenied):
        workflow.trash(theirs, journalist)


def test_the_trash_is_emptied_after_its_days_and_every_step_is_audited(editor):
    draft = make_story("Old draft")
    kept = make_story("Recent draft")
    workflow.trash(draft, editor)
    workflow.restore_from_trash(draft, editor)
    workflow.trash(draft, editor)
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        workflow.trash(kept, editor)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert empty_trash.call() == 1
    assert not Story.objects.filter(pk=draft.pk).exists()
    assert Story.objects.filter(pk=kept.pk).exists()
    actions = list(
        AuditEntry.objects.filter(story_headline="Old draft")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["trash", "untrash", "trash", "purge"]


def test_trashing_queues_the_job_that_empties_it(editor):
    draft = make_story("Draft")
    workflow.trash(draft, editor)
    job = DBTaskResult.objects.get(task_path="articles.tasks.empty_trash")
    assert job.run_after >= timezone.now() + timedelta(days=29)
