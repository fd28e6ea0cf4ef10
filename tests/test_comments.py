"""The review conversation: comments anchored to a story's parts, threaded, resolvable,
audited, and seen only by the story's writers and the editors.

Through HTTP with the shared people: ``journalist`` writes the story, ``other_journalist``
does not, ``editor`` reviews. Until ``newsroom/urls.py`` mounts ``articles.comment_urls``,
this module is its own URLconf: the site's, with the comments mounted where the lead
will put them.
"""

import re
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse

from articles import notifications, workflow
from articles.comment_views import panel
from articles.models import AuditEntry, Comment, Status, Story
from articles.models.comment import AnchorKind, StoryParts, anchor_of
from newsroom import urls as site_urls
from tests.conftest import change_url, messages_of, signed_in
from tests.factories import make_author, make_story, make_user

COMMENTS_ROUTE = "admin/articles/story/<int:story_id>/comments/"
_MOUNTED = any(getattr(p, "namespace", None) == "comments" for p in site_urls.urlpatterns)
urlpatterns = (
    site_urls.urlpatterns
    if _MOUNTED
    else [path(COMMENTS_ROUTE, include("articles.comment_urls")), *site_urls.urlpatterns]
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


# --- the story and how to talk about it -------------------------------------------------


@pytest.fixture
def story(journalist):
    author = make_author("Ada Writer", user=journalist)
    return make_story(
        "Council cuts the parks budget",
        authors=[author],
        sections=[
            ("Why it matters", "<p>Parks are the city's cheapest health service.</p>"),
            ("The big picture", "<p>Cities everywhere are cutting.</p>"),
        ],
        links=[("Background", "https://example.org/background")],
        created_by=journalist,
        by=journalist,
    )


def section(story, name):
    return story.sections.get(label__name=name)


def url(name, story, comment=None):
    args = [story.pk] if comment is None else [story.pk, comment.pk]
    return reverse(f"comments:{name}", args=args)


def post_comment(client, story, body, anchor="story:", *, follow=False, **fields):
    return client.post(url("add", story), {"anchor": anchor, "body": body, **fields}, follow=follow)


def on_section(story, name="Why it matters"):
    return f"section:{section(story, name).key}"


def audited(story, action):
    return list(AuditEntry.objects.filter(story=story, action=action))


def edit_section(story, name, body, by):
    row = section(story, name)
    row.body = body
    row.save()
    workflow.save_revision(story, by, f"Edited {name}")


def page(client, story) -> str:
    response = client.get(url("list", story))
    assert response.status_code == 200
    return response.content.decode()


def thread_html(html: str, comment: Comment) -> str:
    """The markup of ``comment``'s thread on the panel."""
    start = html.index(f'id="thread-{comment.pk}"')
    end = html.find('<li class="comment-thread', start + 1)
    return html[start : end if end != -1 else len(html)]


@pytest.fixture
def editors_comment(story, editor):
    return workflow.add_comment(
        story,
        editor,
        "Source the claim about health.",
        anchor_kind=AnchorKind.SECTION,
        anchor_key=str(section(story, "Why it matters").key),
    )


# --- threads, authors, times ----------------------------------------------------------------


def test_editor_comments_on_a_section_and_the_panel_shows_it_under_that_section(
    story, as_editor, editor
):
    response = post_comment(as_editor, story, "Source the health claim.", on_section(story))
    comment = Comment.objects.get(story=story)
    assert response.status_code == 302
    assert (comment.anchor_kind, comment.anchor_name) == ("section", "Why it matters")
    assert comment.author == editor
    assert comment.anchored_text == "Parks are the city's cheapest health service."
    html = page(as_editor, story)
    group = html[html.index(">Why it matters</h3>") :]
    assert "Source the health claim." in group
    assert html.index(">Why it matters</h3>") < html.index("Source the health claim.")
    assert f'<strong class="comment__author">{comment.author_name}</strong>' in html
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}">', html)


def test_writer_replies_and_the_reply_follows_the_comment_in_its_thread(
    story, editors_comment, as_journalist, journalist
):
    response = as_journalist.post(
        url("reply", story, editors_comment), {"body": "Added the health survey."}
    )
    assert response.status_code == 302
    reply = Comment.objects.get(parent=editors_comment)
    assert reply.author == journalist
    assert reply.anchor_kind == "section"
    thread = thread_html(page(as_journalist, story), editors_comment)
    assert thread.index("Source the claim about health.") < thread.index("Added the health survey.")
    assert "replied" in thread


