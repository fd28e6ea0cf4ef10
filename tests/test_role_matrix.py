"""Who may open which address: every admin, history and preview route of ours, for five people.

The routes are found by walking the URL resolver, not listed by hand, so an address
added later without an expectation here fails ``test_every_route_of_ours_has_expectations``
(and its own matrix cases) until someone decides who may open it.

The five people: an anonymous visitor, journalist A (the writer of story S: its creator
and its byline), journalist B (another member of Journalists), an editor and a superuser.
S is A's draft. Every refusal is also checked to have changed nothing about S.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from articles import snapshot, workflow
from articles.models import (
    AuditEntry,
    BriefingLabel,
    HouseRule,
    PreviewLink,
    Revision,
    Status,
    Story,
)
from articles.models.preview import PREVIEW_LIFETIME
from tests.conftest import form_values, in_group, module_rows, signed_in
from tests.factories import make_author, make_section, make_story, make_tag, make_user

pytestmark = pytest.mark.django_db

PEOPLE = ["anonymous", "writer", "other_journalist", "editor", "superuser"]

# Outcomes besides a plain status code.
LOGIN = "302 to sign-in"
GONE = "302 'doesn't exist'"  # the admin's answer for an object outside its queryset
MOVED = "302"  # any other redirect: the admin's object_id/ → change/, or a POST's success

WRONG_TOKEN = "this-is-not-a-preview-token-0000000000000"


@dataclass(frozen=True)
class Case:
    """One request to a route, and what each person gets."""

    anonymous: object
    writer: object
    other_journalist: object
    editor: object
    superuser: object
    method: str = "GET"
    query: str = ""
    data: dict = field(default_factory=dict)
    #: Argument values to take from other samples, e.g. ``{"token": "valid_token"}``.
    samples: dict = field(default_factory=dict)
    #: Argument values given as they are, e.g. ``{"name": "approve"}``.
    args: dict = field(default_factory=dict)

    def expected(self, person: str):
        return getattr(self, person)


def everyone_staff(anonymous, staff, **options) -> Case:
    return Case(anonymous, staff, staff, staff, staff, **options)


def get_only(**options) -> Case:
    """GET on a POST-only route: sign-in first, then 405 whoever you are."""
    return everyone_staff(LOGIN, 405, **options)


#: What each person gets on each route. Staff pages ask for sign-in before anything else.
#: A story someone may not see is a 404 on our own pages (its existence is unpublished
#: information) and the admin's "doesn't exist" redirect on the admin's pages.
EXPECTED: dict[str, list[Case]] = {
    # --- the story's history and preview links (articles/staff_urls.py) ----------------
    "admin/articles/story/<int:story_id>/revisions/": [Case(LOGIN, 200, 404, 200, 200)],
    "admin/articles/story/<int:story_id>/revisions/compare/": [
        Case(LOGIN, 200, 404, 200, 200, query="a=1&b=2"),
    ],
    "admin/articles/story/<int:story_id>/revisions/<int:number>/restore/": [
        get_only(),
        Case(LOGIN, MOVED, 404, MOVED, MOVED, method="POST"),
    ],
    "admin/articles/story/<int:story_id>/revisions/refused/<int:refused_id>/": [
        Case(LOGIN, 200, 404, 200, 200)
    ],
    "admin/articles/story/<int:story_id>/revisions/refused/<int:refused_id>/use/": [
        get_only(),
        Case(LOGIN, MOVED, 404, MOVED, MOVED, method="POST"),
    ],
    "admin/articles/story/<int:story_id>/preview-links/": [Case(LOGIN, 200, 404, 200, 200)],
    "admin/articles/story/<int:story_id>/preview-links/new/": [
        get_only(),
        Case(LOGIN, 200, 404, 200, 200, method="POST", data={"revision": "1", "days": "7"}),
    ],
    "admin/articles/story/<int:story_id>/preview-links/<int:link_id>/revoke/": [
        get_only(),
        Case(LOGIN, MOVED, 404, MOVED, MOVED, method="POST"),
    ],
    # The story form's heartbeat ("being edited by"): whoever may see the story; it
    # answers who else has the form open and changes nothing about the story.
    "admin/articles/story/<int:story_id>/presence/": [
        get_only(),
        Case(LOGIN, 200, 404, 200, 200, method="POST"),
        Case(LOGIN, 204, 404, 204, 204, method="POST", data={"state": "gone"}),
    ],
    # "Translate into …": whoever may see the story and create stories; a new linked
    # draft, and the browser sent to it (or back, with a message, if one exists).
    "admin/articles/story/<int:story_id>/translate/": [
        get_only(),
        Case(LOGIN, MOVED, 404, MOVED, MOVED, method="POST", data={"language": "fa"}),
    ],
    # --- the review conversation (articles/comment_urls.py): the story's writers and the
    # editors; another journalist finds no story. The sample comment is the editor's,
    # an open thread on the lede with no reply. A writer resolves only with a reply
    # (without: the page again, 400, nothing changed); only editors reopen; only the
    # author deletes (so the superuser, not its author, gets 403 too).
    "admin/articles/story/<int:story_id>/comments/": [Case(LOGIN, 200, 404, 200, 200)],
    "admin/articles/story/<int:story_id>/comments/new/": [
        get_only(),
        Case(
            LOGIN,
            MOVED,
            404,
            MOVED,
            MOVED,
            method="POST",
            data={"anchor": "lede:", "body": "Is this sourced?"},
        ),
        Case(LOGIN, 400, 404, 400, 400, method="POST", data={"anchor": "lede:", "body": ""}),
    ],
    "admin/articles/story/<int:story_id>/comments/<int:comment_id>/reply/": [
        get_only(),
        Case(LOGIN, MOVED, 404, MOVED, MOVED, method="POST", data={"body": "Done."}),
    ],
    "admin/articles/story/<int:story_id>/comments/<int:comment_id>/resolve/": [
        get_only(),
        Case(LOGIN, 400, 404, MOVED, MOVED, method="POST"),
        Case(LOGIN, MOVED, 404, MOVED, MOVED, method="POST", data={"body": "Sourced it."}),
    ],
    "admin/articles/story/<int:story_id>/comments/<int:comment_id>/reopen/": [
        get_only(),
        Case(LOGIN, 403, 404, MOVED, MOVED, method="POST"),
    ],
    "admin/articles/story/<int:story_id>/comments/<int:comment_id>/delete/": [
        get_only(),
        Case(LOGIN, 403, 404, MOVED, 403, method="POST"),
    ],
    # --- the public page of a preview link, and the staff preview of a working copy ----
    "p/<str:token>/": [
        everyone_staff(404, 404),
        everyone_staff(200, 200, samples={"token": "valid_token"}),
    ],
    "preview/story/<int:pk>/": [Case(404, 200, 404, 200, 200)],
    # --- stories ----------------------------------------------------------------------
    "admin/articles/story/": [everyone_staff(LOGIN, 200)],
    "admin/articles/story/add/": [everyone_staff(LOGIN, 200)],
    "admin/articles/story/import/": [everyone_staff(LOGIN, 200)],
    "admin/articles/story/<path:object_id>/change/": [Case(LOGIN, 200, GONE, 200, 200)],
    "admin/articles/story/<path:object_id>/history/": [Case(LOGIN, 200, GONE, 200, 200)],
    # Deleting moves to the trash: editors any story, a journalist their own
    # never-published draft (S is one); another journalist does not see S at all.
    "admin/articles/story/<path:object_id>/delete/": [Case(LOGIN, 200, GONE, 200, 200)],
    # S is not in the trash: those who may restore it are told so on its page.
    "admin/articles/story/<path:object_id>/untrash/": [
        get_only(),
        Case(LOGIN, MOVED, 404, MOVED, MOVED, method="POST"),
    ],
    "admin/articles/story/<path:object_id>/": [everyone_staff(LOGIN, MOVED)],
    # The workflow buttons. A journalist lacks the right for anything but submitting:
    # 403 whatever the POST holds. An editor's refused step (wrong state) is a message.
    "admin/articles/story/<path:object_id>/transition/<str:name>/": [
        get_only(args={"name": "publish"}),
        Case(LOGIN, MOVED, 404, MOVED, MOVED, method="POST", args={"name": "submit"}),
        *[
            Case(LOGIN, 403, 404, MOVED, MOVED, method="POST", args={"name": name}, data=data)
            for name, data in [
                ("request_changes", {"message": "Source the figures."}),
                ("approve", {"version": "{version}"}),
                ("schedule", {"version": "{version}", "publish_at": "2099-01-01 06:00"}),
                ("cancel_schedule", {}),
                ("publish", {"version": "{version}"}),
                ("unpublish", {}),
            ]
        ],
        Case(LOGIN, 404, 404, 404, 404, method="POST", args={"name": "frobnicate"}),
    ],
    # Corrections go on live stories, by editors; S is a draft, so the editor's is refused
    # with a message.
    "admin/articles/story/<path:object_id>/correction/": [
        get_only(),
        Case(
            LOGIN,
            403,
            404,
            MOVED,
            MOVED,
            method="POST",
            data={"kind": "correction", "text": "The bridge is 40 m long."},
        ),
    ],
    # --- revisions: read-only for everyone, and only of stories one may see -------------
    "admin/articles/revision/": [everyone_staff(LOGIN, 200)],
    "admin/articles/revision/add/": [everyone_staff(LOGIN, 403)],
    "admin/articles/revision/<path:object_id>/change/": [Case(LOGIN, 200, GONE, 200, 200)],
    "admin/articles/revision/<path:object_id>/history/": [Case(LOGIN, 200, GONE, 200, 200)],
    "admin/articles/revision/<path:object_id>/delete/": [everyone_staff(LOGIN, 403)],
    "admin/articles/revision/<path:object_id>/": [everyone_staff(LOGIN, MOVED)],
    # --- authors: journalists add them (guest bylines), editors manage them ------------
    "admin/articles/author/": [everyone_staff(LOGIN, 200)],
    "admin/articles/author/add/": [everyone_staff(LOGIN, 200)],
    "admin/articles/author/<path:object_id>/change/": [everyone_staff(LOGIN, 200)],
    "admin/articles/author/<path:object_id>/history/": [everyone_staff(LOGIN, 200)],
    "admin/articles/author/<path:object_id>/delete/": [Case(LOGIN, 403, 403, 200, 200)],
    "admin/articles/author/<path:object_id>/": [everyone_staff(LOGIN, MOVED)],
    # --- sections and labels: editors manage them, journalists only read them ----------
    "admin/articles/section/": [everyone_staff(LOGIN, 200)],
    "admin/articles/section/add/": [Case(LOGIN, 403, 403, 200, 200)],
    "admin/articles/section/<path:object_id>/change/": [everyone_staff(LOGIN, 200)],
    "admin/articles/section/<path:object_id>/history/": [everyone_staff(LOGIN, 200)],
    "admin/articles/section/<path:object_id>/delete/": [Case(LOGIN, 403, 403, 200, 200)],
    "admin/articles/section/<path:object_id>/": [everyone_staff(LOGIN, MOVED)],
    "admin/articles/briefinglabel/": [everyone_staff(LOGIN, 200)],
    "admin/articles/briefinglabel/add/": [Case(LOGIN, 403, 403, 200, 200)],
    "admin/articles/briefinglabel/<path:object_id>/change/": [everyone_staff(LOGIN, 200)],
    "admin/articles/briefinglabel/<path:object_id>/history/": [everyone_staff(LOGIN, 200)],
    "admin/articles/briefinglabel/<path:object_id>/delete/": [Case(LOGIN, 403, 403, 200, 200)],
    "admin/articles/briefinglabel/<path:object_id>/": [everyone_staff(LOGIN, MOVED)],
    # --- house rules: editors weigh them; the rules themselves are code ------------------
    "admin/articles/houserule/": [Case(LOGIN, 403, 403, 200, 200)],
    "admin/articles/houserule/add/": [everyone_staff(LOGIN, 403)],
    "admin/articles/houserule/<path:object_id>/change/": [Case(LOGIN, 403, 403, 200, 200)],
    "admin/articles/houserule/<path:object_id>/history/": [Case(LOGIN, 403, 403, 200, 200)],
    "admin/articles/houserule/<path:object_id>/delete/": [everyone_staff(LOGIN, 403)],
    "admin/articles/houserule/<path:object_id>/": [everyone_staff(LOGIN, MOVED)],
    # --- the inbox on the desk: everyone marks their own notices read -------------------
    "admin/articles/notices/read/": [get_only(), everyone_staff(LOGIN, MOVED, method="POST")],
    # --- tags: journalists add them while writing, editors tidy them --------------------
    "admin/articles/tag/": [everyone_staff(LOGIN, 200)],
    "admin/articles/tag/add/": [everyone_staff(LOGIN, 200)],
    "admin/articles/tag/<path:object_id>/change/": [everyone_staff(LOGIN, 200)],
    "admin/articles/tag/<path:object_id>/history/": [everyone_staff(LOGIN, 200)],
    "admin/articles/tag/<path:object_id>/delete/": [Case(LOGIN, 403, 403, 200, 200)],
    "admin/articles/tag/<path:object_id>/": [everyone_staff(LOGIN, MOVED)],
    # --- corrections (of A's live story): editors write them; they are append-only, so
    # only an administrator may amend or withdraw one ----------------------------------
    "admin/articles/correction/": [everyone_staff(LOGIN, 200)],
    "admin/articles/correction/add/": [Case(LOGIN, 403, 403, 200, 200)],
    "admin/articles/correction/<path:object_id>/change/": [
        Case(LOGIN, 200, GONE, 200, 200),
        Case(
            LOGIN,
            403,
            GONE,
            403,
            MOVED,
            method="POST",
            data={"story": "{live}", "kind": "clarification", "text": "Reworded."},
        ),
    ],
    "admin/articles/correction/<path:object_id>/history/": [Case(LOGIN, 200, GONE, 200, 200)],
    "admin/articles/correction/<path:object_id>/delete/": [
        Case(LOGIN, 403, 403, 403, 200),
        Case(LOGIN, 403, 403, 403, MOVED, method="POST", data={"post": "yes"}),
    ],
    "admin/articles/correction/<path:object_id>/": [everyone_staff(LOGIN, MOVED)],
    # --- preview links (of S): listed here, made and revoked on the story's own page ---
    "admin/articles/previewlink/": [everyone_staff(LOGIN, 200)],
    "admin/articles/previewlink/add/": [everyone_staff(LOGIN, 403)],
    "admin/articles/previewlink/<path:object_id>/change/": [Case(LOGIN, 200, GONE, 200, 200)],
    "admin/articles/previewlink/<path:object_id>/history/": [Case(LOGIN, 200, GONE, 200, 200)],
    "admin/articles/previewlink/<path:object_id>/delete/": [everyone_staff(LOGIN, 403)],
    "admin/articles/previewlink/<path:object_id>/": [everyone_staff(LOGIN, MOVED)],
    # --- the audit log (a line about S): editors read it, nobody changes it ---------------
    "admin/articles/auditentry/": [Case(LOGIN, 403, 403, 200, 200)],
    "admin/articles/auditentry/add/": [everyone_staff(LOGIN, 403)],
    "admin/articles/auditentry/<path:object_id>/change/": [Case(LOGIN, 403, 403, 200, 200)],
    "admin/articles/auditentry/<path:object_id>/history/": [Case(LOGIN, 403, 403, 200, 200)],
    "admin/articles/auditentry/<path:object_id>/delete/": [everyone_staff(LOGIN, 403)],
    "admin/articles/auditentry/<path:object_id>/": [everyone_staff(LOGIN, MOVED)],
    # --- the autocomplete behind the byline and go-deeper fields -----------------------
    "admin/autocomplete/": [
        everyone_staff(
            LOGIN,
            200,
            query="app_label=articles&model_name=relatedlink&field_name=target&term=",
        ),
        everyone_staff(
            LOGIN, 200, query="app_label=articles&model_name=byline&field_name=author&term="
        ),
    ],
}


# --- walking the resolver --------------------------------------------------------------------


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace or ""]))
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = ":".join(filter(None, [namespace, pattern.name])) if pattern.name else ""
            yield prefix + str(pattern.pattern), name


def _ours(route: str, name: str) -> bool:
    if name.split(":")[0] in ("history", "preview"):
        return True
    if name in ("articles:story-preview", "admin:autocomplete"):
        return True
    return route.startswith("admin/articles/") or name.startswith("admin:articles_")


def our_routes() -> dict[str, str]:
    """Every route of ours, as ``{route: url name}``, in the resolver's order."""
    return {route: name for route, name in _walk(get_resolver().url_patterns) if _ours(route, name)}


