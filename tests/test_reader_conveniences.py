"""Reader conveniences on a story page: share links and "Copy link", reading time,
"More in <section>", the correction flag, relative times and the feeds' stylesheet."""

import math
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from articles import workflow
from articles.brevity import check
from articles.conveniences import WORDS_PER_MINUTE
from articles.models import Story
from articles.site import absolute
from articles.views import MORE_IN_SECTION_LENGTH
from articles.workflow.gates import facts_of
from tests.factories import make_section, make_story

pytestmark = pytest.mark.django_db

#: As tests/test_reader.py's STORY_PAGE_QUERIES: the story with its rendering and its
#: section's newest stories (one query), and the section menu.
STORY_PAGE_QUERIES = 2


def published(headline=None, **fields):
    return make_story(headline, publish=True, **fields)


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text of the last ones opened."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str, tag: str, css_class: str | None = None) -> list[dict]:
    parser = _Elements()
    parser.feed(html)
    return [
        attrs
        for name, attrs in parser.tags
        if name == tag and (css_class is None or css_class in attrs.get("class", "").split())
    ]


def page_of(client, story) -> str:
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def more_in(html: str) -> str:
    """The "More in <section>" part of a story page ("" when it has none)."""
    found = re.search(r'<section class="more-in".*?</section>', html, re.S)
    return found.group() if found else ""


# --- share links ---------------------------------------------------------------------


def test_share_links_carry_the_address_and_headline_escaped(client):
    story = published('Fares & "rates" <rise> 5% + more')
    html = page_of(client, story)
    links = {a["href"].split("?")[0]: a["href"] for a in elements(html, "a", "share__link")}
    assert set(links) == {
        "mailto:",
        "https://x.com/intent/post",
        "https://www.facebook.com/sharer/sharer.php",
        "https://wa.me/",
        "https://t.me/share/url",
        "https://bsky.app/intent/compose",
        "https://www.linkedin.com/sharing/share-offsite/",
    }
    url, headline = absolute(story.get_absolute_url()), story.headline
    query = {start: parse_qs(urlsplit(href).query) for start, href in links.items()}
    assert query["mailto:"] == {"subject": [headline], "body": [url]}
    assert query["https://x.com/intent/post"] == {"text": [headline], "url": [url]}
    assert query["https://www.facebook.com/sharer/sharer.php"] == {"u": [url]}
    assert query["https://wa.me/"] == {"text": [f"{headline} {url}"]}
    assert query["https://t.me/share/url"] == {"url": [url], "text": [headline]}
    # In the HTML, every "&" between parameters is escaped, and nothing is left raw.
    assert "&amp;text=" in html and "<rise>" not in html
    assert "%20" in links["mailto:"] and "+" not in links["mailto:"].split("?")[1]


def test_share_links_load_nothing_from_the_services(client):
    html = page_of(client, published("Nothing third-party"))
    assert all(
        not src["src"].startswith(("http:", "https:", "//"))
        for src in elements(html, "script")
        if "src" in src
    )
    assert not elements(html, "iframe")
    assert all(a.get("rel") == "noopener noreferrer" for a in elements(html, "a", "share__link"))


def test_copy_link_button_is_run_by_the_sites_own_script_under_the_csp(client):
    story = published("Copy me")
    response = client.get(story.get_absolute_url())
    html = response.content.decode()
    [button] = [b for b in elements(html, "button") if "data-copy-link" in b]
    assert button["data-copy-link"] == absolute(story.get_absolute_url())
    assert "hidden" in button  # shown by the script, where the browser can copy
    scripts = elements(html, "script")
    assert {"src": "/static/js/reader.js", "defer": ""} in scripts
    # Every script is a file of the site or a data block: no inline code, no nonce.
    assert all("src" in s or s.get("type") == "application/ld+json" for s in scripts)
    assert "nonce" not in html
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert finders.find("js/reader.js")


def test_staff_preview_has_no_share_links(as_editor):
    story = make_story("Still a draft")
    html = as_editor.get(reverse("articles:story-preview", args=[story.pk])).content.decode()
    assert "Still a draft" in html
    assert not elements(html, "a", "share__link")


# --- reading time --------------------------------------------------------------------


def _counted_words(story) -> int:
    """The story's words as the house rules count them ("The story has N words")."""
    [finding] = [f for f in check(facts_of(story), {"story_words": 0}) if f.code == "story_words"]
    return int(re.search(r"has (\d+) words?", finding.message).group(1))


@pytest.mark.parametrize("body_words", [12, 450])
def test_reading_time_is_the_house_rules_word_count(client, body_words):
    body = " ".join(["word"] * body_words)
    story = published(
        "Counted",
        lede="Council votes to raise fares by five percent from January.",
        sections=[("Why it matters", f"<p>{body}</p><ul><li>Don’t stop.</li></ul>")],
    )
    words = _counted_words(story)
    assert words == 10 + body_words + 2
    html = page_of(client, story)
    minutes = max(1, math.ceil(words / WORDS_PER_MINUTE))
    reading = re.search(r'<p class="story__reading">(.*?)</p>', html, re.S).group(1)
    assert f"{minutes} min read · {words} words" in reading


# --- More in <section> ---------------------------------------------------------------


