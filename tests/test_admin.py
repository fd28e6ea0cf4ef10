"""The journalists' admin, through HTTP: writing, revisions, publishing, guidance, import."""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Author, BriefingLabel, Correction, Revision, Status, Story
from tests.conftest import add_row, change_url, form_values, messages_of
from tests.factories import label, make_author, make_section, make_story, make_tag, make_user

pytestmark = pytest.mark.django_db

SEED_COPY = Path("/work/shared/fixtures/seed-story.txt")
ADD_URL = reverse("admin:articles_story_add")
CHANGELIST_URL = reverse("admin:articles_story_changelist")
IMPORT_URL = reverse("admin:articles_story_import")


# --- helpers ---------------------------------------------------------------------------


def edit(client, story, **changes):
    """POST the story's change form with ``changes`` applied; follow the redirect."""
    data = form_values(client.get(change_url(story))) | changes
    return client.post(change_url(story), data, follow=True)


def form_errors(response) -> dict:
    return response.context["adminform"].form.errors


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def own_story(journalist):
    return make_story("Council votes on budget", created_by=journalist, by=journalist)


def new_story_data(client, headline="Council raises bus fares", **changes) -> dict:
    data = form_values(client.get(ADD_URL))
    data |= {"headline": headline, "lede": "Bus fares go up ten cents in May."}
    return data | changes


# --- writing ----------------------------------------------------------------------------


def test_journalist_opens_add_page_with_brevity_limits(as_journalist):
    response = as_journalist.get(ADD_URL)
    assert response.status_code == 200
    assert b'id="brevity-limits" type="application/json"' in response.content
    assert b"js/admin/brevity.js" in response.content


def test_journalist_opens_change_page_of_own_story(as_journalist, own_story):
    response = as_journalist.get(change_url(own_story))
    assert response.status_code == 200
    assert response.context["has_change_permission"]


def test_journalist_saves_story_with_bylines_sections_and_links(as_journalist, journalist):
    first, second = make_author("Ana Reporter"), make_author("Ben Photographer")
    target = make_story("Budget explained", publish=True)
    data = new_story_data(as_journalist, revision_note="First draft")
    add_row(data, "bylines", position=0, author=first.pk)
    add_row(data, "bylines", position=1, author=second.pk, role="photos")
    add_row(data, "sections", position=0, label=label("Why it matters").pk, body="<p>Why.</p>")
    add_row(data, "sections", position=1, label="", body="<p>More.</p>")
    add_row(data, "related_links", position=0, title="Explainer", target=target.pk, url="")
    add_row(data, "related_links", position=1, title="Council", url="https://example.org/")

    response = as_journalist.post(ADD_URL, data)

    assert response.status_code == 302
    story = Story.objects.get(headline="Council raises bus fares")
    assert story.created_by == journalist
    assert [(b.author.name, b.role) for b in story.bylines.all()] == [
        ("Ana Reporter", ""),
        ("Ben Photographer", "photos"),
    ]
    assert [(s.label and s.label.name, s.body) for s in story.sections.all()] == [
        ("Why it matters", "<p>Why.</p>"),
        (None, "<p>More.</p>"),
    ]
    assert [(link.title, link.target, link.url) for link in story.related_links.all()] == [
        ("Explainer", target, ""),
        ("Council", None, "https://example.org/"),
    ]


def test_adding_a_story_makes_one_revision_with_the_note(as_journalist, journalist):
    as_journalist.post(ADD_URL, new_story_data(as_journalist, revision_note="First draft"))
    story = Story.objects.get()
    revision = story.revisions.get()
    assert (revision.number, revision.message, revision.created_by) == (
        1,
        "First draft",
        journalist,
    )