ROUTES = our_routes()


def test_every_route_of_ours_has_expectations():
    missing = [route for route in ROUTES if route not in EXPECTED]
    assert not missing, (
        "These URLs are new: add each to EXPECTED in tests/test_role_matrix.py with what "
        f"anonymous visitors, writers, other journalists, editors and superusers get: {missing}"
    )


def test_every_expectation_names_a_route_that_exists():
    stale = [route for route in EXPECTED if route not in ROUTES]
    assert not stale, f"EXPECTED lists routes the resolver no longer has: {stale}"


# --- the people and the story -------------------------------------------------------------


@dataclass
class World:
    people: dict
    story: Story
    samples: dict


def _make_world() -> tuple[dict, int, dict]:
    writer = in_group(make_user("writer_a"), "Journalists")
    editor = in_group(make_user("desk_editor"), "Editors")
    people = {
        "anonymous": None,
        "writer": writer,
        "other_journalist": in_group(make_user("journalist_b"), "Journalists"),
        "editor": editor,
        "superuser": make_user("superuser", is_superuser=True),
    }
    author = make_author("Ada Writer", user=writer)
    story = make_story(
        "Mayor's secret budget plan",
        authors=[author],
        sections=[("Why it matters", "<p>The budget shapes every service.</p>")],
        links=[("Background", "https://example.org/background")],
        created_by=writer,
        by=writer,
    )
    story.lede = "The mayor plans to cut the parks budget."
    story.save()
    workflow.save_revision(story, writer, "Sharper lede")
    first = story.revisions.get(number=1)
    link, token = workflow.create_preview_link(first, writer, lifetime=PREVIEW_LIFETIME)
    live = make_story(
        "Bridge reopens", authors=[author], created_by=writer, publish=True, by=editor
    )
    correction = workflow.correct(live, "correction", "The bridge is 40 m long, not 400 m.", editor)
    audit_entry = AuditEntry.objects.get(story=story, action="preview_create")
    refused = workflow.keep_refused_save(story, snapshot.build(story), 1, writer)
    comment = workflow.add_comment(story, editor, "Source the budget figure.", anchor_kind="lede")
    samples = {
        # Arguments of the routes, by name.
        "story_id": story.pk,
        "pk": story.pk,
        "number": 1,
        "link_id": link.pk,
        "refused_id": refused.pk,
        "comment_id": comment.pk,
        "token": WRONG_TOKEN,
        "valid_token": token,
        "app_label": "articles",
        "version": str(story.version),
        # The object_id of admin/articles/<model>/<object_id>/…, by model.
        "story": story.pk,
        "revision": first.pk,
        "author": author.pk,
        "section": make_section("City").pk,
        "tag": make_tag("Budget").pk,
        "briefinglabel": BriefingLabel.objects.order_by("pk").first().pk,
        "correction": correction.pk,
        "houserule": HouseRule.objects.order_by("pk").first().pk,
        "live": str(live.pk),
        "previewlink": link.pk,
        "auditentry": audit_entry.pk,
    }
    return {name: user and user.pk for name, user in people.items()}, story.pk, samples


