"""The editors' loop (issue 11), through HTTP: one click per step from the story form
("Save and submit for review", "Save and publish", "Save and schedule"), the writer's
own byline on a new story, a chosen picture kept across errors, the address that
follows the headline until publication, and the review from the staff preview (the
diff since the last review, buttons bound to the version shown)."""

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles import workflow
from articles.admin.story import StoryAdmin
from articles.forms import PENDING_FOLDER
from articles.models import AuditEntry, Status, Story
from tests.conftest import add_row, change_url, form_values, messages_of, signed_in
from tests.factories import make_author, make_story, make_user

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:articles_story_add")
BUTTONS = ("_submit_for_review", "_publish", "_schedule")


def new_story(client, headline="Council raises bus fares", **changes) -> dict:
    """The add form as a browser posts it back once the headline and lede are typed."""
    data = form_values(client.get(ADD_URL))
    return data | {"headline": headline, "lede": "Bus fares go up ten cents in May."} | changes


def edited(client, story, **changes) -> dict:
    return form_values(client.get(change_url(story))) | changes


def buttons_on(response) -> set[str]:
    """The "Save and …" buttons of the story form, by their POST key."""
    found = re.findall(rb'name="(_submit_for_review|_publish|_schedule)"', response.content)
    return {name.decode() for name in found}


def preview_url(story) -> str:
    return reverse("articles:story-preview", args=[story.pk])


@pytest.fixture
def byline(journalist):
    return make_author("Nadia Osei", user=journalist)


@pytest.fixture
def draft(journalist, byline):
    return make_story(
        "Night buses for the east side",
        authors=[byline],
        sections=[("Why it matters", "<p>Shift workers wait two hours.</p>")],
        created_by=journalist,
        by=journalist,
    )


# --- one click per step: which buttons, and where ---------------------------------------------


def test_journalist_gets_save_and_submit_on_a_new_story_at_the_top_and_bottom(as_journalist):
    response = as_journalist.get(ADD_URL)
    assert buttons_on(response) == {"_submit_for_review"}
    assert response.content.count(b'name="_submit_for_review"') == 2
    assert b'value="Save and submit for review"' in response.content


def test_plain_save_comes_first_so_that_enter_only_saves(as_journalist):
    content = as_journalist.get(ADD_URL).content.decode()
    first_submit = re.search(r'<input type="submit"[^>]*name="(\w+)"', content)
    assert first_submit[1] == "_save"


def test_editor_gets_save_and_publish_on_a_draft(as_editor, draft):
    assert buttons_on(as_editor.get(change_url(draft))) == {"_submit_for_review", "_publish"}


def test_editor_gets_save_and_schedule_on_an_approved_story(as_editor, editor, journalist, draft):
    workflow.transition(draft, "submit", journalist)
    workflow.transition(draft, "approve", editor)
    response = as_editor.get(change_url(draft))
    # Submitting again is for when the changes being saved send it back to draft.
    assert buttons_on(response) == {"_submit_for_review", "_publish", "_schedule"}
    # The schedule is asked for in each row of buttons, under a prefix of its own.
    assert b'name="schedule-top-publish_at"' in response.content
    assert b'name="schedule-bottom-publish_at"' in response.content
    assert (
        b"required"
        not in re.search(rb"<input[^>]*schedule-top-publish_at[^>]*>", response.content)[0]
    )


def test_writer_of_a_story_in_review_may_save_and_submit_again(as_journalist, journalist, draft):
    workflow.transition(draft, "submit", journalist)
    assert buttons_on(as_journalist.get(change_url(draft))) == {"_submit_for_review"}


def test_no_buttons_for_a_reviewer_without_the_right_to_change(draft):
    reader = make_user("reviewer", perms=["view_story", "review_story"])
    assert buttons_on(signed_in(reader).get(change_url(draft))) == set()


# --- one click per step: what they do ----------------------------------------------------------


def test_journalist_goes_from_a_new_story_to_in_review_in_one_click(as_journalist, byline):
    data = new_story(as_journalist)
    add_row(data, "bylines", author=byline.pk, position=0)
    response = as_journalist.post(ADD_URL, data | {"_submit_for_review": "Save and submit"})
    story = Story.objects.get()
    assert response.status_code == 302
    assert response["Location"] == change_url(story)
    assert story.status == Status.IN_REVIEW
    assert story.revisions.count() == 1
    page = as_journalist.get(response["Location"])
    assert any(m.startswith("Submitted for review.") for m in messages_of(page))
    actions = list(AuditEntry.objects.filter(story=story).values_list("action", flat=True))
    assert "submit" in actions