def test_revision_snapshot_includes_the_inlines_saved_with_it(as_journalist):
    data = new_story_data(as_journalist)
    add_row(data, "sections", position=0, label=label("Zoom in").pk, body="<p>Detail.</p>")
    as_journalist.post(ADD_URL, data)
    snapshot = Story.objects.get().revisions.get().snapshot
    assert [s["label"] for s in snapshot["sections"]] == ["Zoom in"]


def test_each_edit_makes_one_new_revision_with_the_note(as_journalist, own_story):
    edit(as_journalist, own_story, lede="A better lede.", revision_note="Tightened the lede")
    edit(as_journalist, own_story, revision_note="")
    messages = list(own_story.revisions.order_by("number").values_list("message", flat=True))
    assert messages == ["Created", "Tightened the lede", "Edited"]


def test_inline_rows_can_be_reordered_by_position(as_journalist, own_story):
    data = form_values(as_journalist.get(change_url(own_story)))
    add_row(data, "sections", position=2, label="", body="<p>Second.</p>")
    add_row(data, "sections", position=1, label="", body="<p>First.</p>")
    as_journalist.post(change_url(own_story), data)
    assert [s.body for s in own_story.sections.all()] == ["<p>First.</p>", "<p>Second.</p>"]


def test_section_label_offers_active_labels_only(as_journalist, own_story):
    BriefingLabel.objects.filter(name="Flashback").update(active=False)
    response = as_journalist.get(ADD_URL)
    form = response.context["inline_admin_formsets"][1].formset.forms[0]
    offered = {str(choice[1]) for choice in form.fields["label"].choices}
    assert "Why it matters" in offered
    assert "Flashback" not in offered


def test_section_keeps_its_retired_label(as_journalist, journalist):
    story = make_story("Old story", sections=[("Flashback", "<p>Then.</p>")], created_by=journalist)
    BriefingLabel.objects.filter(name="Flashback").update(active=False)
    response = edit(as_journalist, story, revision_note="Touched")
    assert response.status_code == 200
    assert story.sections.get().label.name == "Flashback"