@pytest.fixture(scope="module")
def _saved_world(django_db_setup, django_db_blocker):
    """The people and stories, made once for the module's few hundred requests."""
    with module_rows(django_db_blocker, _make_world) as made:
        yield made


@pytest.fixture
def world(_saved_world) -> World:
    people, story_id, samples = _saved_world
    users = get_user_model().objects.in_bulk([pk for pk in people.values() if pk])
    return World(
        people={name: users.get(pk) for name, pk in people.items()},
        story=Story.objects.get(pk=story_id),
        samples=samples,
    )


def client_for(world: World, person: str, **options) -> Client:
    """A browser of its own for ``person``, signed in unless the person is anonymous."""
    user = world.people[person]
    return Client(**options) if user is None else signed_in(user, **options)


def state_of(story: Story) -> dict:
    """What a refused request must leave as it was."""
    story = Story.objects.get(pk=story.pk)
    return {
        "status": story.status,
        "live_revision": story.live_revision_id,
        "approved_revision": story.approved_revision_id,
        "version": story.version,
        "headline": story.headline,
        "revisions": story.revisions.count(),
        "audit_entries": AuditEntry.objects.filter(story=story).count(),
        "usable_preview_links": story.preview_links.filter(revoked_at__isnull=True).count(),
        "comments": list(story.comments.values_list("pk", "resolved_at")),
    }


