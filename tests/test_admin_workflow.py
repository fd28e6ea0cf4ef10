"""The editorial workflow in the story admin, through HTTP: who sees which story, the
workflow buttons, stale saves, presence, corrections, the audit log and CSRF."""

from datetime import datetime, timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import (
    AuditEntry,
    BriefingSection,
    Byline,
    Correction,
    PreviewLink,
    RelatedLink,
    Status,
    Story,
)
from tests.conftest import add_row, change_url, form_values, messages_of, signed_in
from tests.factories import make_author, make_story, make_user

pytestmark = pytest.mark.django_db

CHANGELIST_URL = reverse("admin:articles_story_changelist")
AUTOCOMPLETE_URL = reverse("admin:autocomplete")
AUDIT_URL = reverse("admin:articles_auditentry_changelist")


def transition_url(story, name) -> str:
    return reverse("admin:articles_story_transition", args=[story.pk, name])


def press(client, story, name, **data):
    """Press workflow button ``name`` as the story page offers it; follow the redirect."""
    story.refresh_from_db()
    return client.post(transition_url(story, name), {"version": story.version, **data}, follow=True)


def local_input(moment: datetime) -> str:
    """What a ``datetime-local`` input sends for ``moment``, in the current time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def errors_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level_tag == "error"]


@pytest.fixture
def story(journalist):
    """Journalist A's draft."""
    return make_story(
        "Secret council deal",
        lede="The council agreed a secret deal on the harbour.",
        created_by=journalist,
        by=journalist,
    )


def in_review(story, journalist):
    workflow.transition(story, "submit", journalist)
    return story


def approved(story, journalist, editor):
    in_review(story, journalist)
    workflow.transition(story, "approve", editor)
    return story


# --- who sees which story ------------------------------------------------------------