def test_journalist_cannot_edit_someone_elses_story(as_journalist, as_editor):
    story = make_story("Another desk's story", created_by=make_user("colleague"))
    data = form_values(as_editor.get(change_url(story))) | {"headline": "Hijacked"}
    response = as_journalist.post(change_url(story), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    story.refresh_from_db()
    assert story.headline == "Another desk's story"
    assert story.revisions.count() == 1


def test_byline_lets_a_journalist_edit_the_story(as_journalist, journalist):
    story = make_story("Shared", authors=[make_author("Me", user=journalist)])
    response = edit(as_journalist, story, headline="Shared and edited")
    assert response.status_code == 200
    story.refresh_from_db()
    assert story.headline == "Shared and edited"


def test_slug_is_prefilled_from_headline_while_never_published(as_journalist, own_story):
    response = as_journalist.get(change_url(own_story))
    assert "slug" in response.context["adminform"].form.fields
    assert response.context["adminform"].prepopulated_fields


def test_slug_is_read_only_once_published(as_editor):
    story = make_story("Live story", publish=True)
    response = as_editor.get(change_url(story))
    assert "slug" not in response.context["adminform"].form.fields
    edit(as_editor, story, slug="a-new-address")
    story.refresh_from_db()
    assert story.slug == "live-story"


# --- publishing -------------------------------------------------------------------------


def transition_url(story, name) -> str:
    return reverse("admin:articles_story_transition", args=[story.pk, name])


def press(client, story, name, **data):
    """Press workflow button ``name`` as the story page offers it; follow the redirect."""
    story.refresh_from_db()
    return client.post(transition_url(story, name), {"version": story.version, **data}, follow=True)


def test_editor_sees_publish_button(as_editor, own_story):
    response = as_editor.get(change_url(own_story))
    assert transition_url(own_story, "publish").encode() in response.content
    assert transition_url(own_story, "unpublish").encode() not in response.content


def test_journalist_sees_no_publish_button(as_journalist, own_story):
    response = as_journalist.get(change_url(own_story))
    assert transition_url(own_story, "publish").encode() not in response.content


def test_journalist_posting_publish_in_the_story_form_does_not_publish(as_journalist, own_story):
    edit(as_journalist, own_story, _publish="1")
    own_story.refresh_from_db()
    assert not own_story.is_live
    assert own_story.status == Status.DRAFT


def test_editor_publishes_the_saved_text_with_the_button(as_editor, editor, own_story):
    edit(as_editor, own_story, lede="Final lede.")
    response = press(as_editor, own_story, "publish")
    own_story.refresh_from_db()
    assert own_story.is_live
    assert own_story.status == Status.PUBLISHED
    assert own_story.live_revision.snapshot["lede"] == "Final lede."
    assert response.redirect_chain[-1][0] == change_url(own_story)
    assert any(m.startswith("Published") for m in messages_of(response))


def test_editor_unpublishes_with_the_button(as_editor):
    story = make_story("Going away", publish=True)
    press(as_editor, story, "unpublish")
    story.refresh_from_db()
    assert not story.is_live
    assert story.status == Status.UNPUBLISHED
    assert not Story.objects.published().filter(pk=story.pk).exists()


def test_live_story_page_shows_view_on_site_and_unpublished_changes(as_editor):
    story = make_story("Live story", publish=True)
    edit(as_editor, story, lede="Changed after publishing.")
    response = as_editor.get(change_url(story))
    assert story.get_absolute_url().encode() in response.content
    assert b"Has unpublished changes" in response.content
    preview = reverse("articles:story-preview", args=[story.pk])
    assert f'href="{preview}"'.encode() in response.content


def test_publishing_provisional_headline_is_an_error_message(as_editor):
    story = make_story("Draft: Iran and Belarus meet", headline_is_provisional=True)
    response = press(as_editor, story, "publish")
    assert response.status_code == 200
    story.refresh_from_db()
    assert not story.is_live
    assert any("provisional headline" in m for m in messages_of(response))


def test_writing_a_headline_clears_the_provisional_flag(as_editor):
    story = make_story("Draft: Iran and Belarus meet", headline_is_provisional=True)
    edit(as_editor, story, headline="Iran and Belarus meet")
    press(as_editor, story, "publish")
    story.refresh_from_db()
    assert not story.headline_is_provisional
    assert story.is_live


# --- guidance and bad input -------------------------------------------------------------


def test_long_headline_warns_but_saves(as_journalist):
    headline = "A headline that goes on and on well past the seventy characters we aim for"
    response = as_journalist.post(ADD_URL, new_story_data(as_journalist, headline), follow=True)
    assert Story.objects.filter(headline=headline).exists()
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert any("characters; aim for 70" in m for m in warnings)


def test_section_body_is_sanitized_in_the_database(as_journalist):
    data = new_story_data(as_journalist)
    body = '<p>Safe<script>alert(1)</script> <a href="javascript:alert(1)">link</a></p>'
    add_row(data, "sections", position=0, label="", body=body)
    as_journalist.post(ADD_URL, data)
    saved = Story.objects.get().sections.get().body
    assert "<script" not in saved
    assert "javascript:" not in saved
    assert "Safe" in saved


def test_go_deeper_javascript_url_is_a_form_error(as_journalist):
    data = new_story_data(as_journalist)
    add_row(data, "related_links", position=0, title="Bad", url="javascript:alert(1)")
    response = as_journalist.post(ADD_URL, data)
    assert response.status_code == 200
    links = response.context["inline_admin_formsets"][2].formset
    assert "url" in links.errors[0]
    assert not Story.objects.exists()


def test_go_deeper_with_story_and_url_is_a_form_error(as_journalist):
    data = new_story_data(as_journalist)
    target = make_story("Target")
    add_row(data, "related_links", position=0, title="Both", target=target.pk, url="https://a.b/")
    response = as_journalist.post(ADD_URL, data)
    assert response.status_code == 200
    assert Story.objects.count() == 1


def test_ten_thousand_character_headline_is_a_form_error(as_journalist):
    response = as_journalist.post(ADD_URL, new_story_data(as_journalist, "x" * 10_000))
    assert response.status_code == 200
    assert "headline" in form_errors(response)
    assert not Story.objects.exists()


def test_headline_with_nul_byte_is_a_form_error(as_journalist):
    response = as_journalist.post(ADD_URL, new_story_data(as_journalist, "Null\x00byte"))
    assert response.status_code == 200
    assert "headline" in form_errors(response)


def test_emoji_rtl_and_zero_width_headline_round_trips(as_journalist):
    headline = "Rain 🌧️ in سلام\u200b city \u200fמים"
    as_journalist.post(ADD_URL, new_story_data(as_journalist, headline))
    story = Story.objects.get()
    assert story.headline == headline
    response = as_journalist.get(change_url(story))
    assert response.context["adminform"].form["headline"].value() == headline


def test_revision_note_with_nul_is_a_form_error(as_journalist, own_story):
    response = edit(as_journalist, own_story, revision_note="bad\x00note")
    assert "revision_note" in form_errors(response)
    assert own_story.revisions.count() == 1


# --- the story list ---------------------------------------------------------------------


def test_changelist_queries_do_not_grow_with_stories(as_editor, django_assert_num_queries):
    section, tag = make_section("World"), make_tag("Iran")

    def story():
        make_story(
            section=section, tags=[tag], authors=[make_author(), make_author()], publish=True
        )

    story()
    as_editor.get(CHANGELIST_URL)  # warm the session and content types
    with CaptureQueriesContext(connection) as one:
        assert as_editor.get(CHANGELIST_URL).status_code == 200
    for _ in range(19):
        story()
    with django_assert_num_queries(len(one)):
        response = as_editor.get(CHANGELIST_URL)
    assert response.context["cl"].result_count == 20


def test_changelist_shows_bylines_in_order(as_editor):
    make_story("Fares rise", authors=[make_author("Zed"), make_author("Amy")])
    response = as_editor.get(CHANGELIST_URL)
    assert b"Zed, Amy" in response.content


def test_changelist_search_finds_story_by_author_name(as_editor):
    make_story("Fares rise", authors=[make_author("Mahboubeh Habibi")])
    make_story("Rates hold")
    response = as_editor.get(CHANGELIST_URL, {"q": "habibi"})
    assert [s.headline for s in response.context["cl"].result_list] == ["Fares rise"]


def changelist_search(client, q):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST_URL, {"q": q})
    assert not any("DISTINCT" in query["sql"] for query in queries.captured_queries)
    return sorted(s.headline for s in response.context["cl"].result_list)


