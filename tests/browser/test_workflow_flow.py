"""The editorial workflow end to end, in a real browser: write, review, publish, revise.

A journalist, an editor and an anonymous reader each have their own browser context
(their own cookies), as three people at three desks would. Everything goes through
the pages they would use: the admin's sign-in form, the story form with its
autocompletes and prose editors, the workflow buttons, the public story page and
the revision history.

Unlike the other browser tests this one writes. It uses the package's demo site and
live server (``tests/browser/conftest.py``); its people are committed before it runs,
and everything it adds is removed with the demo content when the package finishes
(``demo_content`` puts the database back as it was).
"""

import re
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from playwright.sync_api import expect

from tests.browser.demo_site import ARTIFACTS
from tests.factories import make_author, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PASSWORD = "correct horse battery staple"

HEADLINE = "Council approves night buses for the east side"
WHY_IT_MATTERS = "Shift workers lose two hours a day waiting for the first bus."
WHY_IT_MATTERS_REVISED = "Four thousand shift workers wait up to two hours for the first bus."
WHY_IT_MATTERS_LIVE_EDIT = "About four thousand shift workers now get home before midnight."
BIG_PICTURE = "The east side has had no service after 11 p.m. since 2019."
WHATS_NEXT = "The first routes start in March, paid for by the parking levy."
GO_DEEPER_TITLE = "How the last bus cuts happened"
REVIEW_COMMENT = "Source the number of shift workers in Why it matters."

SECTIONS = [
    ("Why it matters", WHY_IT_MATTERS),
    ("The big picture", BIG_PICTURE),
    ("What's next", WHATS_NEXT),
]


@pytest.fixture(scope="module")
def people(site, django_db_blocker):
    """A journalist with an author profile, an editor, and a colleague for the second
    byline; committed, so the live server's thread sees them."""
    fast_hashes = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with django_db_blocker.unblock(), fast_hashes:
        journalist = make_user("flow_journalist", first_name="Nadia", last_name="Osei")
        journalist.groups.add(Group.objects.get(name="Journalists"))
        editor = make_user("flow_editor", first_name="Tom", last_name="Berg")
        editor.groups.add(Group.objects.get(name="Editors"))
        make_author("Nadia Osei", user=journalist)
        make_author("Karim Haddad")
    return {"journalist": "flow_journalist", "editor": "flow_editor"}


@pytest.fixture
def desks(browser):
    """One browser context per person: journalist, editor and reader."""
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


@contextmanager
def screenshots_on_failure(pages: dict):
    """Keep what each person saw when a step fails, in ``test-artifacts/``."""
    try:
        yield
    except BaseException:
        folder = ARTIFACTS / "workflow"
        folder.mkdir(parents=True, exist_ok=True)
        for name, page in pages.items():
            if not page.is_closed():
                page.screenshot(path=folder / f"{name}.png", full_page=True)
        raise


# --- what people do --------------------------------------------------------------------------


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text("Log out")


def choose_in_autocomplete(page, row, term: str, choice: str) -> None:
    """Open the row's select2 box, search for ``term`` and pick ``choice``."""
    row.locator(".select2-selection").click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill(term)
    page.locator(".select2-results__option", has_text=choice).click()
    expect(row.locator(".select2-selection__rendered")).to_have_text(re.compile(re.escape(choice)))


def add_row(page, group: str) -> None:
    page.locator(f"#{group}-group .add-row a").click()


def write_in_editor(page, section_row, text: str, *, replace: bool = False) -> None:
    """Click into the section's prose editor and type, as a writer would."""
    editor = section_row.locator("[contenteditable='true']")
    editor.click()
    if replace:
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.press("Delete")
    page.keyboard.type(text)
    expect(editor).to_have_text(text)


def save_and_continue(page) -> None:
    # The buttons are above the form and under it: either saves.
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist .success").first).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/articles/story/\d+/change/$"))


def press_workflow_button(page, label: str) -> None:
    page.locator(".story-workflow").get_by_role("button", name=label, exact=True).click()
    expect(page.locator(".messagelist")).to_be_visible()
    expect(page.locator(".messagelist .error")).to_have_count(0)


def expect_status(page, status: str) -> None:
    expect(page.locator(".story-workflow .story-badge")).to_have_text(status)


def section_row(page, label: str):
    """The inline row of the section labelled ``label`` on the story form."""
    return page.locator("#sections-group .inline-related:not(.empty-form)").filter(
        has=page.locator("select[name$='-label'] option:checked", has_text=label)
    )


def expect_reader_sees(page, *texts: str, absent: tuple[str, ...] = ()) -> None:
    article = page.locator("main article")
    for text in texts:
        expect(article).to_contain_text(text)
    for text in absent:
        expect(article).not_to_contain_text(text)


# --- the flow ---------------------------------------------------------------------------------