# --- the matrix ---------------------------------------------------------------------------


def url_of(route: str, case: Case, samples: dict) -> str:
    name = ROUTES[route]
    kwargs = {}
    converters = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)
    for names in converters:
        argument = next(n for n in names if n)
        if argument == "object_id":
            model = route.removeprefix("admin/articles/").split("/")[0]
            kwargs[argument] = samples[model]
        elif argument in case.args:
            kwargs[argument] = case.args[argument]
        else:
            kwargs[argument] = samples[case.samples.get(argument, argument)]
    if name:
        url = reverse(name, kwargs=kwargs)
    else:
        # The admin's unnamed object_id/ redirect: fill the route by hand.
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)
    return f"{url}?{case.query}" if case.query else url


def _cases():
    for route in ROUTES:
        cases = EXPECTED.get(route) or [None]
        for index, case in enumerate(cases):
            method = case.method if case else "GET"
            for person in PEOPLE:
                name = case.args.get("name", "") if case else ""
                label = f"{method} {route}" + (f" {name}" if name else "")
                yield pytest.param(route, index, person, id=f"{label} as {person}")


def outcome_of(response):
    if response.status_code != 302:
        return response.status_code
    location = response["Location"]
    if location.startswith(reverse("admin:login")):
        return LOGIN
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    if location == reverse("admin:index") and any("doesn’t exist" in m for m in messages):
        return GONE
    return MOVED


