"""The house rules at the gates: blocking refuses with the list of what to fix, warnings
let a step through and say why, an editor may override a blocking rule with a reason
(audited), and the scheduled publication keeps the same rules."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import AuditEntry, HouseRule, Status, Story
from tests.conftest import change_url, messages_of
from tests.factories import make_author, make_section, make_story

pytestmark = [pytest.mark.django_db, pytest.mark.house_rules]

WHY = ("Why it matters", "<p>Because it changes what you pay.</p>")


@pytest.fixture
def tight(journalist):
    """A story that keeps every rule."""
    author = make_author("Reporter", user=journalist)
    return make_story(
        "Council raises bus fares",
        lede="The council raised bus fares by ten cents on Monday.",
        authors=[author],
        sections=[WHY],
        section=make_section("City"),
        created_by=journalist,
        by=journalist,
    )


@pytest.fixture
def bare(journalist):
    """A story with no byline, no section and no "Why it matters" (the issue's first example)."""
    return make_story(
        "Council raises bus fares",
        lede="The council raised bus fares by ten cents on Monday.",
        created_by=journalist,
        by=journalist,
    )


def press(client, story, name, **data):
    story.refresh_from_db()
    url = reverse("admin:articles_story_transition", args=[story.pk, name])
    return client.post(url, {"version": story.version, **data}, follow=True)


def test_a_story_that_keeps_the_rules_goes_through(tight, journalist, editor):
    workflow.transition(tight, "submit", journalist)
    workflow.transition(tight, "approve", editor)
    workflow.transition(tight, "publish", editor)
    assert tight.is_live


def test_a_blocking_rule_refuses_the_step_with_what_to_fix(bare, editor):
    with pytest.raises(workflow.RulesFailed) as refused:
        workflow.transition(bare, "publish", editor)
    codes = [failure.code for failure in refused.value.failures]
    assert codes == ["byline", "desk", "why_it_matters"]
    bare.refresh_from_db()
    assert not bare.is_live and bare.status == Status.DRAFT
    assert not AuditEntry.objects.filter(story=bare, action="publish").exists()


def test_the_refusal_lists_each_fault_linking_to_its_field(bare, as_editor):
    page = press(as_editor, bare, "publish")
    [refusal] = [m for m in messages_of(page) if "Not published" in m]
    assert '<a href="#bylines">Add a byline' in refusal
    assert '<a href="#section">Choose the section' in refusal


def test_a_warning_lets_the_step_through_and_says_why(journalist, as_journalist):
    story = make_story(
        "Council raises bus fares",
        lede="The council raised bus fares by ten cents on Monday.",
        authors=[make_author("Reporter", user=journalist)],
        created_by=journalist,
        by=journalist,
    )
    page = press(as_journalist, story, "submit")  # at submit these two only warn
    story.refresh_from_db()
    assert story.status == Status.IN_REVIEW
    said = messages_of(page)
    assert any("Choose the section" in m for m in said)
    assert any("Why it matters" in m for m in said)


def test_a_byline_is_needed_even_to_submit(bare, journalist):
    with pytest.raises(workflow.RulesFailed, match="Add a byline"):
        workflow.transition(bare, "submit", journalist)


def test_an_editor_overrides_a_blocking_rule_with_a_reason_and_the_history_keeps_it(
    bare, editor, as_editor
):
    page = press(as_editor, bare, "publish", override_reason="Breaking news: byline to follow.")
    bare.refresh_from_db()
    assert bare.is_live
    override = AuditEntry.objects.get(story=bare, action="rules_overridden")
    assert "Breaking news" in override.message and "Add a byline" in override.message
    history = as_editor.get(reverse("history:list", args=[bare.pk])).text
    assert "Overrode house rules" in history
    assert page.status_code == 200


def test_a_journalist_cannot_override(bare, journalist):
    with pytest.raises(workflow.RulesFailed) as refused:
        workflow.transition(bare, "submit", journalist, override_reason="Trust me.")
    assert refused.value.overridable is False


def test_the_override_needs_a_written_reason(bare, editor):
    with pytest.raises(workflow.RulesFailed):
        workflow.transition(bare, "publish", editor, override_reason="   ")


def test_editors_weigh_the_rules_in_the_admin(bare, editor, as_editor):
    HouseRule.objects.filter(code__in=["byline", "desk", "why_it_matters"]).update(
        on_publish="warn"
    )
    page = press(as_editor, bare, "publish")
    bare.refresh_from_db()
    assert bare.is_live
    assert any("Add a byline" in m for m in messages_of(page))


def test_editors_change_a_limit(tight, journalist, editor):
    HouseRule.objects.filter(code="headline_chars").update(limit=10, on_approve="block")
    workflow.transition(tight, "submit", journalist)
    with pytest.raises(workflow.RulesFailed, match="The headline has 24 characters"):
        workflow.transition(tight, "approve", editor)


def test_approve_is_refused_while_a_review_comment_is_open(tight, journalist, editor):
    workflow.transition(tight, "submit", journalist)
    if not hasattr(tight, "comments"):
        pytest.skip("the review conversation is not installed")
    workflow.add_comment(tight, editor, "Source this figure.", anchor_kind="lede")
    with pytest.raises(workflow.RulesFailed, match="review comment"):
        workflow.transition(tight, "approve", editor)


def test_the_admin_home_lists_the_rules_for_editors(as_editor):
    listing = as_editor.get(reverse("admin:articles_houserule_changelist")).text
    assert "The headline is at most 70 characters" in listing


# --- the scheduled publication ----------------------------------------------------------


@pytest.mark.slow  # the worker runs its jobs outside a test transaction
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_scheduled_story_that_breaks_a_blocking_rule_is_not_published(tight, journalist, editor):
    editor.email = "editor@example.org"
    editor.save()
    workflow.transition(tight, "submit", journalist)
    workflow.transition(tight, "approve", editor)
    publish_at = timezone.now() + timedelta(hours=1)
    workflow.transition(tight, "schedule", editor, publish_at=publish_at)
    # Meanwhile the house rules tighten: the story no longer keeps them.
    HouseRule.objects.filter(code="story_words").update(limit=5, on_publish="block")
    with time_machine.travel(publish_at + timedelta(minutes=1)):
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
        story = Story.objects.get(pk=tight.pk)
        assert not story.is_live
    assert story.status == Status.APPROVED and story.scheduled_at is None
    assert "the house rules refused it" in story.workflow_note
    assert editor.notices.filter(kind="schedule_refused").exists()


def test_the_change_page_offers_the_override_to_editors_only(bare, as_editor, as_journalist):
    assert "Despite the house rules" in as_editor.get(change_url(bare)).text
    assert "Despite the house rules" not in as_journalist.get(change_url(bare)).text
