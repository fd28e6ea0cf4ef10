"""axe-core audits of the admin pages people write and review in: the story form (add
and change, with its inlines), the admin home with the desk and the planning view, a
story's history and compare pages, the import page and the staff preview of a story in
review (with its diff and review buttons).

Same rules and screens as the reading pages (``test_accessibility.py``: WCAG 2.0, 2.1
and 2.2 A and AA; a desktop and a phone in the light scheme, the desktop in the dark
one). Each page is opened signed in as the person who uses it, in a browser context of
their own (the reading pages' tabs stay signed out). The demo site's accounts are used;
the story in review is committed before the first test and goes with the demo content.

What select2 and the prose editor build in the browser is named by our own
``static/js/admin/a11y.js``; the table-like inlines' fields by
``articles.admin.story.LabelledRows``.
"""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from articles import demo, workflow
from articles.models import Author, Story
from tests.browser.conftest import SCREENS
from tests.browser.demo_site import ARTIFACTS
from tests.browser.test_accessibility import RUN_AXE, WCAG_TAGS, describe
from tests.factories import make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

FAST_HASHES = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
PASSWORDS = {account.username: account.password for account in demo.ACCOUNTS}
ADMIN_SCREENS = ["desktop", "phone", "dark"]


@pytest.fixture(scope="module")
def in_review(site, django_db_blocker) -> int:
    """A story the demo journalist sent back once and resubmitted: its preview shows a
    diff against the revision the editor reviewed. Committed, for the live server."""
    with django_db_blocker.unblock():
        users = get_user_model().objects
        journalist, editor = users.get(username="journalist"), users.get(username="editor")
        story = make_story(
            "Tram line to the airport opens in June",
            authors=[Author.objects.get(user=journalist)],
            sections=[("Why it matters", "<p>Flights at dawn need a way in before 5 a.m.</p>")],
            created_by=journalist,
            by=journalist,
        )
        workflow.transition(story, "submit", journalist)
        workflow.transition(story, "request_changes", editor, message="Give the fare.")
        story.lede = "The airport tram opens on 2 June; a single fare costs €2.40."
        story.save()
        workflow.save_revision(story, journalist, "Fare added")
        workflow.transition(story, "submit", journalist)
        # The coming week on the editor's desk: one story scheduled, one waiting for a time.
        with override_settings(NEWSROOM={**settings.NEWSROOM, "HOUSE_RULES": False}):
            for headline, publish_at in [
                ("Bridge repairs close the north lane", timezone.now() + timedelta(days=1)),
                ("Library opens on Sundays", None),
            ]:
                planned = make_story(headline, created_by=journalist, by=journalist)
                workflow.transition(planned, "submit", journalist)
                workflow.transition(planned, "approve", editor)
                if publish_at:
                    workflow.transition(planned, "schedule", editor, publish_at=publish_at)
    return story.pk


@pytest.fixture(scope="module")
def desks(browser, site, django_db_blocker):
    """``desks[(person, screen)]``: a tab signed in as ``person`` on ``screen``."""
    contexts, pages = [], {}
    # The live server signs them in outside any test: let it reach the database.
    with FAST_HASHES, django_db_blocker.unblock():
        for person in ("editor", "journalist"):
            for screen in ADMIN_SCREENS:
                context = browser.new_context(**SCREENS[screen])
                contexts.append(context)
                page = context.new_page()
                page.set_default_timeout(15_000)
                page.goto(f"{site.url}/admin/login/")
                page.get_by_label("Username").fill(person)
                page.get_by_label("Password").fill(PASSWORDS[person])
                page.get_by_role("button", name="Log in").click()
                expect(page.locator("#user-tools")).to_contain_text("Log out")
                pages[(person, screen)] = page
    yield pages
    for context in contexts:
        context.close()


def _seed() -> Story:
    return Story.objects.get(headline=demo.SEED_HEADLINE)


ALL_NAMED = """() => Array.from(document.querySelectorAll(".select2-selection[role=combobox]"))
  .every((combobox) => combobox.dataset.a11y === "done")"""

#: Each page: who opens it, and its address.
PAGES = {
    "admin-home-editor": ("editor", lambda review: reverse("admin:index")),
    "admin-home-journalist": ("journalist", lambda review: reverse("admin:index")),
    "story-add": ("journalist", lambda review: reverse("admin:articles_story_add")),
    "story-change-live": (
        "editor",
        lambda review: reverse("admin:articles_story_change", args=[_seed().pk]),
    ),
    "story-change-in-review": (
        "journalist",
        lambda review: reverse("admin:articles_story_change", args=[review]),
    ),
    "history": ("editor", lambda review: reverse("history:list", args=[_seed().pk])),
    "compare": (
        "editor",
        lambda review: reverse("history:compare", args=[review]) + "?a=1&b=2",
    ),
    "import": ("journalist", lambda review: reverse("admin:articles_story_import")),
    "preview-in-review": (
        "editor",
        lambda review: reverse("articles:story-preview", args=[review]),
    ),
}


@pytest.mark.parametrize("screen", ADMIN_SCREENS)
@pytest.mark.parametrize("name", list(PAGES))
def test_admin_page_has_no_wcag_a_or_aa_violations(
    name, screen, site, desks, in_review, axe_source
):
    person, path = PAGES[name]
    page = desks[(person, screen)]
    page.goto(site.url + path(in_review), wait_until="load")
    if page.locator("textarea[name$='-body']").count():
        # The prose editors build their toolbars once their script has run.
        expect(page.locator(".ProseMirror").first).to_be_attached()
    # static/js/admin/a11y.js names what select2 built, once the page has loaded.
    page.wait_for_function(ALL_NAMED)
    page.evaluate(axe_source)
    violations = page.evaluate(RUN_AXE, WCAG_TAGS)

    report = ARTIFACTS / "axe" / f"{name}-{screen}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(violations, indent=2), encoding="utf-8")
    assert not violations, f"axe found {len(violations)} problem(s) on {page.url}:" + describe(
        violations
    )