@pytest.mark.parametrize(("route", "index", "person"), list(_cases()))
def test_route_answers_each_person_as_expected(world, route, index, person):
    assert route in EXPECTED, (
        f"{route} is a new URL with no entry in EXPECTED (tests/test_role_matrix.py): "
        "decide what each person gets there and add it."
    )
    case = EXPECTED[route][index]
    url = url_of(route, case, world.samples)
    before = state_of(world.story)
    client = client_for(world, person)
    if case.method == "POST":
        data = {key: value.format(**world.samples) for key, value in case.data.items()}
        response = client.post(url, data)
    else:
        response = client.get(url)
    expected = case.expected(person)
    assert outcome_of(response) == expected, (
        f"{case.method} {url} as {person}: expected {expected}, got {response.status_code} "
        f"{response.get('Location', '')}"
    )
    if case.method == "GET" or expected not in (200, MOVED):
        assert state_of(world.story) == before, f"{case.method} {url} as {person} changed S"


# --- the go-deeper and byline autocomplete ---------------------------------------------------


def autocomplete(client, model_name: str, field_name: str, term: str) -> list[str]:
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return [result["text"] for result in response.json()["results"]]


def test_go_deeper_autocomplete_hides_another_writers_draft(world):
    client = client_for(world, "other_journalist")
    assert "Mayor's secret budget plan" not in autocomplete(client, "relatedlink", "target", "")
    assert autocomplete(client, "relatedlink", "target", "secret budget") == []