def test_journalist_b_opening_a_story_by_id_is_told_it_does_not_exist(as_other_journalist, story):
    response = as_other_journalist.get(change_url(story), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert any("doesn’t exist" in m for m in messages_of(response))
    assert b"secret deal on the harbour" not in response.content


def test_journalist_b_posting_to_a_story_changes_nothing(as_journalist, as_other_journalist, story):
    data = form_values(as_journalist.get(change_url(story))) | {"headline": "Hijacked"}
    response = as_other_journalist.post(change_url(story), data)
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.headline == "Secret council deal"
    assert story.revisions.count() == 1


def test_journalist_b_sees_only_their_own_stories_in_the_list(
    as_other_journalist, story, other_journalist
):
    make_story("B's council story", created_by=other_journalist)
    response = as_other_journalist.get(CHANGELIST_URL, {"q": "council"})
    assert [s.headline for s in response.context["cl"].result_list] == ["B's council story"]


def test_journalist_b_cannot_open_the_admin_history_of_a_story(as_other_journalist, story):
    url = reverse("admin:articles_story_history", args=[story.pk])
    response = as_other_journalist.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_journalist_b_cannot_press_a_button_on_a_story(as_other_journalist, story):
    assert (
        as_other_journalist.post(transition_url(story, "submit"), {"version": 1}).status_code == 404
    )
    story.refresh_from_db()
    assert story.status == Status.DRAFT


def test_journalist_b_sees_neither_revisions_nor_preview_links_of_a_story(
    as_other_journalist, story, journalist
):
    PreviewLink.create_for(story.latest_revision(), by=journalist)
    revisions = as_other_journalist.get(reverse("admin:articles_revision_changelist"))
    links = as_other_journalist.get(reverse("admin:articles_previewlink_changelist"))
    assert list(revisions.context["cl"].result_list) == []
    assert list(links.context["cl"].result_list) == []


def test_byline_journalist_sees_the_story_in_the_list(as_other_journalist, story, other_journalist):
    story.bylines.create(author=make_author("Reporter B", user=other_journalist))
    response = as_other_journalist.get(CHANGELIST_URL)
    assert [s.headline for s in response.context["cl"].result_list] == ["Secret council deal"]


def go_deeper_search(client, term=""):
    response = client.get(
        AUTOCOMPLETE_URL,
        {
            "term": term,
            "app_label": "articles",
            "model_name": "relatedlink",
            "field_name": "target",
        },
    )
    assert response.status_code == 200
    return sorted(r["text"] for r in response.json()["results"])


def test_go_deeper_search_offers_a_journalist_published_stories_and_their_own(
    as_other_journalist, story, other_journalist
):
    make_story("Harbour reopens", publish=True)
    make_story("Harbour plans by B", created_by=other_journalist)
    assert go_deeper_search(as_other_journalist) == ["Harbour plans by B", "Harbour reopens"]


def test_go_deeper_search_offers_an_editor_every_story(as_editor, story):
    make_story("Harbour reopens", publish=True)
    assert go_deeper_search(as_editor) == ["Harbour reopens", "Secret council deal"]


def test_journalist_cannot_link_to_someone_elses_draft_by_id(
    as_other_journalist, story, other_journalist
):
    own = make_story("B's story", created_by=other_journalist)
    data = form_values(as_other_journalist.get(change_url(own)))
    add_row(data, "related_links", position=0, title="Leak", target=story.pk, url="")
    response = as_other_journalist.post(change_url(own), data)
    assert response.status_code == 200
    assert "target" in response.context["inline_admin_formsets"][2].formset.errors[0]
    assert not own.related_links.exists()


def test_an_existing_link_to_a_story_the_journalist_cannot_see_survives_a_save(
    as_other_journalist, story, other_journalist, editor
):
    own = make_story("B's story", created_by=other_journalist, links=[("Context", story)])
    response = as_other_journalist.post(
        change_url(own), form_values(as_other_journalist.get(change_url(own)))
    )
    assert response.status_code == 302
    assert own.related_links.get().target == story


def test_story_children_have_no_admin_pages_of_their_own():
    assert not any(admin.site.is_registered(m) for m in (Byline, BriefingSection, RelatedLink))


# --- the workflow buttons -------------------------------------------------------------


def test_journalist_is_offered_only_submit_on_a_draft(as_journalist, story):
    response = as_journalist.get(change_url(story))
    offered = [item["step"].name for item in response.context["transitions"]]
    assert offered == ["submit"]
    assert transition_url(story, "submit").encode() in response.content


def test_editor_is_offered_review_buttons_on_a_story_in_review(as_editor, story, journalist):
    in_review(story, journalist)
    response = as_editor.get(change_url(story))
    offered = [item["step"].name for item in response.context["transitions"]]
    assert offered == ["request_changes", "approve", "publish"]


def test_journalist_submits_a_story_for_review(as_journalist, story, journalist):
    response = press(as_journalist, story, "submit")
    story.refresh_from_db()
    assert story.status == Status.IN_REVIEW
    assert response.redirect_chain[-1][0] == change_url(story)
    assert any("Submitted for review" in m for m in messages_of(response))


def test_a_button_press_is_audited_with_the_address(as_journalist, story, journalist):
    as_journalist.post(
        transition_url(story, "submit"), {"version": story.version}, REMOTE_ADDR="203.0.113.9"
    )
    entry = AuditEntry.objects.get(action="submit")
    assert (entry.actor, entry.ip_address, entry.to_status) == (
        journalist,
        "203.0.113.9",
        Status.IN_REVIEW,
    )


def test_editor_requests_changes_with_a_comment(as_editor, story, journalist):
    in_review(story, journalist)
    press(as_editor, story, "request_changes", message="Name the second source.")
    story.refresh_from_db()
    assert story.status == Status.CHANGES_REQUESTED
    assert story.workflow_note == "Name the second source."


def test_writers_see_the_reviewer_comment_on_the_form(as_journalist, story, journalist, editor):
    in_review(story, journalist)
    workflow.transition(story, "request_changes", editor, message="Name the second source.")
    response = as_journalist.get(change_url(story))
    assert b"What the reviewer asked for" in response.content
    assert b"Name the second source." in response.content


def test_request_changes_without_a_comment_changes_nothing(as_editor, story, journalist):
    in_review(story, journalist)
    response = press(as_editor, story, "request_changes", message="  ")
    story.refresh_from_db()
    assert story.status == Status.IN_REVIEW
    assert any("Write a comment for the writers" in m for m in errors_of(response))


def test_editor_approves_a_story_in_review(as_editor, story, journalist):
    in_review(story, journalist)
    press(as_editor, story, "approve")
    story.refresh_from_db()
    assert story.status == Status.APPROVED
    assert story.approved_revision == story.latest_revision()


def test_approve_is_refused_when_the_story_was_saved_since_the_page_opened(
    as_editor, story, journalist
):
    in_review(story, journalist)
    seen = story.version
    story.lede = "A different lede, written after the editor opened the page."
    story.save()
    workflow.save_revision(story, journalist)
    workflow.transition(story, "submit", journalist)
    response = as_editor.post(transition_url(story, "approve"), {"version": seen}, follow=True)
    story.refresh_from_db()
    assert story.status == Status.IN_REVIEW
    assert any("saved since you opened it" in m for m in errors_of(response))


def test_editor_schedules_an_approved_story_in_the_current_time_zone(
    settings, as_editor, story, journalist, editor
):
    settings.TIME_ZONE = "Europe/Berlin"
    approved(story, journalist, editor)
    response = press(as_editor, story, "schedule", publish_at="2099-03-01T06:30", expire_at="")
    story.refresh_from_db()
    assert story.status == Status.SCHEDULED
    berlin = timezone.get_current_timezone()
    assert story.scheduled_at == datetime(2099, 3, 1, 6, 30, tzinfo=berlin)
    assert story.expire_at is None
    assert any("Scheduled" in m for m in messages_of(response))


def test_scheduled_story_page_shows_when_it_goes_live_and_comes_off(
    as_editor, story, journalist, editor
):
    approved(story, journalist, editor)
    publish_at = timezone.now() + timedelta(days=2)
    workflow.transition(
        story,
        "schedule",
        editor,
        publish_at=publish_at,
        expire_at=publish_at + timedelta(days=1),
    )
    response = as_editor.get(change_url(story))
    assert b"Goes live" in response.content
    assert b"Comes off the site" in response.content
    assert b"Cancel schedule" in response.content


def test_schedule_in_the_past_changes_nothing(as_editor, story, journalist, editor):
    approved(story, journalist, editor)
    past = local_input(timezone.now() - timedelta(hours=1))
    response = press(as_editor, story, "schedule", publish_at=past)
    story.refresh_from_db()
    assert story.status == Status.APPROVED
    assert story.scheduled_at is None
    assert any("future" in m for m in errors_of(response))


def test_expiry_before_the_publish_time_changes_nothing(as_editor, story, journalist, editor):
    approved(story, journalist, editor)
    publish_at = timezone.now() + timedelta(days=1)
    response = press(
        as_editor,
        story,
        "schedule",
        publish_at=local_input(publish_at),
        expire_at=local_input(publish_at - timedelta(hours=2)),
    )
    story.refresh_from_db()
    assert story.status == Status.APPROVED
    assert any("expiry must come after" in m for m in errors_of(response))


def test_editor_cancels_a_schedule(as_editor, story, journalist, editor):
    approved(story, journalist, editor)
    workflow.transition(story, "schedule", editor, publish_at=timezone.now() + timedelta(days=1))
    press(as_editor, story, "cancel_schedule")
    story.refresh_from_db()
    assert (story.status, story.scheduled_at) == (Status.APPROVED, None)


@pytest.mark.parametrize("name", ["approve", "publish", "request_changes"])
def test_journalist_posting_an_editors_button_is_forbidden(as_journalist, story, journalist, name):
    in_review(story, journalist)
    response = as_journalist.post(
        transition_url(story, name), {"version": story.version, "message": "Fine by me."}
    )
    assert response.status_code == 403
    story.refresh_from_db()
    assert story.status == Status.IN_REVIEW
    assert not story.is_live


def test_get_on_a_button_url_is_not_allowed(as_editor, story):
    response = as_editor.get(transition_url(story, "publish"))
    assert response.status_code == 405
    story.refresh_from_db()
    assert not story.is_live


def test_unknown_button_is_not_found(as_editor, story):
    assert as_editor.post(transition_url(story, "delete_everything"), {}).status_code == 404


def test_button_in_the_wrong_state_is_a_message_and_no_change(as_editor, story):
    response = press(as_editor, story, "approve")
    story.refresh_from_db()
    assert story.status == Status.DRAFT
    assert any("cannot be changed with “Approve”" in m for m in errors_of(response))


def test_story_form_says_what_editing_a_reviewed_story_does(as_journalist, story, journalist):
    in_review(story, journalist)
    response = as_journalist.get(change_url(story))
    assert b"sends it back to draft: it must be submitted and approved again." in response.content


def test_editing_an_approved_story_sends_it_back_to_draft(as_journalist, story, journalist, editor):
    approved(story, journalist, editor)
    data = form_values(as_journalist.get(change_url(story))) | {"lede": "A new lede."}
    response = as_journalist.post(change_url(story), data, follow=True)
    story.refresh_from_db()
    assert story.status == Status.DRAFT
    assert any("a draft again" in str(m) for m in response.context["messages"])


# --- fields the story form does not take -------------------------------------------------


def test_workflow_fields_posted_in_the_story_form_are_ignored(
    as_journalist, as_editor, story, journalist
):
    other = make_story("Someone's revision")
    data = form_values(as_journalist.get(change_url(story))) | {
        "status": "published",
        "live_revision": str(other.latest_revision().pk),
        "version": "99",
        "created_by": str(make_user("impostor").pk),
        "first_published_at": "2020-01-01 00:00",
        "lede": "Edited lede.",
    }
    response = as_journalist.post(change_url(story), data)
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.lede == "Edited lede."
    assert (story.status, story.live_revision, story.created_by) == (Status.DRAFT, None, journalist)
    assert story.first_published_at is None
    assert story.version == 2
    assert not Story.objects.published().filter(pk=story.pk).exists()


# --- two people saving the same story ----------------------------------------------------


def test_the_second_of_two_saves_from_the_same_version_is_refused_and_keeps_its_text(
    as_journalist, as_editor, story, journalist
):
    first = form_values(as_journalist.get(change_url(story)))
    second = form_values(as_editor.get(change_url(story)))

    saved = as_journalist.post(change_url(story), first | {"lede": "The journalist's lede."})
    refused = as_editor.post(change_url(story), second | {"lede": "The editor's lede."})

    assert saved.status_code == 302
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.non_field_errors()
    assert (
        "Someone else saved this story since you opened it (revision 2 by journalist" in (errors[0])
    )
    assert b"The editor&#x27;s lede." in refused.content
    compare = reverse("history:compare", args=[story.pk]) + "?a=1&amp;b=2"
    assert compare.encode() in refused.content
    story.refresh_from_db()
    assert story.lede == "The journalist's lede."
    assert story.revisions.count() == 2


def test_a_save_from_the_current_version_goes_through(as_journalist, story):
    as_journalist.post(change_url(story), form_values(as_journalist.get(change_url(story))))
    data = form_values(as_journalist.get(change_url(story))) | {"lede": "Second edit."}
    assert as_journalist.post(change_url(story), data).status_code == 302
    story.refresh_from_db()
    assert story.lede == "Second edit."


def test_a_save_without_the_form_version_is_refused(as_journalist, story):
    data = form_values(as_journalist.get(change_url(story))) | {"lede": "No version."}
    del data["base_version"]
    response = as_journalist.post(change_url(story), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    story.refresh_from_db()
    assert story.lede != "No version."


# --- who else has the story open ----------------------------------------------------------


def test_the_form_says_who_else_is_editing(as_journalist, as_editor, story):
    as_editor.get(change_url(story))
    response = as_journalist.get(change_url(story))
    assert b"Being edited by" in response.content
    assert [p.user.username for p in response.context["others_editing"]] == ["editor"]


def test_nobody_else_editing_shows_no_notice(as_journalist, story):
    as_journalist.get(change_url(story))
    response = as_journalist.get(change_url(story))
    assert b"Being edited by" not in response.content


# --- corrections ---------------------------------------------------------------------------


@pytest.fixture
def live_story(journalist, editor):
    return make_story("Harbour reopens", created_by=journalist, publish=True, by=editor)


def correction_url(story) -> str:
    return reverse("admin:articles_story_correction", args=[story.pk])


def test_editor_sees_the_correction_form_on_a_live_story(as_editor, live_story):
    response = as_editor.get(change_url(live_story))
    assert b"Add a correction, clarification or update" in response.content
    assert correction_url(live_story).encode() in response.content


def test_no_correction_form_on_a_draft(as_editor, story):
    response = as_editor.get(change_url(story))
    assert b"Add a correction, clarification or update" not in response.content


def test_journalist_sees_corrections_but_no_form(as_journalist, live_story, editor):
    workflow.correct(live_story, "update", "The harbour opens at nine.", editor)
    response = as_journalist.get(change_url(live_story))
    assert b"The harbour opens at nine." in response.content
    assert correction_url(live_story).encode() not in response.content


def test_editor_adds_a_correction_from_the_story_form_without_reapproval(
    as_editor, live_story, editor
):
    live_revision = live_story.live_revision
    response = as_editor.post(
        correction_url(live_story),
        {"kind": "clarification", "text": "The harbour is in the old town."},
        follow=True,
    )
    correction = Correction.objects.get()
    assert (correction.story, correction.kind, correction.created_by) == (
        live_story,
        "clarification",
        editor,
    )
    live_story.refresh_from_db()
    assert (live_story.status, live_story.live_revision) == (Status.PUBLISHED, live_revision)
    assert b"The harbour is in the old town." in response.content


def test_journalist_posting_a_correction_is_forbidden(as_journalist, live_story):
    response = as_journalist.post(correction_url(live_story), {"kind": "update", "text": "Hi."})
    assert response.status_code == 403
    assert not Correction.objects.exists()


def test_correction_on_a_draft_is_a_message_and_nothing_is_added(as_editor, story):
    response = as_editor.post(
        correction_url(story), {"kind": "correction", "text": "Fixed."}, follow=True
    )
    assert any("published stories" in m for m in errors_of(response))
    assert not Correction.objects.exists()


def test_empty_correction_is_a_message_and_nothing_is_added(as_editor, live_story):
    response = as_editor.post(
        correction_url(live_story), {"kind": "correction", "text": "   "}, follow=True
    )
    assert errors_of(response)
    assert not Correction.objects.exists()


def test_get_on_the_correction_url_is_not_allowed(as_editor, live_story):
    assert as_editor.get(correction_url(live_story)).status_code == 405


# --- the audit log and preview links: read-only -------------------------------------------


def test_editor_reads_the_audit_log(as_editor, story, journalist):
    in_review(story, journalist)
    response = as_editor.get(AUDIT_URL)
    assert response.status_code == 200
    assert b"Secret council deal" in response.content
    assert b"Draft \xe2\x86\x92 In review" in response.content


def test_audit_log_is_searchable_by_headline(as_editor, story, journalist):
    in_review(story, journalist)
    other = make_story("Other", created_by=journalist)
    in_review(other, journalist)
    response = as_editor.get(AUDIT_URL, {"q": "council"})
    assert [e.story_headline for e in response.context["cl"].result_list] == ["Secret council deal"]


def test_journalist_cannot_read_the_audit_log(as_journalist):
    assert as_journalist.get(AUDIT_URL).status_code == 403


@pytest.mark.parametrize("who", ["editor", "admin_user"])
def test_nobody_adds_changes_or_deletes_audit_entries(request, who, story, journalist):
    client = signed_in(request.getfixturevalue(who))
    in_review(story, journalist)
    entry = AuditEntry.objects.get()
    add = reverse("admin:articles_auditentry_add")
    change = reverse("admin:articles_auditentry_change", args=[entry.pk])
    delete = reverse("admin:articles_auditentry_delete", args=[entry.pk])
    assert client.get(add).status_code == 403
    assert client.post(add, {"action": "publish", "message": "forged"}).status_code == 403
    assert client.post(change, {"message": "rewritten"}).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(change).status_code == 200
    assert AuditEntry.objects.get().message == entry.message
    assert AuditEntry.objects.count() == 1


def test_preview_links_are_listed_but_never_edited(as_editor, story, journalist):
    link, _token = PreviewLink.create_for(story.latest_revision(), by=journalist, note="Source")
    listing = as_editor.get(reverse("admin:articles_previewlink_changelist"))
    assert listing.status_code == 200
    assert b"Source" in listing.content
    assert as_editor.get(reverse("admin:articles_previewlink_add")).status_code == 403
    change = reverse("admin:articles_previewlink_change", args=[link.pk])
    assert as_editor.post(change, {"note": "changed"}).status_code == 403
    delete = reverse("admin:articles_previewlink_delete", args=[link.pk])
    assert as_editor.post(delete, {"post": "yes"}).status_code == 403
    assert PreviewLink.objects.get().note == "Source"


# --- links to the story's history ----------------------------------------------------------


def test_the_form_links_to_history_and_preview_links(as_journalist, story):
    response = as_journalist.get(change_url(story))
    assert reverse("history:list", args=[story.pk]).encode() in response.content
    assert reverse("history:preview-links", args=[story.pk]).encode() in response.content


# --- CSRF ------------------------------------------------------------------------------------


def test_story_form_without_csrf_token_is_refused(journalist, story):
    client = signed_in(journalist, enforce_csrf_checks=True)
    data = form_values(client.get(change_url(story))) | {"lede": "Forged."}
    assert client.post(change_url(story), data).status_code == 403
    story.refresh_from_db()
    assert story.lede != "Forged."


def test_button_without_csrf_token_is_refused(editor, story, journalist):
    in_review(story, journalist)
    client = signed_in(editor, enforce_csrf_checks=True)
    response = client.post(transition_url(story, "publish"), {"version": story.version})
    assert response.status_code == 403
    story.refresh_from_db()
    assert not story.is_live


def test_correction_without_csrf_token_is_refused(editor, live_story):
    client = signed_in(editor, enforce_csrf_checks=True)
    response = client.post(correction_url(live_story), {"kind": "update", "text": "Forged."})
    assert response.status_code == 403
    assert not Correction.objects.exists()


def test_reviewer_without_change_right_gets_a_read_only_form(story):
    viewer = make_user("desk_viewer", perms=["view_story", "review_story"])
    response = signed_in(viewer).get(change_url(story))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert b"field-base_version" not in response.content
    assert b"secret deal on the harbour" in response.content