def test_changelist_search_needs_every_word_somewhere_and_lists_each_story_once(as_editor):
    amiri, habibi = make_author("Hossein Amiri"), make_author("Mahboubeh Habibi")
    make_story("Ferry timetable changes", authors=[amiri, habibi])
    make_story("Rail fares rise", lede="The ferry timetable is unchanged.", authors=[amiri])
    make_story("Ferry strike", authors=[habibi])
    make_story("Rates hold")
    assert changelist_search(as_editor, "ferry timetable") == [
        "Ferry timetable changes",
        "Rail fares rise",
    ]
    # Both bylines match: still one row for the story, and no DISTINCT needed.
    assert changelist_search(as_editor, "ferry amir") == [
        "Ferry timetable changes",
        "Rail fares rise",
    ]
    assert changelist_search(as_editor, '"ferry strike"') == ["Ferry strike"]
    assert changelist_search(as_editor, "ferry nobody") == []
    assert len(changelist_search(as_editor, '" "')) == 4


def test_story_search_has_trigram_indexes_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'articles_story'"
            " AND indexname LIKE %s",
            ["%trgm"],
        )
        indexes = dict(cursor.fetchall())
    # The admin's two, and the reader search fallback's (live headlines only).
    assert set(indexes) == {"story_headline_trgm", "story_lede_trgm", "story_live_headline_trgm"}
    assert all("gin_trgm_ops" in definition for definition in indexes.values())


