"""The editors' loop in a real browser, clicks counted: a journalist from the desk to a
story in review, an editor from the desk to a published story through the preview; and
"being edited by", kept by the form's heartbeat and ended by its goodbye.

Like ``test_workflow_flow.py`` this writes: its people are committed before it runs and
everything goes with the demo content when the package finishes.
"""

import re
import time

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from playwright.sync_api import expect

from articles.models import EditingPresence, Story
from tests.browser.test_workflow_flow import screenshots_on_failure, sign_in
from tests.factories import make_author, make_story, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

HEADLINE = "Ferry to the islands runs all winter"
LEDE = "The harbour board kept the island ferry running through the winter."


@pytest.fixture(scope="module")
def people(site, django_db_blocker):
    fast_hashes = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with django_db_blocker.unblock(), fast_hashes:
        journalist = make_user("loop_journalist", first_name="Amira", last_name="Haddad")
        journalist.groups.add(Group.objects.get(name="Journalists"))
        editor = make_user("loop_editor", first_name="Tom", last_name="Berg")
        editor.groups.add(Group.objects.get(name="Editors"))
        make_author("Amira Haddad", user=journalist)
    return {"journalist": journalist, "editor": editor}


@pytest.fixture(scope="module")
def open_story(people, django_db_blocker) -> Story:
    """A draft of the journalist's, committed for the live server."""
    with django_db_blocker.unblock():
        return make_story(
            "Harbour dredging starts", created_by=people["journalist"], by=people["journalist"]
        )


@pytest.fixture
def desks(browser):
    contexts = {
        name: browser.new_context(viewport={"width": 1280, "height": 900})
        for name in ("journalist", "editor", "reader")
    }
    pages = {name: context.new_page() for name, context in contexts.items()}
    for page in pages.values():
        page.set_default_timeout(15_000)
    yield pages
    for context in contexts.values():
        context.close()


def test_journalist_submits_in_one_click_and_editor_publishes_from_the_preview(site, people, desks):
    journalist, editor, reader = desks["journalist"], desks["editor"], desks["reader"]
    with screenshots_on_failure(desks):
        sign_in(journalist, site.url, people["journalist"].username)
        clicks = 0
        journalist.get_by_role("link", name="Write a story").click()
        clicks += 1
        # Their own byline is there already.
        expect(journalist.locator("#bylines-0 .select2-selection__rendered")).to_have_text(
            re.compile("Amira Haddad")
        )
        journalist.locator("#id_headline").fill(HEADLINE)
        journalist.locator("#id_lede").fill(LEDE)
        journalist.locator(".submit-row").first.get_by_role(
            "button", name="Save and submit for review"
        ).click()
        clicks += 1
        expect(journalist.locator(".story-workflow .story-badge")).to_have_text("In review")
        expect(journalist.locator(".messagelist .success").last).to_contain_text(
            "Submitted for review."
        )
        assert clicks == 2, "the desk's link, then one click once the story is typed"

        sign_in(editor, site.url, people["editor"].username)
        clicks = 0
        editor.get_by_role("link", name=f"Review {HEADLINE}").click()
        clicks += 1
        expect(editor.locator("main article h1")).to_have_text(HEADLINE)
        expect(editor.get_by_role("region", name="Review", exact=True)).to_contain_text("In review")
        editor.get_by_role("button", name="Publish now").click()
        clicks += 1
        expect(editor.locator(".review-message--success")).to_contain_text("Published")
        assert clicks == 2, "the desk's review link, then Publish under what was read"

        story = Story.objects.get(headline=HEADLINE)
        assert story.is_live
        reader.goto(site.url + story.get_absolute_url())
        expect(reader.get_by_role("heading", level=1)).to_have_text(HEADLINE)


def test_being_edited_by_goes_when_the_other_tab_closes(site, people, desks, open_story):
    journalist, editor = desks["journalist"], desks["editor"]
    story = open_story
    url = f"{site.url}/admin/articles/story/{story.pk}/change/"
    with screenshots_on_failure(desks):
        sign_in(editor, site.url, people["editor"].username)
        editor.goto(url)
        sign_in(journalist, site.url, people["journalist"].username)
        journalist.clock.install()
        journalist.goto(url)
        notice = journalist.locator("#story-presence")
        expect(notice).to_contain_text("Being edited by Tom Berg since")

        editor.close()  # the tab says goodbye as it goes
        deadline = time.monotonic() + 10
        while EditingPresence.objects.filter(story=story, user=people["editor"]).exists():
            assert time.monotonic() < deadline, "no goodbye from the closed tab"
            time.sleep(0.1)
        # The journalist's next heartbeat learns it, without a reload.
        journalist.clock.fast_forward("00:31")
        expect(notice).not_to_contain_text("Being edited by")
        assert EditingPresence.objects.filter(story=story, user=people["journalist"]).exists()
