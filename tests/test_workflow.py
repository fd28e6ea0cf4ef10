import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles import workflow
from articles.models import AuditEntry, Byline, Status, Story
from articles.notifications import send_pending_mail
from articles.workflow import TransitionError
from tests.conftest import in_group
from tests.factories import make_author, make_story, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(journalist):
    author = make_author("Reporter", user=journalist)
    return make_story(
        "Council votes on budget", authors=[author], created_by=journalist, by=journalist
    )


def test_journalist_submits_own_story_for_review(story, journalist):
    workflow.transition(story, "submit", journalist)
    assert story.status == Status.IN_REVIEW
    entry = AuditEntry.objects.get(story=story)
    assert (entry.actor, entry.action, entry.from_status, entry.to_status) == (
        journalist,
        "submit",
        "draft",
        "in_review",
    )


def test_journalist_cannot_publish(story, journalist):
    with pytest.raises(PermissionDenied):
        workflow.transition(story, "publish", journalist)
    story.refresh_from_db()
    assert story.status == Status.DRAFT
    assert not Story.objects.published().exists()


def test_journalist_cannot_approve(story, journalist):
    workflow.transition(story, "submit", journalist)
    with pytest.raises(PermissionDenied):
        workflow.transition(story, "approve", journalist)


def test_other_journalist_cannot_submit_someone_elses_story(story, other_journalist):
    with pytest.raises(PermissionDenied):
        workflow.transition(story, "submit", other_journalist)


def test_byline_gives_a_journalist_the_story():
    writer = in_group(make_user("byline-writer"), "Journalists")
    story = make_story("Shared story")
    Byline.objects.create(story=story, author=make_author("Writer", user=writer))
    workflow.transition(story, "submit", writer)
    assert story.status == Status.IN_REVIEW


def test_request_changes_needs_a_comment(story, journalist, editor):
    workflow.transition(story, "submit", journalist)
    with pytest.raises(TransitionError):
        workflow.transition(story, "request_changes", editor, message="  ")
    workflow.transition(story, "request_changes", editor, message="Tighten the lede.")
    assert story.status == Status.CHANGES_REQUESTED
    assert story.workflow_note == "Tighten the lede."


