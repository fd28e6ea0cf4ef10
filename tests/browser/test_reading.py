"""What only a real browser shows: layout at phone and desktop widths, the header's
search form, and keyboard navigation.

Screenshots of the home and story pages at both widths (the first screen, and the
whole page) are saved to ``test-artifacts/screenshots/`` on every run, for a person
to look at; ``docs/screenshots/`` keeps reviewed copies of the first-screen ones.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.demo_site import ARTIFACTS, SEARCH_WORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SCREENS = ["desktop", "phone"]

#: The labelled briefing sections of the seed story, in the order of its copy.
SEED_LABELS = [
    "Why it matters",
    "The big picture",
    "What they're saying",
    "Between the lines",
    "What to watch",
]

HORIZONTAL_OVERFLOW = """() => {
  const root = document.documentElement;
  const wide = [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : ""));
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide};
}"""

# Every link a reader can see or reach, in document order. The skip link counts:
# it is moved off screen until focused, not hidden.
VISIBLE_LINKS = """() => [...document.querySelectorAll("a[href]")]
  .filter((a) => a.getClientRects().length > 0 && getComputedStyle(a).visibility !== "hidden")
  .map((a, i) => { a.dataset.linkIndex = i; return i; })"""

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  return {
    tag: el.tagName.toLowerCase(),
    link: el.dataset.linkIndex === undefined ? null : Number(el.dataset.linkIndex),
    text: (el.textContent || el.value || "").trim().slice(0, 60),
    href: el.getAttribute("href"),
    key: el.dataset.linkIndex ?? (el.id || el.outerHTML.slice(0, 80)),
  };
}"""


def screenshot(page, name: str) -> None:
    """What a reader sees on opening the page (``name.png``), and the whole page."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{name}.png")
    page.screenshot(path=folder / f"{name}-full.png", full_page=True)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("name", ["home", "story"])
def test_page_fits_the_screen_without_horizontal_scrolling(name, screen, site, screens):
    page = screens[screen]
    page.goto(site(name), wait_until="load")
    screenshot(page, f"{name}-{screen}")
    overflow = page.evaluate(HORIZONTAL_OVERFLOW)
    assert overflow["scrollWidth"] <= overflow["clientWidth"], (
        f"{page.url} scrolls sideways at {screen} width: {overflow}"
    )


@pytest.mark.parametrize("screen", SCREENS)
def test_story_page_shows_briefing_sections_in_order(screen, site, screens):
    page = screens[screen]
    page.goto(site("story"), wait_until="load")
    labels = page.locator("article h2").filter(visible=True).all_inner_texts()
    shown = [label.strip().rstrip(":").replace("\u2019", "'") for label in labels]
    assert [label for label in shown if label in SEED_LABELS] == SEED_LABELS, shown


@pytest.mark.parametrize("screen", SCREENS)
def test_header_search_finds_a_story(screen, site, screens):
    page = screens[screen]
    page.goto(site("home"), wait_until="load")
    box = page.locator("header").get_by_role("searchbox")
    box.fill(SEARCH_WORD)
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/search/\?q={SEARCH_WORD}$"))
    results = page.locator("main").get_by_role("link", name=site.content.seed_headline)
    expect(results.first).to_be_visible()


def test_first_tab_lands_on_the_skip_link(site, screens):
    page = screens["desktop"]
    page.goto(site("home"), wait_until="load")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert focused.get_attribute("class") == "skip-link"
    assert focused.get_attribute("href") == "#main"
    assert focused.is_visible()
    focused.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("screen", SCREENS)
def test_keyboard_reaches_every_link_on_the_home_page(screen, site, screens):
    page = screens[screen]
    page.goto(site("home"), wait_until="load")
    links = page.evaluate(VISIBLE_LINKS)
    assert len(links) > 20, "the demo home page should have plenty of links"

    reached, seen = [], set()
    for _ in range(len(links) + 20):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        if focused["key"] in seen:
            break  # focus came round again
        seen.add(focused["key"])
        if focused["link"] is not None:
            reached.append(focused["link"])

    print(f"{len(links)} links, {len(reached)} reached by Tab")
    missing = [i for i in links if i not in reached]
    assert not missing, "links the keyboard never reaches: " + ", ".join(
        page.locator(f'[data-link-index="{i}"]').first.evaluate("a => a.outerHTML")[:120]
        for i in missing
    )
    assert reached == links, "keyboard order differs from reading order"


EDGE_STRIPS = """() => {
  const menu = document.querySelector(".section-nav ul");
  const box = menu.getBoundingClientRect();
  return {x: box.left, y: box.top, width: box.width, scrollWidth: menu.scrollWidth};
}"""


def _edge_shading(page) -> tuple[int, int]:
    """How far the darkest pixel near each end of the menu is from the page background,
    read from the strip above the link text, where only the scroll shadows can draw."""
    from io import BytesIO

    from PIL import Image

    box = page.evaluate(EDGE_STRIPS)
    strip = {"x": box["x"], "y": box["y"] + 1, "width": box["width"], "height": 8}
    image = Image.open(BytesIO(page.screenshot(clip=strip))).convert("L")
    width, height = image.size
    edge = width // 40
    background = image.getpixel((width // 2, height // 2))

    def shading(xs):
        return max(abs(background - image.getpixel((x, y))) for x in xs for y in range(height))

    return shading(range(edge)), shading(range(width - edge, width))


def test_phone_section_menu_shows_a_shadow_where_it_runs_on(site, screens):
    page = screens["phone"]
    page.goto(site("home"), wait_until="load")
    assert page.evaluate(EDGE_STRIPS)["scrollWidth"] > page.evaluate(EDGE_STRIPS)["width"], (
        "the demo's sections should not fit a phone's width"
    )
    left, right = _edge_shading(page)
    assert left <= 2 and right >= 8, (left, right)

    page.eval_on_selector(".section-nav ul", "menu => { menu.scrollLeft = menu.scrollWidth; }")
    page.wait_for_function(
        "() => { const m = document.querySelector('.section-nav ul');"
        " return m.scrollLeft + m.clientWidth >= m.scrollWidth - 1; }"
    )
    left, right = _edge_shading(page)
    assert left >= 8 and right <= 2, (left, right)