def test_a_reply_to_a_reply_joins_the_thread(story, editors_comment, journalist, as_editor):
    reply = workflow.add_comment(story, journalist, "Which claim?", parent=editors_comment)
    as_editor.post(url("reply", story, reply), {"body": "The health one."})
    assert set(editors_comment.replies.values_list("body", flat=True)) == {
        "Which claim?",
        "The health one.",
    }
    assert not Comment.objects.filter(parent=reply).exists()


def test_a_comment_on_a_part_the_story_does_not_have_is_refused(story, as_editor):
    response = post_comment(as_editor, story, "Hm.", anchor="section:999999")
    assert response.status_code == 400
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("body", "error"),
    [("x" * 5001, "at most 5000 characters"), ("Bad\x07bell", "control characters"), ("  ", "")],
)
def test_a_refused_comment_comes_back_with_its_text(story, as_editor, body, error):
    response = post_comment(as_editor, story, body)
    assert response.status_code == 400
    assert not Comment.objects.exists()
    assert error in response.content.decode()
    assert response.context["panel"].form["body"].value() == body


def test_the_panel_preselects_the_part_asked_for(story, as_editor):
    value = on_section(story, "The big picture")
    response = as_editor.get(url("list", story), {"comment_on": value})
    assert f'<option value="{value}" selected>' in response.content.decode()


def test_the_select_offers_every_part_of_the_story(story):
    labels = [label for _, label in StoryParts(story).choices()]
    assert labels == [
        "The whole story",
        "Headline",
        "Lede",
        "Why it matters",
        "The big picture",
        "Go deeper: Background",
    ]


# --- anchors survive edits and restores ------------------------------------------------------


def test_comment_survives_an_edit_to_another_section_and_is_current(
    story, editors_comment, journalist, as_editor
):
    edit_section(story, "The big picture", "<p>Only some cities are cutting.</p>", journalist)
    editors_comment.refresh_from_db()
    assert not editors_comment.is_outdated
    thread = thread_html(page(as_editor, story), editors_comment)
    assert "Outdated" not in thread


def test_comment_shows_outdated_after_its_own_section_changes(
    story, editors_comment, journalist, as_editor
):
    edit_section(story, "Why it matters", "<p>A 2025 survey: parks cut GP visits.</p>", journalist)
    assert editors_comment.is_outdated
    html = page(as_editor, story)
    thread = thread_html(html, editors_comment)
    assert "comment-badge--outdated" in thread
    assert "this part has changed since" in thread
    assert "Parks are the city&#x27;s cheapest health service." in thread  # what it said then
    assert html.index(">Why it matters</h3>") < html.index(f'id="thread-{editors_comment.pk}"')


def test_comment_survives_a_restore_by_its_sections_label(
    story, editors_comment, journalist, as_editor
):
    first = story.latest_revision()
    edit_section(story, "The big picture", "<p>Only some cities.</p>", journalist)
    old_row = section(story, "Why it matters").pk
    workflow.restore(story, first, journalist)
    assert section(story, "Why it matters").pk != old_row  # the rows were recreated
    editors_comment.refresh_from_db()
    assert not editors_comment.is_outdated
    found = anchor_of(
        story,
        editors_comment.anchor_kind,
        editors_comment.anchor_key,
        editors_comment.anchor_name,
        editors_comment.anchored_text,
    )
    assert found.key == str(section(story, "Why it matters").key)
    assert "no longer in the story" not in page(as_editor, story)


def test_after_a_restore_to_other_text_the_comment_finds_its_section_by_label(
    story, journalist, editor, as_editor
):
    first = story.latest_revision()
    edit_section(story, "Why it matters", "<p>GP visits fell by a fifth.</p>", journalist)
    comment = workflow.add_comment(
        story,
        editor,
        "A fifth of what?",
        anchor_kind=AnchorKind.SECTION,
        anchor_key=str(section(story, "Why it matters").key),
    )
    workflow.restore(story, first, journalist)
    html = page(as_editor, story)
    assert "no longer in the story" not in html
    assert "this part has changed since" in thread_html(html, comment)
    assert html.index(">Why it matters</h3>") < html.index(f'id="thread-{comment.pk}"')