def test_save_and_submit_saves_the_text_before_submitting(as_journalist, draft):
    data = edited(as_journalist, draft, lede="A sharper lede.")
    as_journalist.post(change_url(draft), data | {"_submit_for_review": "1"})
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW
    assert draft.latest_revision().snapshot["lede"] == "A sharper lede."


@pytest.mark.house_rules
def test_a_refusal_by_the_house_rules_keeps_the_text_saved_and_lists_what_to_fix(as_journalist):
    data = new_story(as_journalist, lede="")  # no lede, no byline: both block submitting
    response = as_journalist.post(ADD_URL, data | {"_submit_for_review": "1"}, follow=True)
    story = Story.objects.get()
    assert story.status == Status.DRAFT
    assert story.revisions.count() == 1
    said = " ".join(messages_of(response))
    assert "Not submitted for review: fix these first." in said
    assert 'href="#lede"' in said
    assert 'href="#bylines"' in said


@pytest.mark.house_rules
def test_a_provisional_headline_blocks_save_and_submit(as_journalist, journalist, byline):
    story = make_story(
        "Draft: The council voted",
        headline_is_provisional=True,
        authors=[byline],
        created_by=journalist,
        by=journalist,
    )
    response = as_journalist.post(
        change_url(story), edited(as_journalist, story) | {"_submit_for_review": "1"}, follow=True
    )
    story.refresh_from_db()
    assert story.status == Status.DRAFT
    assert any("placeholder: write a real one" in m for m in messages_of(response))

    data = edited(as_journalist, story, headline="Council votes for night buses")
    as_journalist.post(change_url(story), data | {"_submit_for_review": "1"})
    story.refresh_from_db()
    assert (story.status, story.headline_is_provisional) == (Status.IN_REVIEW, False)


def test_editor_saves_and_publishes_a_story_in_review(as_editor, journalist, draft):
    workflow.transition(draft, "submit", journalist)
    data = edited(as_editor, draft, lede="Edited on the desk.")
    response = as_editor.post(change_url(draft), data | {"_publish": "1"}, follow=True)
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED
    assert draft.live_revision.snapshot["lede"] == "Edited on the desk."
    assert any(m.startswith("Published") for m in messages_of(response))


def test_editor_saves_and_publishes_a_change_to_a_live_story(as_editor, editor, draft):
    workflow.transition(draft, "publish", editor)
    data = edited(as_editor, draft, lede="Updated after publication.")
    as_editor.post(change_url(draft), data | {"_publish": "1"})
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED
    assert draft.live_revision.snapshot["lede"] == "Updated after publication."


def test_save_and_publish_without_changes_on_a_live_story_says_so(as_editor, editor, draft):
    workflow.transition(draft, "publish", editor)
    response = as_editor.post(
        change_url(draft), edited(as_editor, draft) | {"_publish": "1"}, follow=True
    )
    assert "Saved. The story is published already." in messages_of(response)


def test_journalist_posting_save_and_publish_saves_but_does_not_publish(as_journalist, draft):
    data = edited(as_journalist, draft, lede="Mine.")
    response = as_journalist.post(change_url(draft), data | {"_publish": "1"}, follow=True)
    draft.refresh_from_db()
    assert draft.lede == "Mine."
    assert (draft.status, draft.is_live) == (Status.DRAFT, False)
    assert "Saved, but not published: you may not do that on this story." in messages_of(response)


def approved(story, journalist, editor):
    workflow.transition(story, "submit", journalist)
    workflow.transition(story, "approve", editor)
    story.refresh_from_db()
    return story


def test_editor_saves_and_schedules_an_approved_story(as_editor, editor, journalist, draft):
    approved(draft, journalist, editor)
    when = timezone.localtime() + timedelta(days=2)
    data = edited(as_editor, draft) | {
        "_schedule": "bottom",
        "schedule-bottom-publish_at": when.strftime("%Y-%m-%dT%H:%M"),
        "schedule-top-publish_at": "",
    }
    response = as_editor.post(change_url(draft), data, follow=True)
    draft.refresh_from_db()
    assert draft.status == Status.SCHEDULED
    assert draft.scheduled_at == when.replace(second=0, microsecond=0)
    assert any(m.startswith("Scheduled: the story goes live at") for m in messages_of(response))