def test_go_deeper_autocomplete_offers_live_stories_to_other_journalists(world):
    client = client_for(world, "other_journalist")
    assert autocomplete(client, "relatedlink", "target", "bridge") == ["Bridge reopens"]


def test_go_deeper_autocomplete_offers_the_writer_their_own_draft(world):
    client = client_for(world, "writer")
    assert autocomplete(client, "relatedlink", "target", "secret budget") == [
        "Mayor's secret budget plan"
    ]


def test_byline_autocomplete_finds_authors_for_every_journalist(world):
    client = client_for(world, "other_journalist")
    assert autocomplete(client, "byline", "author", "ada") == ["Ada Writer"]


def test_story_list_hides_another_writers_draft(world):
    response = client_for(world, "other_journalist").get(reverse("admin:articles_story_changelist"))
    assert response.status_code == 200
    assert "Mayor's secret budget plan" not in response.content.decode()


# --- forged form fields -------------------------------------------------------------------


def change_form_data(client, story) -> dict:
    """The story's change form as the page shows it, as a browser would send it back."""
    response = client.get(reverse("admin:articles_story_change", args=[story.pk]))
    assert response.status_code == 200
    return form_values(response)


def test_journalist_posting_status_and_live_revision_leaves_story_a_draft(world):
    client = client_for(world, "writer")
    story = world.story
    data = change_form_data(client, story) | {
        "status": Status.PUBLISHED,
        "live_revision": str(story.revisions.get(number=2).pk),
        "approved_revision": str(story.revisions.get(number=2).pk),
        "first_published_at": "2026-01-01 00:00:00",
        "lede": "An edit with forged fields.",
    }
    response = client.post(reverse("admin:articles_story_change", args=[story.pk]), data)
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.lede == "An edit with forged fields."
    assert story.status == Status.DRAFT
    assert story.live_revision is None
    assert story.approved_revision is None
    assert story.first_published_at is None