def test_an_unlabelled_section_is_found_again_by_its_text(story, journalist, editor):
    row = section(story, "The big picture")
    row.label = None
    row.save()
    workflow.save_revision(story, journalist, "No label")
    comment = workflow.add_comment(
        story, editor, "Vague.", anchor_kind=AnchorKind.SECTION, anchor_key=str(row.key)
    )
    workflow.restore(story, story.latest_revision(), journalist)
    assert not story.sections.filter(pk=row.pk).exists()
    assert not comment.is_outdated


def test_comment_on_a_removed_section_shows_it_gone(story, editors_comment, journalist, as_editor):
    section(story, "Why it matters").delete()
    workflow.save_revision(story, journalist, "Cut a section")
    assert editors_comment.is_outdated
    html = page(as_editor, story)
    assert "Why it matters (no longer in the story)" in html
    assert "the part it is about is no longer in the story" in thread_html(html, editors_comment)


def test_comment_on_the_headline_is_outdated_once_the_headline_changes(story, editor, journalist):
    comment = workflow.add_comment(story, editor, "Too long.", anchor_kind=AnchorKind.HEADLINE)
    assert not comment.is_outdated
    story.headline = "Parks budget cut"
    story.save()
    workflow.save_revision(story, journalist, "Shorter headline")
    comment.refresh_from_db()
    assert comment.is_outdated


# --- resolving ------------------------------------------------------------------------------------


def test_journalist_cannot_resolve_an_editors_comment_without_a_reply(
    story, editors_comment, as_journalist
):
    response = as_journalist.post(url("resolve", story, editors_comment), {"body": " "})
    assert response.status_code == 400
    assert "say what you did" in response.content.decode().lower()
    editors_comment.refresh_from_db()
    assert not editors_comment.is_resolved
    assert audited(story, "comment_resolved") == []


def test_journalist_resolves_with_a_reply_saying_what_was_done(
    story, editors_comment, as_journalist, journalist
):
    response = as_journalist.post(
        url("resolve", story, editors_comment), {"body": "Added the 2025 survey."}
    )
    assert response.status_code == 302
    editors_comment.refresh_from_db()
    assert editors_comment.is_resolved
    assert editors_comment.resolved_by == journalist
    assert editors_comment.replies.get().body == "Added the 2025 survey."
    [entry] = audited(story, "comment_resolved")
    assert "Added the 2025 survey." in entry.message
    assert len(audited(story, "comment")) == 1  # the editor's; the reply is in the resolution


def test_editor_resolves_without_a_reply_once_for_two_clicks(story, editors_comment, as_editor):
    assert as_editor.post(url("resolve", story, editors_comment)).status_code == 302
    second = as_editor.post(url("resolve", story, editors_comment))
    assert second.status_code == 400
    assert "resolved this thread meanwhile" in second.content.decode()
    assert len(audited(story, "comment_resolved")) == 1
    assert not editors_comment.replies.exists()


def test_a_resolved_thread_takes_no_reply(story, editors_comment, editor, as_journalist):
    workflow.resolve_comment(editors_comment, editor)
    response = as_journalist.post(url("reply", story, editors_comment), {"body": "But…"})
    assert response.status_code == 400
    assert "Your reply was not posted" in response.content.decode()
    assert "But…" in response.content.decode()  # the text is still in the form
    assert not editors_comment.replies.exists()


def test_journalist_cannot_reopen_and_editor_can(
    story, editors_comment, editor, as_journalist, as_editor
):
    workflow.resolve_comment(editors_comment, editor)
    assert as_journalist.post(url("reopen", story, editors_comment)).status_code == 403
    editors_comment.refresh_from_db()
    assert editors_comment.is_resolved
    assert as_editor.post(url("reopen", story, editors_comment)).status_code == 302
    editors_comment.refresh_from_db()
    assert not editors_comment.is_resolved
    assert len(audited(story, "comment_reopened")) == 1


def test_resolving_a_reply_resolves_its_thread(story, editors_comment, journalist, editor):
    reply = workflow.add_comment(story, journalist, "Done.", parent=editors_comment)
    workflow.resolve_comment(reply, editor)
    editors_comment.refresh_from_db()
    reply.refresh_from_db()
    assert editors_comment.is_resolved
    assert not reply.is_resolved


# --- deleting ----------------------------------------------------------------------------------------