def test_changelist_links_to_import(as_journalist):
    response = as_journalist.get(CHANGELIST_URL)
    assert IMPORT_URL.encode() in response.content


# --- authors, corrections, revisions ----------------------------------------------------


def test_author_delete_page_lists_the_stories_with_their_bylines(as_editor):
    author = make_author("Hossein Amiri")
    story = make_story("Iran and Belarus meet", authors=[author])
    url = reverse("admin:articles_author_delete", args=[author.pk])
    response = as_editor.get(url)
    assert response.status_code == 200
    assert response.context["protected"]
    assert b"Iran and Belarus meet" in response.content
    assert change_url(story).encode() in response.content


def test_author_with_bylines_is_not_deleted_on_post(as_editor):
    author = make_author("Hossein Amiri")
    make_story("Iran and Belarus meet", authors=[author])
    url = reverse("admin:articles_author_delete", args=[author.pk])
    response = as_editor.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert Author.objects.filter(pk=author.pk).exists()


def test_author_without_bylines_can_be_deleted(as_editor):
    author = make_author("Guest")
    url = reverse("admin:articles_author_delete", args=[author.pk])
    as_editor.post(url, {"post": "yes"})
    assert not Author.objects.filter(pk=author.pk).exists()


def test_author_search_serves_byline_autocomplete(as_journalist):
    make_author("Hossein Amiri")
    response = as_journalist.get(
        reverse("admin:autocomplete"),
        {"term": "amiri", "app_label": "articles", "model_name": "byline", "field_name": "author"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["Hossein Amiri"]


def test_editor_adds_correction_to_live_story(as_editor, editor):
    story = make_story("Live story", publish=True)
    url = reverse("admin:articles_correction_add")
    response = as_editor.post(url, {"story": story.pk, "kind": "correction", "text": "Fixed."})
    assert response.status_code == 302
    correction = Correction.objects.get()
    assert (correction.story, correction.created_by) == (story, editor)


def test_correction_on_draft_story_is_a_form_error(as_editor):
    story = make_story("Draft story")
    url = reverse("admin:articles_correction_add")
    response = as_editor.post(url, {"story": story.pk, "kind": "correction", "text": "Fixed."})
    assert response.status_code == 200
    assert "story" in response.context["adminform"].form.errors
    assert not Correction.objects.exists()


def test_revisions_are_listed_but_never_edited(as_editor):
    revision = make_story("Story").revisions.get()
    assert as_editor.get(reverse("admin:articles_revision_changelist")).status_code == 200
    assert as_editor.get(reverse("admin:articles_revision_add")).status_code == 403
    delete_url = reverse("admin:articles_revision_delete", args=[revision.pk])
    assert as_editor.post(delete_url, {"post": "yes"}).status_code == 403
    change = reverse("admin:articles_revision_change", args=[revision.pk])
    assert as_editor.post(change, {"message": "rewritten"}).status_code == 403
    assert Revision.objects.get().message == "Created"


# --- import from text -------------------------------------------------------------------


def test_import_page_creates_draft_from_seed_copy(as_journalist, journalist):
    world = make_section("World")
    text = SEED_COPY.read_text(encoding="utf-8")
    response = as_journalist.post(
        IMPORT_URL,
        {"text": text, "headline": "Iran and Belarus sign pacts", "section": world.pk},
        follow=True,
    )
    story = Story.objects.get()
    assert response.redirect_chain[-1][0] == change_url(story)
    assert (story.status, story.section, story.created_by) == (Status.DRAFT, world, journalist)
    assert not story.headline_is_provisional
    assert not story.is_live
    assert story.bylines.count() == 2
    messages = messages_of(response)
    assert any(m.startswith("Imported") for m in messages)
    assert any("Iran, Belarus Sign Three Cooperation Documents" in m for m in messages)


def test_import_page_asks_for_a_headline_when_the_copy_has_none(as_journalist):
    text = SEED_COPY.read_text(encoding="utf-8")  # the seed story has no headline line
    response = as_journalist.post(IMPORT_URL, {"text": text, "headline": ""})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["headline"] == [
        "The copy has no headline line: write the headline here (or on the copy's first "
        "line), then import again."
    ]
    assert form["text"].value() == text  # the pasted copy is kept
    assert not Story.objects.exists()


def test_import_page_takes_the_headline_line_of_the_copy(as_journalist):
    text = "Buses run all night from May\n\nThe council voted 9-2 on Tuesday.\n\nJane Doe"
    as_journalist.post(IMPORT_URL, {"text": text, "headline": ""})
    story = Story.objects.get()
    assert (story.headline, story.headline_is_provisional) == (
        "Buses run all night from May",
        False,
    )
    assert story.slug == "buses-run-all-night-from-may"


def test_import_page_uses_the_given_headline(as_journalist):
    text = SEED_COPY.read_text(encoding="utf-8")
    as_journalist.post(IMPORT_URL, {"text": text, "headline": "Iran and Belarus meet"})
    assert Story.objects.get().headline == "Iran and Belarus meet"


def test_import_page_shows_form_error_for_empty_copy(as_journalist):
    response = as_journalist.post(IMPORT_URL, {"text": "  \n ", "headline": ""})
    assert response.status_code == 200
    assert "text" in response.context["form"].errors
    assert not Story.objects.exists()


def test_import_page_shows_parse_error_as_form_error(as_journalist):
    response = as_journalist.post(IMPORT_URL, {"text": "Why it matters:\n\nThe big picture:"})
    assert response.status_code == 200
    assert response.context["form"].errors["text"] == ["The copy has labels but no paragraphs."]
    assert not Story.objects.exists()


def test_import_page_needs_add_permission(client):
    client.force_login(make_user("viewer", perms=["view_story"]))
    assert client.get(IMPORT_URL).status_code == 403


def test_section_label_select_renders_active_labels_only(as_journalist):
    BriefingLabel.objects.filter(name="Flashback").update(active=False)
    response = as_journalist.get(ADD_URL)
    assert b">Why it matters</option>" in response.content
    assert b">Flashback</option>" not in response.content


def test_added_row_with_only_a_position_is_skipped(as_journalist, own_story):
    data = form_values(as_journalist.get(change_url(own_story)))
    add_row(data, "bylines", position=3, author="", role="")
    response = as_journalist.post(change_url(own_story), data)
    assert response.status_code == 302
    assert not own_story.bylines.exists()


def test_moving_an_existing_row_alone_is_saved(as_journalist, journalist):
    story = make_story(
        "Two sections", sections=[(None, "<p>A</p>"), (None, "<p>B</p>")], created_by=journalist
    )
    data = form_values(as_journalist.get(change_url(story)))
    data |= {"sections-0-position": "5"}
    as_journalist.post(change_url(story), data)
    assert [s.body for s in story.sections.all()] == ["<p>B</p>", "<p>A</p>"]


def test_image_focus_point_is_saved_from_the_form(as_journalist, own_story):
    edit(as_journalist, own_story, lead_image_focus_x="0.2", lead_image_focus_y="0.75")
    own_story.refresh_from_db()
    assert (own_story.lead_image_focus_x, own_story.lead_image_focus_y) == (0.2, 0.75)


def test_image_focus_point_outside_the_picture_is_a_form_error(as_journalist, own_story):
    response = edit(as_journalist, own_story, lead_image_focus_x="1.5")
    assert "lead_image_focus_x" in form_errors(response)