def test_story_goes_from_writing_through_review_to_readers_and_its_history(
    site, people, desks, django_db_blocker
):
    journalist, editor, reader = desks["journalist"], desks["editor"], desks["reader"]
    dialogs = []
    for page in desks.values():
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))

    with screenshots_on_failure(desks):
        # The journalist writes the story: two bylines, three sections, a go-deeper link.
        sign_in(journalist, site.url, people["journalist"])
        journalist.goto(f"{site.url}/admin/articles/story/add/")
        journalist.locator("#id_headline").press_sequentially(HEADLINE)
        expect(journalist.locator("#id_slug")).to_have_value(
            "council-approves-night-buses-for-the-east-side"
        )
        journalist.locator("#id_lede").fill(
            "The city council voted 9-2 to run buses all night on four eastern routes."
        )

        choose_in_autocomplete(journalist, journalist.locator("#bylines-0"), "Nadia", "Nadia Osei")
        add_row(journalist, "bylines")
        choose_in_autocomplete(
            journalist, journalist.locator("#bylines-1"), "Karim", "Karim Haddad"
        )

        for index, (label, text) in enumerate(SECTIONS):
            if index:
                add_row(journalist, "sections")
            row = journalist.locator(f"#sections-{index}")
            row.locator("select[name$='-label']").select_option(label=label)
            write_in_editor(journalist, row, text)

        link = journalist.locator("#related_links-0")
        link.locator("input[name$='-title']").fill(GO_DEEPER_TITLE)
        seed = site.content.seed_headline
        choose_in_autocomplete(journalist, link, " ".join(seed.split()[:2]), seed)

        save_and_continue(journalist)
        expect_status(journalist, "Draft")
        story_url = journalist.url
        press_workflow_button(journalist, "Submit for review")
        expect_status(journalist, "In review")

        # The editor finds it on the desk and asks for a change, with a comment.
        sign_in(editor, site.url, people["editor"])
        queue = editor.get_by_role("region", name="Awaiting review")
        queue.get_by_role("link", name=HEADLINE, exact=True).click()
        expect(editor).to_have_url(story_url)
        expect_status(editor, "In review")
        editor.locator(".story-action--request_changes summary").click()
        request = editor.locator(".story-action--request_changes form")
        request.get_by_label("Comment for the writers").fill(REVIEW_COMMENT)
        request.get_by_role("button", name="Request changes").click()
        expect_status(editor, "Changes requested")

        # The journalist reads the comment, revises "Why it matters" and resubmits.
        journalist.reload()
        expect_status(journalist, "Changes requested")
        expect(journalist.locator(".story-reviewer-note")).to_contain_text(REVIEW_COMMENT)
        write_in_editor(
            journalist,
            section_row(journalist, "Why it matters"),
            WHY_IT_MATTERS_REVISED,
            replace=True,
        )
        save_and_continue(journalist)
        press_workflow_button(journalist, "Submit for review")
        expect_status(journalist, "In review")

        # The editor approves and publishes.
        editor.reload()
        expect_status(editor, "In review")
        press_workflow_button(editor, "Approve")
        expect_status(editor, "Approved")
        press_workflow_button(editor, "Publish now")
        expect_status(editor, "Published")
        public_url = editor.locator(".story-workflow").get_by_role("link", name="View on site")
        public_url = site.url + public_url.get_attribute("href")

        # A reader opens the story.
        reader.goto(public_url)
        expect(reader.get_by_role("heading", level=1)).to_have_text(HEADLINE)
        expect_reader_sees(
            reader, WHY_IT_MATTERS_REVISED, BIG_PICTURE, WHATS_NEXT, "Nadia Osei", "Karim Haddad"
        )
        go_deeper = reader.get_by_role("region", name="Go deeper")
        expect(go_deeper.get_by_role("link", name=GO_DEEPER_TITLE)).to_have_attribute(
            "href", site.content.paths["story"]
        )

        # The editor edits the live story: readers keep the published text until it is
        # published again.
        write_in_editor(
            editor, section_row(editor, "Why it matters"), WHY_IT_MATTERS_LIVE_EDIT, replace=True
        )
        save_and_continue(editor)
        expect(editor.locator(".story-workflow")).to_contain_text("Has unpublished changes")
        reader.reload()
        expect_reader_sees(reader, WHY_IT_MATTERS_REVISED, absent=(WHY_IT_MATTERS_LIVE_EDIT,))

        press_workflow_button(editor, "Publish now")
        expect_status(editor, "Published")
        reader.reload()
        expect_reader_sees(reader, WHY_IT_MATTERS_LIVE_EDIT, absent=(WHY_IT_MATTERS_REVISED,))

        # The editor compares the two published revisions in the story's history.
        editor.get_by_role("link", name="Revisions, changes and workflow log").click()
        expect(editor.get_by_role("heading", name="Revisions, newest first")).to_be_visible()
        log = editor.locator("section[aria-labelledby='workflow-heading'] tbody tr")
        published = log.filter(has=editor.get_by_role("rowheader", name="Published", exact=True))
        expect(published).to_have_count(2)
        numbers = sorted(int(row.locator("td").nth(3).inner_text()) for row in published.all())
        editor.get_by_label(f"Compare from revision {numbers[0]}").check()
        editor.get_by_label(f"Compare to revision {numbers[1]}").check()
        editor.get_by_role("button", name="Compare").click()
        expect(editor.get_by_role("heading", name="What changed")).to_be_visible()
        expect(editor.locator(".change__summary")).to_contain_text(
            [re.compile(r"^Why it matters (edited|rewritten)$")]
        )

    assert dialogs == [], f"unexpected questions from the page: {dialogs}"