def test_journalist_cannot_delete_an_editors_comment(story, editors_comment, as_journalist):
    assert as_journalist.post(url("delete", story, editors_comment)).status_code == 403
    assert Comment.objects.filter(pk=editors_comment.pk).exists()
    assert audited(story, "comment_deleted") == []


def test_the_panel_offers_delete_only_to_the_author(
    story, editors_comment, as_journalist, as_editor
):
    delete = url("delete", story, editors_comment)
    assert delete not in page(as_journalist, story)
    assert delete in page(as_editor, story)


def test_author_deletes_their_comment_before_any_reply_and_the_log_keeps_it(
    story, editors_comment, as_editor
):
    response = as_editor.post(url("delete", story, editors_comment), follow=True)
    assert "Your comment is deleted." in messages_of(response)
    assert not Comment.objects.filter(pk=editors_comment.pk).exists()
    [entry] = audited(story, "comment_deleted")
    assert "Source the claim about health." in entry.message


def test_a_comment_with_a_reply_is_not_deleted_even_by_its_author(
    story, editors_comment, journalist, as_editor
):
    workflow.add_comment(story, journalist, "Which claim?", parent=editors_comment)
    response = as_editor.post(url("delete", story, editors_comment), follow=True)
    assert any("Someone has replied" in m for m in messages_of(response))
    assert Comment.objects.filter(pk=editors_comment.pk).exists()
    assert audited(story, "comment_deleted") == []


def test_a_comment_in_a_resolved_thread_is_not_deleted(story, editors_comment, editor):
    workflow.resolve_comment(editors_comment, editor)
    with pytest.raises(ValidationError):
        workflow.delete_comment(editors_comment, editor)
    assert Comment.objects.filter(pk=editors_comment.pk).exists()


def test_journalist_deletes_their_own_reply(story, editors_comment, journalist, editor):
    reply = workflow.add_comment(story, journalist, "Typo", parent=editors_comment)
    with pytest.raises(PermissionDenied):
        workflow.delete_comment(reply, editor)
    workflow.delete_comment(reply, journalist)
    assert not editors_comment.replies.exists()


# --- another journalist sees nothing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("list", "get", {}),
        ("add", "post", {"anchor": "story:", "body": "Nosy."}),
        ("reply", "post", {"body": "Nosy."}),
        ("resolve", "post", {"body": "Nosy."}),
        ("reopen", "post", {}),
        ("delete", "post", {}),
    ],
)
def test_other_journalist_gets_404_for_every_comment_url(
    story, editors_comment, as_other_journalist, name, method, data
):
    target = url(name, story, None if name in ("list", "add") else editors_comment)
    before = list(Comment.objects.values_list("pk", "resolved_at"))
    response = getattr(as_other_journalist, method)(target, data)
    assert response.status_code == 404
    assert "Source the claim" not in response.content.decode()
    assert list(Comment.objects.values_list("pk", "resolved_at")) == before


def test_other_journalist_sees_no_comments_anywhere(
    story, editors_comment, other_journalist, as_other_journalist
):
    assert list(workflow.visible_comments(story, other_journalist)) == []
    request = RequestFactory().get("/")
    request.user = other_journalist
    assert panel(request, story) is None
    for address in [
        change_url(story),
        reverse("articles:story-preview", args=[story.pk]),
        reverse("history:list", args=[story.pk]),
        reverse("admin:articles_auditentry_changelist"),
    ]:
        response = as_other_journalist.get(address, follow=True)
        assert "Source the claim" not in response.content.decode(), address
    with pytest.raises(PermissionDenied):
        workflow.add_comment(story, other_journalist, "Nosy.")
    with pytest.raises(PermissionDenied):
        workflow.resolve_comment(editors_comment, other_journalist, reply="Done.")


def test_a_comment_url_of_another_story_is_404(story, editors_comment, journalist, as_journalist):
    own = make_story("Another story", created_by=journalist, by=journalist)
    response = as_journalist.post(url("resolve", own, editors_comment), {"body": "Done."})
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(story, client):
    response = client.get(url("list", story))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_comment_forms_without_csrf_token_are_refused(story, editor):
    browser = signed_in(editor, enforce_csrf_checks=True)
    assert post_comment(browser, story, "Forged.").status_code == 403
    assert not Comment.objects.exists()


# --- audit, notices, where the person goes back -----------------------------------------------------


