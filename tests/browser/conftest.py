"""One demo site, one live server and one Chromium for every browser test.

Everything here is package-scoped: the demo content is loaded once (see
``tests/browser/demo_site.py`` for how it is committed and cleaned up), one server
thread serves it, and one headless Chromium with a tab per screen (desktop, phone,
desktop in the dark scheme) visits it. Tests only navigate and read, so sharing them is safe, and the whole package
runs in seconds.

The live server is Django's own ``LiveServerThread`` rather than pytest-django's
``live_server`` fixture, because that fixture switches every test that uses it to
``transactional_db``, which empties every table after each test: the content loaded
once would be gone after the first test.

Playwright cannot download browsers here; it drives Debian's ``/usr/bin/chromium``.
"""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread

from tests.browser.demo_site import ROOT, DemoSite, demo_content

# Unset or empty: Debian's chromium, as in scripts/test-prerequisites.
CHROMIUM = os.environ.get("NEWSROOM_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"

HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(config, items):
    """Mark every test in this folder ``browser`` and ``slow`` (``make test-fast`` skips them).

    A ``pytestmark`` in a conftest applies to nothing, and this hook sees the whole
    session's items, so it picks out the ones whose file lies under this folder.
    """
    for item in items:
        if not item.path.resolve().is_relative_to(HERE):
            continue
        for marker in (pytest.mark.browser, pytest.mark.slow):
            if item.get_closest_marker(marker.name) is None:
                item.add_marker(marker)


#: The screens pages are checked on: a desktop and a phone in the light scheme, and
#: the desktop in the dark scheme, whose colours the stylesheet also promises AA contrast.
SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}, "color_scheme": "light"},
    "phone": {
        "viewport": {"width": 375, "height": 812},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "color_scheme": "light",
    },
    "dark": {"viewport": {"width": 1280, "height": 800}, "color_scheme": "dark"},
}


class _JoiningServer(ThreadedWSGIServer):
    # Wait for the request threads on shutdown: each holds a database connection
    # until it ends, and an open connection stops the test database from being dropped.
    daemon_threads = False
    block_on_close = True


class _LiveServerThread(LiveServerThread):
    server_class = _JoiningServer


@dataclass
class Site:
    """The running demo site: its address and where its pages are."""

    url: str
    content: DemoSite

    def __call__(self, name: str) -> str:
        """The absolute address of the page called ``name`` (see ``PAGE_NAMES``)."""
        return self.url + self.content.paths[name]


@pytest.fixture(scope="package", autouse=True)
def _playwright_beside_django():
    """Let Django's database calls run beside Playwright's synchronous API.

    Playwright's sync API keeps its asyncio loop registered as running on the test
    thread between calls, which Django's guard against database calls from async code
    takes for an async context. Nothing here is async: the test thread only opens and
    rolls back pytest-django's empty per-test transaction.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def demo_site(django_db_setup, django_db_blocker):
    with demo_content(django_db_blocker) as content:
        yield content


@pytest.fixture(scope="package")
def site(demo_site):
    server = _LiveServerThread("127.0.0.1", static_handler=StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    try:
        yield Site(f"http://127.0.0.1:{server.port}", demo_site)
    finally:
        server.terminate()


@pytest.fixture(scope="package")
def browser(site):
    """Headless Chromium; it depends on ``site`` so that it closes before the server stops."""
    executable = shutil.which(CHROMIUM)
    if executable is None:
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's chromium "
            "(apt-get install chromium), or set NEWSROOM_CHROMIUM to another Chromium."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            # While Playwright runs, its event loop counts as running on this thread,
            # so Django keeps the tests' connections apart from the ones it had before
            # (asgiref's thread-critical Local). Close them now: once Playwright stops
            # they are out of reach, and an open one keeps the test database from
            # being dropped at the end of the session.
            connections.close_all()
            browser.close()


@pytest.fixture(scope="package")
def screens(browser):
    """One tab per screen, reused by every test: ``screens["phone"]``."""
    contexts = {name: browser.new_context(**options) for name, options in SCREENS.items()}
    pages = {name: context.new_page() for name, context in contexts.items()}
    for page in pages.values():
        page.set_default_timeout(15_000)
    yield pages
    for context in contexts.values():
        context.close()


@pytest.fixture(scope="package")
def axe_source():
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS.relative_to(ROOT)} is missing: run `npm ci` in {ROOT}.")
    # Evaluated as a script through the DevTools protocol, which the page's CSP
    # (no inline scripts) does not apply to; the final expression keeps Playwright
    # from calling whatever value the script happens to end with.
    return AXE_JS.read_text(encoding="utf-8") + "\n;true"