def transition_url(story, name: str) -> str:
    return reverse("admin:articles_story_transition", args=[story.pk, name])


@pytest.mark.parametrize("name", ["approve", "publish"])
def test_writer_posting_to_approve_or_publish_is_forbidden_and_changes_nothing(world, name):
    story = world.story
    workflow.transition(story, "submit", world.people["writer"])
    before = state_of(story)
    response = client_for(world, "writer").post(
        transition_url(story, name), {"version": str(story.version)}
    )
    assert response.status_code == 403
    assert state_of(story) == before
    assert state_of(story)["status"] == Status.IN_REVIEW


def test_journalist_posting_the_publish_button_leaves_story_a_draft(world):
    client = client_for(world, "writer")
    story = world.story
    data = change_form_data(client, story) | {"_publish": "Publish"}
    client.post(reverse("admin:articles_story_change", args=[story.pk]), data)
    story.refresh_from_db()
    assert story.status == Status.DRAFT
    assert not story.is_live
    assert not AuditEntry.objects.filter(story=story, action="publish").exists()


# --- CSRF ---------------------------------------------------------------------------------


def csrf_refusals(world):
    story = world.story
    yield reverse("admin:articles_story_change", args=[story.pk]), {"headline": "Forged"}
    yield reverse("history:presence", args=[story.pk]), {"state": "gone"}
    yield transition_url(story, "submit"), {"version": str(story.version)}
    yield reverse("history:restore", args=[story.pk, 1]), {}
    yield reverse("history:preview-link-create", args=[story.pk]), {"revision": "1", "days": "7"}
    yield reverse("history:preview-link-revoke", args=[story.pk, world.samples["link_id"]]), {}
    comment = world.samples["comment_id"]
    yield reverse("comments:add", args=[story.pk]), {"anchor": "lede:", "body": "Forged."}
    yield reverse("comments:reply", args=[story.pk, comment]), {"body": "Forged."}
    yield reverse("comments:resolve", args=[story.pk, comment]), {"body": "Forged."}
    yield reverse("comments:reopen", args=[story.pk, comment]), {}
    yield reverse("comments:delete", args=[story.pk, comment]), {}