def test_save_and_schedule_in_the_past_saves_the_text_and_schedules_nothing(
    as_editor, editor, journalist, draft
):
    approved(draft, journalist, editor)
    data = edited(as_editor, draft, dek="A new subheadline.") | {
        "_schedule": "top",
        "schedule-top-publish_at": "2001-01-01T09:00",
    }
    response = as_editor.post(change_url(draft), data, follow=True)
    draft.refresh_from_db()
    assert draft.dek == "A new subheadline."
    assert draft.status == Status.DRAFT  # the change needs a new review
    assert any(m.startswith("Saved, but not scheduled") for m in messages_of(response))


def test_save_and_publish_is_refused_if_someone_saved_in_between(
    as_editor, editor, draft, monkeypatch
):
    """The step vouches for the version just saved: a save that lands in between wins."""
    take_step = StoryAdmin.take_step_after_save

    def someone_saves_first(admin, request, story, button):
        Story.objects.filter(pk=story.pk).update(lede="Theirs.")
        workflow.save_revision(Story.objects.get(pk=story.pk), editor, "In between")
        return take_step(admin, request, story, button)

    monkeypatch.setattr(StoryAdmin, "take_step_after_save", someone_saves_first)
    data = edited(as_editor, draft, lede="Mine.") | {"_publish": "1"}
    response = as_editor.post(change_url(draft), data, follow=True)
    draft.refresh_from_db()
    assert not draft.is_live
    assert any("was saved since you opened it" in m for m in messages_of(response))


# --- the form itself ------------------------------------------------------------------------------


def test_new_story_starts_with_the_writers_own_byline(as_journalist, byline):
    response = as_journalist.get(ADD_URL)
    first = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert first.initial == {"author": byline.pk, "position": 0}
    assert f'<option value="{byline.pk}" selected>Nadia Osei</option>'.encode() in response.content


def test_no_byline_is_prefilled_for_someone_without_an_author(as_editor):
    response = as_editor.get(ADD_URL)
    assert response.context["inline_admin_formsets"][0].formset.forms[0].initial == {}


def test_the_prefilled_byline_is_saved_as_posted(as_journalist, byline):
    data = new_story(as_journalist)
    add_row(data, "bylines", author=byline.pk, position=0)  # as the browser sends it back
    as_journalist.post(ADD_URL, data)
    assert [b.author for b in Story.objects.get().bylines.all()] == [byline]


def test_headline_is_the_wide_field(as_journalist):
    content = as_journalist.get(ADD_URL).content.decode()
    headline = re.search(r'<input[^>]*name="headline"[^>]*>', content)[0]
    assert 'class="vTextField story-headline"' in headline


def test_live_story_page_links_to_the_correction_form_from_the_top(as_editor, editor, draft):
    workflow.transition(draft, "publish", editor)
    content = as_editor.get(change_url(draft)).content.decode()
    link = content.index('href="#add-correction"')
    assert link < content.index('id="story_form"') < content.index('id="add-correction"')


def test_provisional_headline_is_marked_on_the_form(as_journalist, journalist):
    story = make_story(
        "Draft: The council voted", headline_is_provisional=True, created_by=journalist
    )
    content = as_journalist.get(change_url(story)).content.decode()
    assert "story-headline--provisional" in content
    assert "Provisional headline: write the real one" in content


# --- the address follows the headline until first publication -------------------------------------


def test_slug_follows_a_new_headline_until_publication(as_journalist, draft):
    as_journalist.post(change_url(draft), edited(as_journalist, draft, headline="Buses all night"))
    draft.refresh_from_db()
    assert draft.slug == "buses-all-night"


def test_slug_typed_by_hand_is_kept_when_the_headline_changes(as_journalist, draft):
    as_journalist.post(change_url(draft), edited(as_journalist, draft, slug="east-side-buses"))
    as_journalist.post(change_url(draft), edited(as_journalist, draft, headline="Buses all night"))
    draft.refresh_from_db()
    assert draft.slug == "east-side-buses"