def test_more_in_section_shows_other_published_stories_of_the_section_only(client):
    world, sport = make_section("World"), make_section("Sport")
    story = published("Ceasefire holds", section=world)
    other = published("Talks resume", section=world)
    make_story("A draft of the desk", section=world)
    taken_down = published("Taken down", section=world)
    workflow.transition(taken_down, "unpublish", None)
    trashed = published("In the trash", section=world)
    workflow.transition(trashed, "unpublish", None)
    workflow.trash(trashed, None)
    published("Cup final tonight", section=sport)
    later = published("Not yet out", section=world)
    Story.objects.filter(pk=later.pk).update(first_published_at=timezone.now() + timedelta(days=1))

    shown = more_in(page_of(client, story))
    assert 'More in <a href="/sections/world/">World</a>' in shown
    headlines = re.findall(r'class="card__headline"><a href="[^"]*">([^<]*)<', shown)
    assert headlines == ["Talks resume"]
    assert other.get_absolute_url() in shown


def test_more_in_section_lists_the_newest_few(client):
    world = make_section("World")
    story = published("The one read", section=world)
    now = timezone.now()
    for days in range(MORE_IN_SECTION_LENGTH + 2):
        older = published(f"{days} days old", section=world)
        Story.objects.filter(pk=older.pk).update(first_published_at=now - timedelta(days=days + 1))
    headlines = re.findall(
        r'class="card__headline"><a href="[^"]*">([^<]*)<', more_in(page_of(client, story))
    )
    assert headlines == [f"{days} days old" for days in range(MORE_IN_SECTION_LENGTH)]


def test_story_without_a_section_has_no_more_in(client):
    published("Another without a section")
    assert more_in(page_of(client, published("No section"))) == ""


def test_more_in_section_costs_no_query_of_its_own(client, django_assert_num_queries):
    world = make_section("World")
    story = published("With neighbours", section=world)
    for i in range(MORE_IN_SECTION_LENGTH + 1):
        published(f"Neighbour {i}", section=world)
    client.get(story.get_absolute_url())  # renders what was not rendered yet
    with django_assert_num_queries(STORY_PAGE_QUERIES):
        html = page_of(client, story)
    assert len(re.findall("card__headline", more_in(html))) == MORE_IN_SECTION_LENGTH


def test_publishing_in_the_section_refreshes_the_cached_story_page(
    client, page_cache, django_capture_on_commit_callbacks
):
    world, sport = make_section("World"), make_section("Sport")
    story = published("Ceasefire holds", section=world)
    url = story.get_absolute_url()
    assert client.get(url)["X-Cache"] == "miss"
    assert client.get(url)["X-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        published("Cup final tonight", section=sport)
    assert client.get(url)["X-Cache"] == "hit"  # another section: nothing to show

    with django_capture_on_commit_callbacks(execute=True):
        published("Talks resume", section=world)
    response = client.get(url)
    assert response["X-Cache"] == "miss"
    assert "Talks resume" in more_in(response.content.decode())


# --- corrections ---------------------------------------------------------------------


def test_correction_flag_at_the_top_links_to_the_notes(client):
    story = published("Corrected story")
    assert "correction-flag" not in page_of(client, story)
    workflow.correct(story, "correction", "An earlier version misspelled Minsk.", None)
    html = page_of(client, story)
    flag = re.search(r'<p class="correction-flag" role="note">(.*?)</p>', html, re.S).group(1)
    assert "This story has been corrected." in flag
    assert '<a href="#corrections">Read the note</a>' in flag
    notes = re.search(r'<section class="corrections" id="corrections".*?</section>', html, re.S)
    assert "misspelled Minsk" in notes.group()
    # At the top: in the header, before the story's text.
    assert html.index("correction-flag") < html.index('class="story__body"') < notes.start()


def test_correction_flag_names_an_update(client):
    story = published("Updated story")
    workflow.correct(story, "update", "Added the mayor's reply.", None)
    workflow.correct(story, "update", "Added the minister's reply.", None)
    html = page_of(client, story)
    assert "This story has been updated." in html
    assert '<a href="#corrections">Read the notes</a>' in html


# --- times ---------------------------------------------------------------------------


def test_story_times_carry_the_exact_time_for_the_script(client):
    story = published("Timed story")
    html = page_of(client, story)
    [time] = [t for t in elements(html, "time") if "data-relative" in t]
    when = datetime.fromisoformat(time["datetime"])
    assert when == story.first_published_at.replace(microsecond=0)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", time["datetime"])
    # The exact time is in the title, and is the text readers without the script see.
    assert f'title="{time["title"]}" data-relative>{time["title"]}</time>' in html


# --- feeds ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/feed/", "/sections/world/feed/"])
def test_feed_names_its_stylesheet_first(client, path):
    published("In the feed", section=make_section("World"))
    body = client.get(path).content.decode()
    line = '<?xml-stylesheet href="/static/feed.xsl" media="screen" type="text/xsl"?>'
    assert body.index(line) < body.index("<rss")


def test_feed_stylesheet_is_served_and_explains_the_feed(client):
    published("Fares rise in January")
    feed = etree.fromstring(client.get("/feed/").content)
    path = finders.find("feed.xsl")
    assert path, "static/feed.xsl is served with the static files"
    page = etree.XSLT(etree.parse(path))(feed.getroottree())
    html = str(page)
    assert "This is a news feed" in html
    assert "Fares rise in January" in html
    assert 'href="/static/css/site.css"' in html
    assert absolute("/feed/") in html