@pytest.mark.parametrize("person", ["writer", "editor"])
def test_forms_posted_without_csrf_token_are_refused(world, person):
    client = client_for(world, person, enforce_csrf_checks=True)
    before = state_of(world.story)
    for url, data in csrf_refusals(world):
        assert client.post(url, data).status_code == 403, url
    assert state_of(world.story) == before


# --- what anonymous readers can reach --------------------------------------------------------


def public_url(story: Story) -> str:
    """The address the story has, or would have had if published the day it was made."""
    day = timezone.localtime(story.first_published_at or story.created_at)
    return reverse(
        "articles:story-detail",
        kwargs={"year": day.year, "month": day.month, "day": day.day, "slug": story.slug},
    )


@pytest.fixture
def unpublished_stories(journalist, editor):
    """One story in each state a reader must not see."""

    def written(headline):
        return make_story(headline, created_by=journalist, by=journalist)

    draft = written("Draft story")
    in_review = written("Story in review")
    workflow.transition(in_review, "submit", journalist)
    approved = written("Approved story")
    workflow.transition(approved, "submit", journalist)
    workflow.transition(approved, "approve", editor)
    scheduled = written("Scheduled story")
    workflow.transition(scheduled, "submit", journalist)
    workflow.transition(scheduled, "approve", editor)
    workflow.transition(
        scheduled, "schedule", editor, publish_at=timezone.now() + timedelta(days=1)
    )
    unpublished = written("Unpublished story")
    workflow.transition(unpublished, "publish", editor)
    workflow.transition(unpublished, "unpublish", editor)
    changes = written("Story with changes requested")
    workflow.transition(changes, "submit", journalist)
    workflow.transition(changes, "request_changes", editor, message="Source the figures.")
    stories = [draft, in_review, approved, scheduled, unpublished, changes]
    for story in stories:
        story.refresh_from_db()
    assert {s.status for s in stories} == set(Status.values) - {Status.PUBLISHED}
    return stories


def test_anonymous_reader_gets_404_for_unpublished_stories_by_public_url(
    client, unpublished_stories
):
    for story in unpublished_stories:
        assert client.get(public_url(story)).status_code == 404, story.get_status_display()


def test_anonymous_reader_gets_404_for_unpublished_stories_by_preview_url(
    client, unpublished_stories
):
    for story in unpublished_stories:
        url = reverse("articles:story-preview", args=[story.pk])
        assert client.get(url).status_code == 404, story.get_status_display()


def test_anonymous_reader_walking_story_ids_finds_no_preview(client, unpublished_stories):
    live = make_story("Live story", publish=True)
    # The ids around this test's stories: sequences keep counting across the suite, so
    # walking from 1 would cost thousands of requests and find nothing more.
    ids = [story.pk for story in [*unpublished_stories, live]]
    for pk in range(max(1, min(ids) - 3), max(ids) + 4):
        url = reverse("articles:story-preview", args=[pk])
        assert client.get(url).status_code == 404, url
    assert client.get(public_url(live)).status_code == 200


def test_revisions_of_unpublished_stories_are_not_reachable_by_preview_link_guessing(
    client, unpublished_stories
):
    for revision in Revision.objects.filter(story__in=unpublished_stories):
        for guess in (str(revision.pk), str(revision.number), revision.story.slug):
            assert client.get(PreviewLink.url_for(guess)).status_code == 404
