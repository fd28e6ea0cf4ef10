"""Reader conveniences in a real browser: "Copy link" puts the story's address on the
clipboard, and the story's times read as relative ("3 hr. ago") with the exact time
kept in their title. Marked browser and slow by tests/browser/conftest.py."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.demo_site import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db]

RELATIVE = re.compile(r"\d+ (sec\.|min\.|hr\.|days?) ago|yesterday|now")


@pytest.fixture
def tab(browser, site):
    context = browser.new_context(
        base_url=site.url, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    yield page, errors
    context.close()


def test_copy_link_copies_the_address_and_times_read_as_relative(site, tab):
    page, errors = tab
    page.goto(site("story"), wait_until="load")

    published = page.locator(".story__time time[data-relative]").first
    exact = published.get_attribute("title")
    assert exact and re.search(r"\d{4}", exact)
    expect(published).to_have_text(RELATIVE)
    assert published.get_attribute("title") == exact  # the exact time, on hover
    assert published.get_attribute("datetime")

    button = page.get_by_role("button", name="Copy link")
    expect(button).to_be_visible()
    button.click()
    expect(page.locator(".share__status")).to_have_text("Link copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == button.get_attribute("data-copy-link")
    assert copied.endswith(site.content.paths["story"])

    # The site's own script ran under the page's CSP, which refused nothing.
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def test_a_feed_opened_in_the_browser_explains_itself(site, tab):
    page, errors = tab
    page.goto(site.url + "/feed/", wait_until="load")
    expect(page.get_by_role("heading", name="This is a news feed")).to_be_visible()
    expect(page.get_by_role("link", name=site.content.seed_headline).first).to_be_visible()
    # The site's stylesheets applied (the page's CSP allows no inline style).
    assert page.evaluate("document.styleSheets.length") >= 2
    page.screenshot(path=ARTIFACTS / "screenshots" / "feed-desktop.png", full_page=True)
    # Chromium adds a banner about XSLT going away, with inline styles and handlers the
    # page's CSP refuses: that is the browser's. The page itself needs no inline style,
    # and everything it loads is there.
    assert page.locator("main [style]").count() == 0
    assert not [e for e in errors if "Failed to load" in e], errors
