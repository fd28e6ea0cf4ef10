"""Issue 11's acceptance, in a real browser, clicks counted: a journalist imports the seed
copy (asked for a headline), is refused at submit with the list of what to fix, fixes it
and submits; an editor comments on "Why it matters" from the preview and requests
changes; the journalist replies, resolves and resubmits; the editor approves and
publishes from the preview; a reader reads it. Then the trash: a published demo story
deleted, 410 for readers, restored.

A click is a press on a link, a button, a checkbox or a disclosure, or a choice from a
drop-down; typing, and clicking into a box to type, are not clicks. Opening the desk
(the admin's home page, where signing in lands) is not one either.

Like ``test_workflow_flow.py`` this writes: its people are committed before it runs and
everything goes with the demo content when the package finishes. The house rules apply
(``house_rules``).
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from playwright.sync_api import expect

from articles import demo
from articles.models import HouseRule, Story
from tests.browser.test_workflow_flow import (
    expect_status,
    press_workflow_button,
    screenshots_on_failure,
    section_row,
    sign_in,
    write_in_editor,
)
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db, pytest.mark.house_rules]

SEED_COPY = (demo.STORIES_DIR / "seed-story.txt").read_text(encoding="utf-8")
HEADLINE = "Iran and Belarus agree to deepen security ties"
#: The seed's lede is two sentences and 46 words; its first sentence alone keeps the rules.
LEDE_FIXED = (
    "Iranian Foreign Minister Abbas Araghchi met on Monday with Alexander Volfovich, "
    "State Secretary of Belarus’s National Security Council, during his official visit "
    "to Minsk."
)
#: "Why it matters" cut from 95 words, which brings the story under 300.
WHY_IT_MATTERS_CUT = (
    "Both countries face Western sanctions and now back each other in international forums."
)
REVIEW_COMMENT = "Cut Why it matters to one sentence: the story runs over 300 words."
REQUEST = "Over our length: see my comment on Why it matters."
REPLY = "Cut to one sentence: the story is under 300 words now."
#: A published demo story that keeps the house rules, to trash and restore.
TRASHED_HEADLINE = "Harbour Town reach cup final after penalty shootout"


@pytest.fixture(scope="module")
def people(site, django_db_blocker):
    fast_hashes = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with django_db_blocker.unblock(), fast_hashes:
        journalist = make_user("accept_journalist", first_name="Leila", last_name="Karimi")
        journalist.groups.add(Group.objects.get(name="Journalists"))
        editor = make_user("accept_editor", first_name="Tom", last_name="Berg")
        editor.groups.add(Group.objects.get(name="Editors"))
    return {"journalist": journalist.username, "editor": editor.username}


@pytest.fixture(scope="module")
def lede_rules_block_at_submit(site, django_db_blocker):
    """The editors' choice: a lede of more than one sentence, or too many words, stops a
    story at submit. By default these only warn at submit (``articles.brevity.RULES``),
    and nothing else the seed copy breaks blocks there once it has a headline."""
    codes = ["lede_sentences", "lede_words"]
    with django_db_blocker.unblock():
        before = {rule.code: rule.on_submit for rule in HouseRule.objects.filter(code__in=codes)}
        HouseRule.objects.filter(code__in=codes).update(on_submit=HouseRule.Level.BLOCK)
    yield
    with django_db_blocker.unblock():
        for code, level in before.items():
            HouseRule.objects.filter(code=code).update(on_submit=level)


@pytest.fixture
def desks(browser):
    """One browser context per person: journalist, editor and reader (never signed in)."""
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


def test_seed_copy_goes_from_import_through_review_to_readers_and_a_story_through_the_trash(
    site, people, desks, lede_rules_block_at_submit
):
    journalist, editor, reader = desks["journalist"], desks["editor"], desks["reader"]
    dialogs = []
    for page in desks.values():
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))

    with screenshots_on_failure(desks):
        # 1. The journalist imports the seed copy, which has no headline line.
        sign_in(journalist, site.url, people["journalist"])
        clicks = 0
        journalist.get_by_role("link", name="Import from text").click()
        clicks += 1
        journalist.get_by_label("Copy").fill(SEED_COPY)
        journalist.get_by_label("Section").select_option(label="World")
        clicks += 1
        journalist.get_by_role("button", name="Import as draft").click()
        clicks += 1
        expect(journalist.locator(".field-headline .errorlist")).to_contain_text(
            "The copy has no headline line"
        )
        journalist.get_by_label("Headline").fill(HEADLINE)
        journalist.get_by_role("button", name="Import as draft").click()
        clicks += 1
        expect(journalist.locator(".messagelist .success").first).to_contain_text(
            f"Imported “{HEADLINE}” as a draft."
        )
        expect_status(journalist, "Draft")
        assert clicks == 4, "the desk's import link, the section, import, import with a headline"

        # 2. Refused at submit with the list of what to fix; the lede fixed, submitted.
        clicks = 0
        save_and_submit = journalist.locator(".submit-row").first.get_by_role(
            "button", name="Save and submit for review"
        )
        save_and_submit.click()
        clicks += 1
        refusal = journalist.locator(".messagelist .error")
        expect(refusal).to_contain_text("Not submitted for review: fix these first.")
        expect(refusal.locator(".rule-failures li")).to_have_text(
            [
                re.compile(r"^The lede has 2 sentences; keep it to one sentence"),
                re.compile(r"^The lede has 46 words; aim for 40 or fewer\.$"),
            ]
        )
        expect_status(journalist, "Draft")
        journalist.locator("#id_lede").fill(LEDE_FIXED)
        save_and_submit.click()
        clicks += 1
        expect_status(journalist, "In review")
        expect(journalist.locator(".messagelist .success").last).to_contain_text(
            "Submitted for review."
        )
        assert clicks == 2, "refused once, then one click once the lede is fixed"

        # 3. The editor reviews the preview, comments on "Why it matters", sends it back.
        sign_in(editor, site.url, people["editor"])
        clicks = 0
        editor.get_by_role("link", name=f"Review {HEADLINE}").click()
        clicks += 1
        expect(editor.locator("main article h1")).to_have_text(HEADLINE)
        expect(editor.get_by_role("region", name="Review", exact=True)).to_contain_text("In review")
        new_comment = editor.get_by_role("region", name="New comment")
        new_comment.get_by_label("About").select_option(label="Why it matters")
        clicks += 1
        new_comment.get_by_label("Comment").fill(REVIEW_COMMENT)
        new_comment.get_by_role("button", name="Comment").click()
        clicks += 1
        thread = editor.get_by_role("region", name="Why it matters").locator(".comment-thread")
        expect(thread).to_contain_text(REVIEW_COMMENT)
        expect(thread.locator(".comment-badge--open")).to_be_visible()
        editor.locator(".review-action--request_changes summary").click()
        clicks += 1
        request = editor.locator(".review-action--request_changes form")
        request.get_by_label("Comment for the writers").fill(REQUEST)
        request.get_by_role("button", name="Request changes").click()
        clicks += 1
        expect(editor.locator(".review-message--success")).to_contain_text(
            "Sent back to the writers with your comment."
        )
        assert clicks == 5, "review link, the section, Comment, Request changes… and the button"

        # 4. The journalist cuts "Why it matters", replies and resolves, resubmits.
        journalist.goto(f"{site.url}/admin/")
        clicks = 0
        journalist.get_by_role("region", name="Changes requested of me").get_by_role(
            "link", name=HEADLINE, exact=True
        ).click()
        clicks += 1
        expect_status(journalist, "Changes requested")
        expect(journalist.locator(".story-reviewer-note")).to_contain_text(REQUEST)
        write_in_editor(
            journalist,
            section_row(journalist, "Why it matters"),
            WHY_IT_MATTERS_CUT,
            replace=True,
        )
        journalist.get_by_role("button", name="Save and continue editing").first.click()
        clicks += 1
        expect(journalist.locator(".messagelist .success").first).to_be_visible()
        thread = journalist.locator(".comment-thread", has_text=REVIEW_COMMENT)
        thread.get_by_label("Reply (to resolve, say what you changed)").fill(REPLY)
        thread.get_by_role("button", name="Reply and resolve").click()
        clicks += 1
        thread = journalist.locator(".comment-thread", has_text=REVIEW_COMMENT)
        expect(thread.locator(".comment-badge--resolved")).to_be_visible()
        expect(thread).to_contain_text(REPLY)
        press_workflow_button(journalist, "Submit for review")
        clicks += 1
        expect_status(journalist, "In review")
        assert clicks == 4, "the desk's link, save, reply and resolve, submit"

        # 5. The editor approves and publishes from the preview, one click each.
        editor.goto(f"{site.url}/admin/")
        clicks = 0
        editor.get_by_role("link", name=f"Review {HEADLINE}").click()
        clicks += 1
        expect(editor.locator("main article")).to_contain_text(WHY_IT_MATTERS_CUT)
        expect(editor.get_by_role("region", name="Review comments")).to_contain_text(
            "No open threads, 1 resolved."
        )
        editor.get_by_role("button", name="Approve").click()
        clicks += 1
        expect(editor.locator(".review-message--success")).to_contain_text("Approved")
        editor.get_by_role("button", name="Publish now").click()
        clicks += 1
        expect(editor.locator(".review-message--success")).to_contain_text("Published")
        assert clicks == 3, "the desk's review link, Approve, Publish now"

        # 6. A reader, not signed in, reads it at its public address.
        story = Story.objects.get(headline=HEADLINE)
        assert story.is_live
        shown = reader.goto(site.url + story.get_absolute_url())
        assert shown.status == 200
        expect(reader.get_by_role("heading", level=1)).to_have_text(HEADLINE)
        expect(reader.locator("main article.story")).to_contain_text(WHY_IT_MATTERS_CUT)

        # 7. The editor trashes another published story: gone (410), then restored.
        other = Story.objects.get(headline=TRASHED_HEADLINE)
        assert other.is_live
        public_url = site.url + other.get_absolute_url()
        assert reader.goto(public_url).status == 200
        editor.goto(f"{site.url}/admin/articles/story/{other.pk}/change/")
        editor.get_by_role("button", name="Delete").first.click()
        editor.get_by_role("button", name="Yes, I’m sure").click()
        # A live story is not trashed: it must be taken down first.
        expect(editor.locator(".messagelist .error")).to_contain_text(
            "This story is on the site: unpublish it first"
        )
        press_workflow_button(editor, "Unpublish")
        expect_status(editor, "Unpublished")
        editor.get_by_role("button", name="Delete").first.click()
        editor.get_by_role("button", name="Yes, I’m sure").click()
        expect(editor.locator(".messagelist .success")).to_contain_text(
            f"“{TRASHED_HEADLINE}” is in the trash."
        )
        gone = reader.goto(public_url)
        assert gone.status == 410
        expect(reader.get_by_role("heading", level=1)).not_to_have_text(TRASHED_HEADLINE)

        editor.goto(f"{site.url}/admin/articles/story/?trash=in")
        editor.get_by_role("link", name=TRASHED_HEADLINE, exact=True).click()
        editor.get_by_role("button", name="Restore from the trash").click()
        expect(editor.locator(".messagelist .success")).to_contain_text(
            f"“{TRASHED_HEADLINE}” is out of the trash, as it was."
        )
        # As it was: taken down, so the site answers "not found" until it is published
        # again. (Asked without the reader's browser cache: see the end.)
        assert reader.request.get(public_url).status == 404
        press_workflow_button(editor, "Publish now")
        expect_status(editor, "Published")
        assert reader.request.get(public_url).status == 200
        # The reader who was told "gone" reads it again in the same browser: a 410 with
        # no Cache-Control is fresh forever to Chromium, so this needs the site to say
        # how long "gone" holds.
        back = reader.goto(public_url)
        assert back.status == 200, f"the reader's browser still shows {back.status}"
        expect(reader.get_by_role("heading", level=1)).to_have_text(TRASHED_HEADLINE)

    assert dialogs == [
        "Take this story off the site now? Readers will get “not found” at its address."
    ]