def test_full_review_cycle_notifies_people(story, journalist, editor):
    journalist.email = "writer@example.org"
    journalist.save()
    editor.email = "editor@example.org"
    editor.save()
    workflow.transition(story, "submit", journalist)
    workflow.transition(story, "request_changes", editor, message="Add a source.")
    workflow.transition(story, "submit", journalist)
    workflow.transition(story, "approve", editor)
    workflow.transition(story, "publish", editor)
    assert story.is_live
    assert story.approved_revision is not None
    actions = list(
        AuditEntry.objects.filter(story=story).order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["submit", "request_changes", "submit", "approve", "publish"]


def test_notifications_reach_the_inbox_and_are_mailed_by_the_job(story, journalist, editor):
    journalist.email = "writer@example.org"
    journalist.save()
    editor.email = "editor@example.org"
    editor.save()
    workflow.transition(story, "submit", journalist)
    assert mail.outbox == []  # not from inside the transaction
    send_pending_mail.call()
    assert [m.to for m in mail.outbox] == [["editor@example.org"]]
    assert editor.notices.get().text.startswith("Ready for review: Council votes on budget")
    workflow.transition(story, "request_changes", editor, message="Add a source.")
    send_pending_mail.call()
    assert mail.outbox[-1].to == ["writer@example.org"]
    assert "Add a source." in mail.outbox[-1].body
    assert story.outcome.told.sentence("writer") == "1 writer was told on their desk, and by email."


def test_editing_a_story_in_review_sends_it_back_to_draft(story, journalist, editor):
    workflow.transition(story, "submit", journalist)
    workflow.transition(story, "approve", editor)
    story.headline = "Council passes budget"
    story.save()
    workflow.save_revision(story, journalist)
    story.refresh_from_db()
    assert story.status == Status.DRAFT
    assert story.approved_revision is None
    assert AuditEntry.objects.filter(story=story, action="edit").exists()


def test_saving_without_changes_keeps_the_review_state(story, journalist):
    workflow.transition(story, "submit", journalist)
    workflow.save_revision(story, journalist)
    story.refresh_from_db()
    assert story.status == Status.IN_REVIEW


def test_editing_a_live_story_keeps_it_live(editor):
    story = make_story("Live story", publish=True)
    story.lede = "A new lede."
    story.save()
    workflow.save_revision(story, editor)
    story.refresh_from_db()
    assert story.status == Status.DRAFT
    assert story.is_live
    assert story.live_revision.snapshot["lede"] != "A new lede."
    assert Story.objects.published().filter(pk=story.pk).exists()


def test_unpublish_takes_story_off_the_site(editor):
    story = make_story("Going away", publish=True)
    workflow.transition(story, "unpublish", editor, message="Legal asked")
    assert not Story.objects.published().filter(pk=story.pk).exists()
    assert story.status == Status.UNPUBLISHED


def test_a_transition_from_the_wrong_state_is_refused(story, editor):
    with pytest.raises(TransitionError):
        workflow.transition(story, "approve", editor)


def test_available_transitions_depend_on_role(story, journalist, editor):
    assert [t.name for t in workflow.available(journalist, story)] == ["submit"]
    assert {t.name for t in workflow.available(editor, story)} == {"submit", "publish"}


def test_schedule_in_the_past_is_refused(story, journalist, editor):
    workflow.transition(story, "submit", journalist)
    workflow.transition(story, "approve", editor)
    with pytest.raises(TransitionError, match="future"):
        workflow.transition(
            story, "schedule", editor, publish_at=timezone.now() - timedelta(minutes=1)
        )
    at = timezone.now() + timedelta(hours=1)
    with pytest.raises(TransitionError, match="after the publish time"):
        workflow.transition(
            story, "schedule", editor, publish_at=at, expire_at=at - timedelta(minutes=5)
        )
    story.refresh_from_db()
    assert story.status == Status.APPROVED


def _approved(story, journalist, editor):
    workflow.transition(story, "submit", journalist)
    workflow.transition(story, "approve", editor)
    return story


def _run_worker():
    # The worker closes its database connection between jobs, so these tests run
    # outside a test transaction.
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_scheduled_story_goes_live_when_due_and_not_before(story, journalist, editor):
    _approved(story, journalist, editor)
    publish_at = timezone.now() + timedelta(hours=2)
    workflow.transition(story, "schedule", editor, publish_at=publish_at)

    _run_worker()
    story.refresh_from_db()
    assert story.status == Status.SCHEDULED and not story.is_live

    # The worker was down at publish time and comes back an hour late: it catches up.
    with time_machine.travel(publish_at + timedelta(hours=1)):
        _run_worker()
        story.refresh_from_db()
        assert story.is_live and story.status == Status.PUBLISHED
    assert AuditEntry.objects.filter(story=story, action="publish", actor=None).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_scheduled_expiry_takes_the_story_down(story, journalist, editor):
    _approved(story, journalist, editor)
    publish_at = timezone.now() + timedelta(hours=1)
    expire_at = publish_at + timedelta(days=1)
    workflow.transition(story, "schedule", editor, publish_at=publish_at, expire_at=expire_at)
    with time_machine.travel(publish_at + timedelta(minutes=1)):
        _run_worker()
        story.refresh_from_db()
        assert story.is_live
    with time_machine.travel(expire_at + timedelta(minutes=1)):
        _run_worker()
        story.refresh_from_db()
        assert not story.is_live and story.status == Status.UNPUBLISHED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rescheduled_story_ignores_the_old_job(story, journalist, editor):
    _approved(story, journalist, editor)
    first = timezone.now() + timedelta(hours=1)
    workflow.transition(story, "schedule", editor, publish_at=first)
    workflow.transition(story, "schedule", editor, publish_at=first + timedelta(days=1))
    with time_machine.travel(first + timedelta(minutes=5)):
        _run_worker()
    story.refresh_from_db()
    assert not story.is_live and story.status == Status.SCHEDULED


def test_publish_due_command_catches_up(story, journalist, editor):
    _approved(story, journalist, editor)
    publish_at = timezone.now() + timedelta(minutes=30)
    workflow.transition(story, "schedule", editor, publish_at=publish_at)
    with time_machine.travel(publish_at + timedelta(minutes=1)):
        call_command("publish_scheduled", verbosity=0)
        story.refresh_from_db()
        assert story.is_live


def test_correction_sets_updated_time_and_is_audited(editor):
    story = make_story("Corrected", publish=True)
    first = story.last_published_at
    correction = workflow.correct(
        story, "correction", "An earlier version misspelled a name.", editor
    )
    story.refresh_from_db()
    assert story.last_published_at == correction.created_at > first
    assert AuditEntry.objects.filter(story=story, action="correction").exists()


def test_restore_makes_a_new_revision_with_the_old_text(editor):
    story = make_story("First headline")
    first = story.latest_revision()
    story.headline = "Second headline"
    story.save()
    workflow.save_revision(story, editor)
    restored = workflow.restore(story, first, editor)
    story.refresh_from_db()
    assert story.headline == "First headline"
    assert restored.number == 3
    assert restored.snapshot["headline"] == "First headline"


def test_audit_entries_cannot_be_changed_or_deleted(story, journalist):
    workflow.transition(story, "submit", journalist)
    entry = AuditEntry.objects.get(story=story)
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.update(message="x")


def _race(names_and_users, story_pk):
    """Run transitions at the same moment, each on its own database connection."""
    barrier = threading.Barrier(len(names_and_users))
    outcomes = []

    def attempt(name, user):
        try:
            barrier.wait()
            workflow.transition(Story.objects.get(pk=story_pk), name, user)
            outcomes.append("ok")
        except TransitionError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=pair) for pair in names_and_users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_editors_approving_at_once_make_one_transition():
    first, second = (in_group(make_user(name), "Editors") for name in ("ed-one", "ed-two"))
    story = make_story("Contested")
    workflow.transition(story, "submit", first)

    assert _race([("approve", first), ("approve", second)], story.pk) == ["ok", "refused"]
    assert AuditEntry.objects.filter(story=story, action="approve").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_editors_publishing_at_once_make_one_transition():
    first, second = (in_group(make_user(name), "Editors") for name in ("pub-one", "pub-two"))
    story = make_story("Breaking")

    assert _race([("publish", first), ("publish", second)], story.pk) == ["ok", "refused"]
    assert AuditEntry.objects.filter(story=story, action="publish").count() == 1
    assert Story.objects.get(pk=story.pk).revisions.count() == 1


def test_journalists_see_only_their_own_stories(story, journalist, other_journalist, editor):
    make_story("Someone else's")
    assert list(workflow.visible_stories(journalist)) == [story]
    assert list(workflow.visible_stories(other_journalist)) == []
    assert workflow.visible_stories(editor).count() == 2
    assert workflow.can_view(journalist, story) and not workflow.can_view(other_journalist, story)
