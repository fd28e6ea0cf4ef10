"""Rules written once and asked everywhere: the transition declaration, authorship,
liveness and the state of a preview link."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import AuditEntry, PreviewLink, Status, Story
from articles.notifications import send_pending_mail
from articles.workflow import Transition, TransitionError, Workflow
from tests.factories import make_author, make_story

pytestmark = pytest.mark.django_db


# --- a transition is one declaration ------------------------------------------------------


def _send_back(story, *, message, **_):
    story.workflow_note = message
    story.approved_revision = None


#: A transition the newsroom does not have, declared as the real ones are: nothing
#: else is written anywhere for it to be offered, checked, made, audited and announced.
SEND_BACK = Transition(
    "send_back",
    "Return to draft",
    frozenset({Status.APPROVED}),
    Status.DRAFT,
    "articles.review_story",
    "Returned to draft",
    done="Returned to the writers as a draft.",
    effect=_send_back,
    needs_comment=True,
    notify_subject="Returned: {headline}",
    notify="writers",
)


@pytest.fixture
def table():
    return Workflow([*workflow.TRANSITIONS.values(), SEND_BACK])


@pytest.fixture
def approved(journalist, editor):
    journalist.email = "writer@example.org"
    journalist.save()
    author = make_author("Reporter", user=journalist)
    story = make_story("Pier closes", authors=[author], created_by=journalist, by=journalist)
    workflow.transition(story, "submit", journalist)
    workflow.transition(story, "approve", editor)
    return story


def test_a_declared_transition_is_offered_to_those_who_may_take_it(
    table, approved, journalist, editor
):
    assert SEND_BACK in table.available(editor, approved)
    assert SEND_BACK not in table.available(journalist, approved)
    assert SEND_BACK not in workflow.available(editor, approved)  # the real table lacks it


def test_a_declared_transition_is_made_audited_and_announced(table, approved, editor):
    table.transition(approved, "send_back", editor, message="Check the quote.")
    send_pending_mail.call()
    assert approved.status == Status.DRAFT
    assert approved.workflow_note == "Check the quote."
    entry = AuditEntry.objects.filter(story=approved).latest("pk")
    assert (entry.action, entry.action_label, entry.from_status, entry.to_status) == (
        "send_back",
        "Returned to draft",
        "approved",
        "draft",
    )
    assert [m.subject for m in mail.outbox][-1] == "Returned: Pier closes"
    assert mail.outbox[-1].to == ["writer@example.org"]
    assert SEND_BACK.done_message(approved) == "Returned to the writers as a draft."


def test_a_declared_transition_keeps_its_own_rules(table, approved, journalist, editor):
    with pytest.raises(PermissionDenied):
        table.transition(approved, "send_back", journalist, message="No.")
    with pytest.raises(TransitionError):
        table.transition(approved, "send_back", editor)  # it needs a comment
    table.transition(approved, "send_back", editor, message="Check the quote.")
    with pytest.raises(TransitionError):
        table.transition(approved, "send_back", editor, message="Again.")  # now a draft


def test_a_transition_that_vouches_for_the_text_refuses_a_stale_page(approved, editor):
    seen = approved.version
    approved.lede = "Changed after the editor opened the page."
    approved.save()
    workflow.save_revision(approved, None, "Late change")
    with pytest.raises(workflow.StaleVersion, match="so it was not published"):
        workflow.transition(approved, "publish", editor, expected_version=seen)
    assert not Story.objects.get(pk=approved.pk).is_live


def test_the_schedule_rule_is_the_same_for_the_form_and_the_transition(approved, editor):
    past = timezone.now() - timedelta(minutes=1)
    with pytest.raises(TransitionError) as refused:
        workflow.transition(approved, "schedule", editor, publish_at=past)
    with pytest.raises(TransitionError) as validated:
        workflow.validate_schedule(past, None)
    assert refused.value.message_dict == validated.value.message_dict


# --- authorship --------------------------------------------------------------------------


def test_written_by_lists_a_story_once_without_distinct(journalist):
    author = make_author("Reporter", user=journalist)
    make_story("Mine twice over", authors=[author], created_by=journalist)
    stories = Story.objects.written_by(journalist)
    assert "DISTINCT" not in str(stories.query)
    assert [s.headline for s in stories] == ["Mine twice over"]


def test_written_by_and_writers_read_one_rule_both_ways(journalist, other_journalist, editor):
    mine = make_author("Mine", user=journalist)
    theirs = make_author("Theirs", user=other_journalist)
    stories = [
        make_story("Created by the journalist", created_by=journalist),
        make_story("Bylined to the journalist", authors=[mine]),
        make_story("Shared", authors=[mine, theirs], created_by=editor),
        make_story("Nobody's", authors=[make_author("Guest")]),
    ]
    people = [journalist, other_journalist, editor]
    for story in stories:
        writers = set(story.writers())
        for person in people:
            written = Story.objects.written_by(person).filter(pk=story.pk).exists()
            assert written == (person in writers) == story.is_written_by(person), (
                story.headline,
                person.username,
            )


# --- liveness ------------------------------------------------------------------------------


def test_is_live_agrees_with_published(editor):
    now = timezone.now()
    draft = make_story("Draft")
    live = make_story("Live", publish=True)
    edited = make_story("Live, being edited", publish=True)
    edited.lede = "Edited."
    edited.save()
    workflow.save_revision(edited, editor)
    gone = make_story("Taken down", publish=True)
    workflow.transition(gone, "unpublish", editor)
    future = make_story("Dated tomorrow")
    workflow.transition(future, "publish", editor, at=now + timedelta(days=1))
    stories = Story.objects.filter(pk__in=[s.pk for s in (draft, live, edited, gone, future)])
    published = set(Story.objects.published().values_list("pk", flat=True))
    assert {s.pk for s in stories if s.is_live} == published == {live.pk, edited.pk}


# --- preview links ---------------------------------------------------------------------------


@pytest.fixture
def draft(journalist):
    return make_story("Embargoed", created_by=journalist, by=journalist)


def link_to(story, number, **options):
    return PreviewLink.create_for(story.revisions.get(number=number), by=None, **options)


def state_of(link) -> str:
    return PreviewLink.objects.get(pk=link.pk).state


def test_a_link_to_a_draft_is_usable(draft, client):
    link, token = link_to(draft, 1)
    assert state_of(link) == PreviewLink.State.USABLE
    assert client.get(PreviewLink.url_for(token)).status_code == 200


def test_publishing_ends_the_links_and_points_to_the_story(draft, editor, client):
    link, token = link_to(draft, 1)
    workflow.transition(draft, "publish", editor)
    assert state_of(link) == PreviewLink.State.SUPERSEDED
    ended = client.get(PreviewLink.url_for(token))
    assert ended.status_code == 410
    assert draft.lede not in ended.text
    assert draft.get_absolute_url() in ended.text


def test_a_takedown_does_not_live_on_at_a_preview_address(draft, editor, journalist, client):
    workflow.transition(draft, "publish", editor)
    draft.lede = "A later change, shared for checking."
    draft.save()
    newer = workflow.save_revision(draft, journalist)
    link, token = link_to(draft, newer.number)
    assert state_of(link) == PreviewLink.State.USABLE  # changes not yet published
    workflow.transition(draft, "unpublish", editor)
    ended = client.get(PreviewLink.url_for(token))
    assert ended.status_code == 410
    assert "A later change" not in ended.text and "Embargoed" not in ended.text


def test_expired_and_revoked_links_open_nothing(draft, client):
    expired, expired_token = link_to(draft, 1, at=timezone.now() - timedelta(days=8))
    revoked, revoked_token = link_to(draft, 1)
    PreviewLink.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    assert state_of(expired) == PreviewLink.State.EXPIRED
    assert state_of(revoked) == PreviewLink.State.REVOKED
    assert client.get(PreviewLink.url_for(expired_token)).status_code == 404
    assert client.get(PreviewLink.url_for(revoked_token)).status_code == 404


def test_the_desk_and_the_admin_show_the_same_state(draft, editor, as_editor):
    link_to(draft, 1)
    workflow.transition(draft, "publish", editor)
    page = as_editor.get(reverse("history:preview-links", args=[draft.pk])).text
    assert "Superseded" in page
    listing = as_editor.get(reverse("admin:articles_previewlink_changelist")).text
    assert "Superseded" in listing