def test_each_act_is_audited_once(story, editor, journalist):
    thread = workflow.add_comment(story, editor, "One.", anchor_kind=AnchorKind.LEDE)
    workflow.add_comment(story, journalist, "Two.", parent=thread)
    workflow.resolve_comment(thread, journalist, reply="Three.")
    workflow.reopen_comment(thread, editor)
    workflow.reopen_comment(thread, editor)  # open already: nothing to record
    own = workflow.add_comment(story, journalist, "Four.")
    workflow.delete_comment(own, journalist)
    actions = list(
        AuditEntry.objects.filter(story=story, action__startswith="comment")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "comment",
        "comment",
        "comment_resolved",
        "comment_reopened",
        "comment",
        "comment_deleted",
    ]


def test_editors_comment_is_for_the_writers_and_a_writers_reply_for_that_editor(
    story, editors_comment, journalist, editor
):
    second_editor = make_user("second_editor")
    second_editor.groups.add(Group.objects.get(name="Editors"))
    assert workflow.people_to_tell(story, editors_comment) == [journalist]
    reply = workflow.add_comment(story, journalist, "Done.", parent=editors_comment)
    assert workflow.people_to_tell(story, reply) == [editor]


def test_a_writers_new_thread_goes_to_the_editors_group(story, journalist, editor):
    comment = workflow.add_comment(story, journalist, "Is the lede too long?")
    assert workflow.people_to_tell(story, comment) == [editor]


def test_the_message_names_who_was_told(story, as_editor, journalist, monkeypatch):
    journalist.email = "ada@example.org"
    journalist.save()
    told = []

    def deliver(people, story, kind, text, *, actor=None):
        told.append((list(people), kind))
        return SimpleNamespace(people=list(people), emailed=1)

    monkeypatch.setattr(notifications, "notify_people", deliver, raising=False)
    response = post_comment(as_editor, story, "Shorter, please.", follow=True)
    assert told == [([journalist], "comment")]
    assert "Told on their desk: journalist (and by email)." in " ".join(messages_of(response))


def test_the_message_says_nobody_was_told_without_an_inbox(story, as_editor, monkeypatch):
    monkeypatch.delattr(notifications, "notify_people", raising=False)
    response = post_comment(as_editor, story, "Shorter, please.", follow=True)
    assert "Nobody was notified." in " ".join(messages_of(response))


def test_an_editors_comment_reaches_the_writers_inbox(story, as_editor, journalist):
    if not hasattr(notifications, "notify_people"):
        pytest.skip("no inbox yet: articles.notifications.notify_people")
    notice = apps.get_model("articles", "Notice")
    response = post_comment(as_editor, story, "Shorter, please.", follow=True)
    [received] = notice.objects.filter(kind="comment")
    assert received.recipient == journalist
    assert "Shorter, please." in received.text
    assert "Told on their desk: journalist (nobody by email: no address)." in " ".join(
        messages_of(response)
    )


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/preview/story/{pk}/", "/preview/story/{pk}/#comment-"),
        ("https://evil.example/", "/admin/articles/story/{pk}/comments/#comment-"),
        ("//evil.example/", "/admin/articles/story/{pk}/comments/#comment-"),
        ("/\\evil.example/", "/admin/articles/story/{pk}/comments/#comment-"),
    ],
)
def test_an_action_goes_back_only_to_a_local_path(story, as_editor, next_url, expected):
    response = post_comment(as_editor, story, "Hm.", next=next_url.format(pk=story.pk))
    assert response["Location"].startswith(expected.format(pk=story.pk))


# --- the desk and the house rule --------------------------------------------------------------------


def test_open_for_is_one_query_of_open_threads_only(
    story, editors_comment, editor, journalist, django_assert_num_queries
):
    workflow.add_comment(story, journalist, "A reply.", parent=editors_comment)
    closed = workflow.add_comment(story, editor, "Closed.", anchor_kind=AnchorKind.HEADLINE)
    workflow.resolve_comment(closed, editor)
    with django_assert_num_queries(1):
        assert list(Comment.objects.open_for(story)) == [editors_comment]
    with django_assert_num_queries(1):
        assert Comment.objects.open_for(story).exists()


