"""The Persian edition in a real browser, on the demo content: every kind of Persian
page (home, the Persian seed story, its section, its author, search) at desktop and
phone widths is right to left, fits the screen, passes axe-core's WCAG A and AA rules
and the Nu HTML Checker; and the seed story reads as the demo promises.
"""

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.browser.demo_site import ARTIFACTS, ROOT
from tests.browser.test_accessibility import RUN_AXE, WCAG_TAGS, describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SCREENS = ["desktop", "phone"]
PAGES = ["home", "story", "section", "author", "search"]
#: "Belarus": a word of the Persian seed story.
SEARCH_WORD = "بلاروس"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

#: The Persian seed story's labelled sections, in the order of its copy.
SEED_LABELS = ["چرا مهم است", "تصویر بزرگ", "آنچه می‌گویند", "بین خطوط"]
PERSIAN_MONTHS = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)

#: What the browser made of the page: its direction, and anything drawn past either
#: side of the screen (a right-to-left page overflows to the left).
LAYOUT = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const outside = [...document.querySelectorAll("body *")]
    .filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && (box.right > width + 1 || box.left < -1);
    })
    .filter((el) => !el.closest(".visually-hidden, .skip-link, .section-nav ul"))
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : ""));
  return {
    direction: getComputedStyle(document.body).direction,
    htmlDir: root.dir,
    lang: root.lang,
    scrollWidth: root.scrollWidth,
    clientWidth: width,
    outside,
  };
}"""


@pytest.fixture(scope="module")
def persian_paths(site, django_db_blocker) -> dict[str, str]:
    """The Persian pages of the demo, by name."""
    from articles.models import Story

    with django_db_blocker.unblock(), translation.override("fa"):
        story = Story.objects.published().filter(language="fa").order_by("pk").first()
        assert story is not None, "the demo should have a published Persian story"
        byline = story.bylines.order_by("position").select_related("author").first()
        assert byline is not None, "the Persian demo story should have a byline"
        return {
            "home": reverse("articles:home"),
            "story": story.get_absolute_url(),
            "section": reverse("articles:section-detail", args=[story.section.slug]),
            "author": reverse("articles:author-detail", args=[byline.author.slug]),
            "search": f"{reverse('articles:search')}?q={quote(SEARCH_WORD)}",
        }


def test_persian_paths_are_in_the_persian_edition(persian_paths):
    assert all(urlsplit(path).path.startswith("/fa/") for path in persian_paths.values())


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("name", PAGES)
def test_persian_page_is_right_to_left_and_fits_the_screen(
    name, screen, site, screens, persian_paths
):
    page = screens[screen]
    page.goto(site.url + persian_paths[name], wait_until="load")
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"fa-{name}-{screen}.png")
    layout = page.evaluate(LAYOUT)
    assert (layout["lang"], layout["htmlDir"], layout["direction"]) == ("fa", "rtl", "rtl")
    assert layout["scrollWidth"] <= layout["clientWidth"], (
        f"{page.url} scrolls sideways at {screen} width: {layout}"
    )
    assert layout["outside"] == [], f"{page.url} draws past the screen's side: {layout}"


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("name", PAGES)
def test_persian_page_has_no_wcag_a_or_aa_violations(
    name, screen, site, screens, axe_source, persian_paths
):
    page = screens[screen]
    page.goto(site.url + persian_paths[name], wait_until="load")
    page.evaluate(axe_source)
    violations = page.evaluate(RUN_AXE, WCAG_TAGS)
    report = ARTIFACTS / "axe" / f"fa-{name}-{screen}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(violations, indent=2, ensure_ascii=False), encoding="utf-8")
    assert not violations, f"axe found {len(violations)} problem(s) on {page.url}:" + describe(
        violations
    )


@pytest.fixture(scope="module")
def vnu_messages(persian_paths, django_db_blocker) -> dict[str, list[dict]]:
    """The Nu HTML Checker's messages for each Persian page, from one run of vnu.jar."""
    java = shutil.which("java")
    if java is None:
        pytest.fail(
            "java is missing: the HTML checks run vnu.jar (apt-get install default-jre-headless)."
        )
    if not VNU_JAR.exists():
        pytest.fail(f"{VNU_JAR.relative_to(ROOT)} is missing: run `npm ci` in {ROOT}.")
    folder = ARTIFACTS / "html-fa"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    client = Client()
    with django_db_blocker.unblock():
        for name, path in persian_paths.items():
            response = client.get(path)
            assert response.status_code == 200, f"{path} answered {response.status_code}"
            (folder / f"{name}.html").write_bytes(response.content)
    files = sorted(folder.glob("*.html"))
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"vnu.jar failed (exit {result.returncode}):\n{result.stderr[-2000:]}")
    messages = {file.stem: [] for file in files}
    for message in report["messages"]:
        messages.setdefault(Path(urlsplit(message.get("url", "")).path).stem, []).append(message)
    return messages


@pytest.mark.parametrize("name", PAGES)
def test_persian_page_is_valid_html(name, vnu_messages):
    # As tests/test_validity.py: "error" and "non-document-error" fail; "info" (advice,
    # such as role="list" kept for Safari on unstyled lists) does not.
    errors = [m for m in vnu_messages[name] if m["type"] != "info"]
    assert not errors, "\n".join(
        f"  line {m.get('lastLine', '?')}: {m['message']}\n    {(m.get('extract') or '').strip()}"
        for m in errors
    )


# --- the demo's Persian story --------------------------------------------------------------


@pytest.mark.parametrize("screen", SCREENS)
def test_persian_seed_story_reads_as_promised(screen, site, screens, persian_paths):
    page = screens[screen]
    page.goto(site.url + persian_paths["story"], wait_until="load")
    labels = page.locator(".brief__label").all_inner_texts()
    assert [label.strip() for label in labels][: len(SEED_LABELS)] == SEED_LABELS
    shown = page.locator(".story__time time").first
    assert shown.get_attribute("datetime")[:4].isdigit()  # ISO for machines
    # Shown relative to now by static/js/reader.js; the exact date stays in the title.
    for text in (shown.inner_text(), shown.get_attribute("title")):
        assert any(d in text for d in "۰۱۲۳۴۵۶۷۸۹") and not any(d in text for d in "0123456789")
    assert any(month in shown.get_attribute("title") for month in PERSIAN_MONTHS)
    hreflang = page.eval_on_selector_all(
        'link[rel="alternate"][hreflang]', "links => links.map((l) => l.hreflang)"
    )
    assert sorted(hreflang) == ["en", "fa", "x-default"]
    english = page.locator('.language-switcher a[hreflang="en"]')
    assert english.inner_text() == "English"
    # The link is absolute, on the site's own address (NEWSROOM_BASE_URL), not the
    # test server's: follow its path.
    page.goto(site.url + urlsplit(english.get_attribute("href")).path, wait_until="load")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"
    back = page.locator('.language-switcher a[hreflang="fa"]')
    assert urlsplit(back.get_attribute("href")).path == persian_paths["story"]


def test_persian_pages_use_the_self_hosted_font(site, screens, persian_paths):
    page = screens["desktop"]
    page.goto(site.url + persian_paths["story"], wait_until="load")
    page.evaluate("document.fonts.ready.then(() => true)")
    assert page.evaluate("document.fonts.check('16px Vazirmatn', 'ایران')")
    loaded = page.evaluate(
        "[...document.fonts].filter((f) => f.family.replace(/\"/g, '') === 'Vazirmatn'"
        " && f.status === 'loaded').length"
    )
    assert loaded >= 1