def test_slug_of_a_provisional_headline_follows_the_real_one(as_journalist, journalist):
    story = make_story(
        "Draft: The council voted",
        headline_is_provisional=True,
        created_by=journalist,
        slug="the-council-voted-9-2-on-tuesday",
    )
    as_journalist.post(change_url(story), edited(as_journalist, story, headline="Buses all night"))
    story.refresh_from_db()
    assert (story.slug, story.headline_is_provisional) == ("buses-all-night", False)


def test_slug_takes_the_next_free_address(as_journalist, draft):
    make_story("Buses all night")
    as_journalist.post(change_url(draft), edited(as_journalist, draft, headline="Buses all night"))
    draft.refresh_from_db()
    assert draft.slug == "buses-all-night-2"


def test_slug_stays_once_published(as_editor, editor, draft):
    workflow.transition(draft, "publish", editor)
    as_editor.post(change_url(draft), edited(as_editor, draft, headline="Buses all night"))
    draft.refresh_from_db()
    assert draft.slug == "night-buses-for-the-east-side"


# --- a chosen picture survives a form that comes back with errors ---------------------------------


def jpeg(name="harbour.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 200)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def pending_files() -> list[str]:
    try:
        return default_storage.listdir(PENDING_FOLDER)[1]
    except FileNotFoundError:
        return []


def test_picture_is_kept_when_the_form_comes_back_with_errors(as_journalist):
    # No description of the picture: the form comes back with an error.
    response = as_journalist.post(ADD_URL, new_story(as_journalist, lead_image=jpeg()))
    assert response.status_code == 200
    assert "lead_image_alt" in response.context["adminform"].form.errors
    assert len(pending_files()) == 1
    said = "The picture you chose (“harbour.jpg”) is kept"
    assert any(m.startswith(said) for m in messages_of(response))
    token = response.context["adminform"].form["pending_lead_image"].value()
    assert token

    # Posted again without a file: the kept picture is the story's.
    data = form_values(response) | {
        "lead_image_alt": "The harbour at dawn",
        "pending_lead_image": token,
    }
    with_commit = as_journalist.post(ADD_URL, data)
    assert with_commit.status_code == 302
    story = Story.objects.get()
    assert story.lead_image.name.startswith("stories/")
    assert not story.lead_image.name.startswith(PENDING_FOLDER)
    with default_storage.open(story.lead_image.name) as stored:
        assert Image.open(stored).size == (64, 48)


def test_the_kept_copy_is_removed_once_the_story_has_it(
    as_journalist, django_capture_on_commit_callbacks
):
    response = as_journalist.post(ADD_URL, new_story(as_journalist, lead_image=jpeg()))
    data = form_values(response) | {"lead_image_alt": "The harbour at dawn"}
    data["pending_lead_image"] = response.context["adminform"].form["pending_lead_image"].value()
    with django_capture_on_commit_callbacks(execute=True):
        as_journalist.post(ADD_URL, data)
    assert Story.objects.get().lead_image
    assert pending_files() == []


def test_a_new_file_replaces_the_kept_one(as_journalist):
    response = as_journalist.post(ADD_URL, new_story(as_journalist, lead_image=jpeg()))
    data = form_values(response) | {
        "lead_image_alt": "The harbour",
        "pending_lead_image": response.context["adminform"].form["pending_lead_image"].value(),
        "lead_image": jpeg("second.jpg"),
    }
    assert as_journalist.post(ADD_URL, data).status_code == 302
    assert Story.objects.get().lead_image


def test_someone_elses_kept_picture_is_not_taken(as_journalist, as_other_journalist):
    response = as_journalist.post(ADD_URL, new_story(as_journalist, lead_image=jpeg()))
    token = response.context["adminform"].form["pending_lead_image"].value()
    data = new_story(as_other_journalist) | {"pending_lead_image": token}
    assert as_other_journalist.post(ADD_URL, data).status_code == 302
    assert not Story.objects.get().lead_image


def test_a_forged_reference_is_ignored(as_journalist):
    data = new_story(as_journalist) | {"pending_lead_image": "stories/pending/" + "a" * 32 + ".jpg"}
    assert as_journalist.post(ADD_URL, data).status_code == 302
    assert not Story.objects.get().lead_image


def test_a_kept_picture_nobody_came_back_for_is_pruned(as_journalist):
    as_journalist.post(ADD_URL, new_story(as_journalist, lead_image=jpeg()))
    assert len(pending_files()) == 1
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        call_command("prune_media", "--delete", stdout=io.StringIO())
    assert pending_files() == []


# --- review from the preview ----------------------------------------------------------------------


def test_preview_of_a_first_submission_has_buttons_and_no_diff(as_editor, journalist, draft):
    workflow.transition(draft, "submit", journalist)
    response = as_editor.get(preview_url(draft))
    assert response["Cache-Control"] == "private, no-store"
    review = response.context["review"]
    assert review["base"] is None
    assert [item["step"].name for item in review["steps"]] == [
        "approve",
        "request_changes",
        "publish",
    ]
    content = response.content.decode()
    assert f'name="version" value="{draft.version}"' in content
    assert f'name="next" value="{preview_url(draft)}"' in content
    assert "What changed since" not in content


def test_preview_of_a_resubmission_shows_the_changes_since_the_last_review(
    as_editor, editor, journalist, draft
):
    workflow.transition(draft, "submit", journalist)
    workflow.transition(draft, "request_changes", editor, message="Give the fare.")
    draft.lede = "A single fare costs €2.40."
    draft.save()
    workflow.save_revision(draft, journalist, "Fare")
    workflow.transition(draft, "submit", journalist)
    response = as_editor.get(preview_url(draft))
    review = response.context["review"]
    assert review["base"].number == 1
    assert [c.summary for c in review["changes"]] == ["Lede rewritten"]
    assert "What changed since revision 1, the last one reviewed" in response.content.decode()


def test_preview_of_a_live_story_in_review_compares_with_what_readers_see(
    as_editor, editor, journalist, draft
):
    workflow.transition(draft, "publish", editor)
    draft.headline = "Night buses start in March"
    draft.save()
    workflow.save_revision(draft, journalist, "New headline")
    workflow.transition(draft, "submit", journalist)
    review = as_editor.get(preview_url(draft)).context["review"]
    assert review["base"] == draft.live_revision
    assert review["base_said"] == "the one readers see"
    assert [c.summary for c in review["changes"]] == ["Headline changed"]


def test_preview_of_a_draft_is_no_review(as_editor, draft):
    assert as_editor.get(preview_url(draft)).context["review"] is None


def test_writer_sees_the_changes_but_no_buttons(as_journalist, journalist, draft):
    workflow.transition(draft, "submit", journalist)
    response = as_journalist.get(preview_url(draft))
    assert response.context["review"]["steps"] == []
    assert b"review-action" not in response.content


def test_editor_approves_from_the_preview_and_comes_back_to_it(as_editor, journalist, draft):
    workflow.transition(draft, "submit", journalist)
    draft.refresh_from_db()
    url = reverse("admin:articles_story_transition", args=[draft.pk, "approve"])
    response = as_editor.post(
        url, {"version": draft.version, "next": preview_url(draft)}, follow=True
    )
    assert response.redirect_chain[-1][0] == preview_url(draft)
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED
    assert any(m.startswith("Approved.") for m in messages_of(response))
    assert b"review-message--success" in response.content


def test_approving_from_a_preview_opened_before_a_save_is_refused(as_editor, journalist, draft):
    workflow.transition(draft, "submit", journalist)
    draft.refresh_from_db()
    shown = as_editor.get(preview_url(draft)).context["review"]["version"]
    draft.lede = "Changed while the editor read."
    draft.save()
    workflow.save_revision(draft, journalist, "Late change")  # back to draft, version + 1
    workflow.transition(draft, "submit", journalist)
    url = reverse("admin:articles_story_transition", args=[draft.pk, "approve"])
    response = as_editor.post(url, {"version": shown, "next": preview_url(draft)}, follow=True)
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW
    assert any("was saved since you opened it" in m for m in messages_of(response))


def test_a_next_address_other_than_the_preview_is_ignored(as_editor, journalist, draft):
    workflow.transition(draft, "submit", journalist)
    draft.refresh_from_db()
    url = reverse("admin:articles_story_transition", args=[draft.pk, "approve"])
    response = as_editor.post(url, {"version": draft.version, "next": "https://evil.example/"})
    assert response["Location"] == change_url(draft)


def test_editor_publishes_from_the_preview(as_editor, journalist, draft):
    workflow.transition(draft, "submit", journalist)
    draft.refresh_from_db()
    url = reverse("admin:articles_story_transition", args=[draft.pk, "publish"])
    as_editor.post(url, {"version": draft.version, "next": preview_url(draft)})
    draft.refresh_from_db()
    assert draft.is_live