def test_the_panel_costs_as_many_queries_for_many_threads_as_for_one(
    story, editors_comment, editor, journalist
):
    request = RequestFactory().get("/")
    request.user = journalist
    journalist.has_perm("articles.review_story")  # the permissions, loaded once a request

    def queries():
        fresh = Story.objects.get(pk=story.pk)
        with CaptureQueriesContext(connection) as captured:
            shown = panel(request, fresh)
        return len(captured), sum(len(group.threads) for group in shown.groups)

    one = queries()
    for kind in (AnchorKind.HEADLINE, AnchorKind.LEDE, AnchorKind.STORY):
        thread = workflow.add_comment(story, editor, f"On the {kind}.", anchor_kind=kind)
        workflow.add_comment(story, journalist, "Noted.", parent=thread)
    many = queries()
    assert (one[1], many[1]) == (1, 4)
    assert one[0] == many[0] == 4


def test_open_counts_per_story_for_the_desk(story, editors_comment, editor, journalist):
    quiet = make_story("Quiet story", created_by=journalist, by=journalist)
    workflow.add_comment(story, editor, "Another.", anchor_kind=AnchorKind.LEDE)
    assert Comment.objects.open_counts([story.pk, quiet.pk]) == {story.pk: 2}
    annotated = dict(
        Story.objects.filter(pk__in=[story.pk, quiet.pk])
        .annotate(open_comments=Comment.objects.open_count())
        .values_list("pk", "open_comments")
    )
    assert annotated == {story.pk: 2, quiet.pk: 0}


@pytest.mark.house_rules
def test_an_open_comment_blocks_approve_until_resolved(story, editors_comment, editor, journalist):
    workflow.transition(story, "submit", journalist)

    def blocking_codes():
        try:
            workflow.transition(story, "approve", editor, expected_version=story.version)
        except workflow.RulesFailed as refused:
            return {failure.code for failure in refused.failures}
        return set()

    assert "open_comments" in blocking_codes()
    workflow.resolve_comment(editors_comment, journalist, reply="Sourced it.")
    assert "open_comments" not in blocking_codes()


# --- the editors' loop, end to end -------------------------------------------------------------------


def test_editor_comments_from_the_preview_writer_replies_resolves_and_resubmits(
    story, journalist, as_editor, as_journalist
):
    workflow.transition(story, "submit", journalist)
    preview = reverse("articles:story-preview", args=[story.pk])
    response = post_comment(
        as_editor, story, "Which study says so?", on_section(story), next=preview
    )
    assert response["Location"].startswith(preview)
    comment = Comment.objects.get()
    as_editor.post(
        reverse("admin:articles_story_transition", args=[story.pk, "request_changes"]),
        {"message": "See my comment on Why it matters.", "version": str(story.version)},
    )
    story.refresh_from_db()
    assert story.status == Status.CHANGES_REQUESTED

    edit_section(story, "Why it matters", "<p>A 2025 study: parks cut GP visits.</p>", journalist)
    assert thread_html(page(as_journalist, story), comment).count("comment-badge--outdated") == 1
    response = as_journalist.post(
        url("resolve", story, comment), {"body": "Cited the 2025 study.", "next": change_url(story)}
    )
    assert response["Location"].startswith(change_url(story))
    comment.refresh_from_db()
    assert comment.is_resolved
    as_journalist.post(
        reverse("admin:articles_story_transition", args=[story.pk, "submit"]),
        {"version": str(story.version)},
    )
    story.refresh_from_db()
    assert story.status == Status.IN_REVIEW
    assert not Comment.objects.open_for(story).exists()


# --- the page is accessible HTML -----------------------------------------------------------------------


class _Fields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.controls, self.labels, self.headings = [], set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("textarea", "select") or (tag == "input" and attrs.get("type") != "hidden"):
            self.controls.append(attrs.get("id"))
        if tag == "label":
            self.labels.add(attrs.get("for"))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))


def test_every_field_has_a_label_and_headings_go_in_order(
    story, editors_comment, journalist, as_journalist
):
    workflow.add_comment(story, journalist, "Why?", parent=editors_comment)
    html = page(as_journalist, story)
    fields = _Fields()
    fields.feed(html[html.index("<h1") : html.index('<p class="comments-links">')])
    assert fields.headings[:3] == [1, 2, 3]
    assert fields.controls and all(control in fields.labels for control in fields.controls)
    assert all(b - a <= 1 for a, b in zip(fields.headings, fields.headings[1:], strict=False))
