"""The newsletter in Chromium: the HTML mail as a mail app's web view shows it (it fits a
phone without sideways scrolling, turns dark in the dark scheme, passes axe, and makes
the README's screenshot: ``test-artifacts/newsletter*.png``, and
``docs/screenshots/newsletter.png`` with ``NEWSROOM_UPDATE_SCREENSHOTS=1``), and the
newsletter's pages pass axe on a desktop, a phone and in the dark.

Pages are fetched with Django's test client first and handed to Chromium by Playwright's
router, with the static files from disk: no server, and no database call while
Playwright runs (see tests/browser/conftest.py on why that matters).
"""

import dataclasses
import json
import os
import shutil
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Story
from newsletters import digest, guards, render
from newsletters.models import Newsletter, Subscriber, Subscription
from tests.browser.conftest import AXE_JS, CHROMIUM, CHROMIUM_ARGS, SCREENS
from tests.browser.test_accessibility import RUN_AXE, WCAG_TAGS, describe

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
BASE = "https://news.example.org"
SITE = "http://testserver"


@contextmanager
def chromium():
    executable = shutil.which(CHROMIUM)
    if executable is None:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def serving(pages: dict[str, bytes], origin: str):
    """A Playwright route handler: ``pages`` by path, static files from disk."""

    def handle(route):
        path = route.request.url.removeprefix(origin).split("?")[0]
        static = ROOT / "static" / path.removeprefix("/static/")
        if path in pages:
            route.fulfill(body=pages[path], content_type="text/html; charset=utf-8")
        elif path.startswith("/static/") and static.is_file():
            route.fulfill(path=str(static))
        else:
            route.fulfill(status=404, body="")

    return handle


def axe(page) -> list[dict]:
    page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;true")
    return page.evaluate(RUN_AXE, WCAG_TAGS)


# --- the mail ----------------------------------------------------------------------------------------


@pytest.fixture
def edition_html(settings, editor) -> str:
    settings.NEWSROOM = {**settings.NEWSROOM, "BASE_URL": BASE}
    call_command("load_demo", stdout=StringIO())
    corrected = Story.objects.get(headline__startswith="Coastal towns")
    workflow.correct(
        corrected, "correction", "An earlier version gave the number of towns as 32.", editor
    )
    now = timezone.now()
    content = digest.for_window(
        Newsletter.objects.get(slug="daily"), timezone.localdate(), now - timedelta(hours=24), now
    )
    intro = "Good morning. Five stories in two minutes, and one correction."
    return render.render(dataclasses.replace(content, intro=intro)).preview().html


def test_the_mail_fits_a_phone_turns_dark_passes_axe_and_makes_the_screenshot(edition_html):
    ARTIFACTS.mkdir(exist_ok=True)
    seen, problems = {}, {}
    with chromium() as browser:
        for name, options in {
            "light": {"viewport": {"width": 760, "height": 900}, "color_scheme": "light"},
            "dark": {"viewport": {"width": 760, "height": 900}, "color_scheme": "dark"},
            "phone": SCREENS["phone"],
        }.items():
            context = browser.new_context(**options)
            page = context.new_page()
            page.route(f"{BASE}/**", serving({}, BASE))
            page.set_content(edition_html, wait_until="load")
            seen[name] = page.evaluate(
                """() => ({
                    background: getComputedStyle(document.querySelector('.page')).backgroundColor,
                    overflow: document.documentElement.scrollWidth
                        - document.documentElement.clientWidth,
                    logo: document.querySelector('img').naturalWidth,
                })"""
            )
            problems[name] = axe(page)
            page.screenshot(path=str(ARTIFACTS / f"newsletter-{name}.png"), full_page=True)
            context.close()
    assert seen["light"]["background"] == "rgb(255, 255, 255)"
    assert seen["dark"]["background"] == "rgb(27, 30, 37)"
    assert seen["phone"]["overflow"] <= 0, "the mail scrolls sideways on a phone"
    assert seen["light"]["logo"] > 0, "the logo did not load"
    for name, violations in problems.items():
        assert not violations, f"axe, the mail ({name}):" + describe(violations)
    if os.environ.get("NEWSROOM_UPDATE_SCREENSHOTS"):
        shutil.copy(ARTIFACTS / "newsletter-light.png", ROOT / "docs/screenshots/newsletter.png")


# --- the pages ------------------------------------------------------------------------------------------


@pytest.fixture
def newsletter_pages(client) -> dict[str, bytes]:
    call_command("load_demo", stdout=StringIO())
    subscriber = Subscriber.objects.create(email="axe@example.org")
    Subscription.objects.create(
        subscriber=subscriber, newsletter=Newsletter.objects.get(slug="daily")
    )
    paths = {
        "/newsletter/": "signup",
        reverse("newsletters:confirm", args=[guards.confirm_token(subscriber)]): "confirm",
        reverse("newsletters:preferences", args=[subscriber.key]): "preferences",
        reverse("newsletters:unsubscribe", args=[subscriber.key, "daily"]): "unsubscribe",
        reverse("newsletters:data", args=[guards.data_token(subscriber)]): "data",
        "/newsletter/preferences/no-such-key/": "broken link",
    }
    pages = {path: client.get(path).content for path in paths}
    checked = client.post(
        "/newsletter/",
        {"email": "axe2@example.org", "token": guards.form_token()},
        headers={"Origin": SITE},
    )
    pages["/check-your-inbox/"] = checked.content
    bad = client.post(
        "/newsletter/", {"email": "nope", "token": guards.form_token()}, headers={"Origin": SITE}
    )
    pages["/sign-up-with-errors/"] = bad.content
    return pages


@pytest.mark.parametrize("screen", ["desktop", "phone", "dark"])
def test_the_newsletter_pages_have_no_wcag_a_or_aa_violations(newsletter_pages, screen):
    found = {}
    with chromium() as browser:
        context = browser.new_context(**SCREENS[screen])
        page = context.new_page()
        page.route(f"{SITE}/**", serving(newsletter_pages, SITE))
        for path in newsletter_pages:
            page.goto(SITE + path, wait_until="load")
            found[path] = axe(page)
        context.close()
    report = ARTIFACTS / "axe" / f"newsletter-pages-{screen}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(found, indent=2), encoding="utf-8")
    failing = {path: v for path, v in found.items() if v}
    assert not failing, "\n".join(f"axe, {path}:" + describe(v) for path, v in failing.items())
