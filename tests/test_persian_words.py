"""The Persian edition speaks Persian: every reader page, feed and error page of the demo's
Persian edition, walked for Latin-script words.

What may stay in Latin script is named, not guessed: the names in the data (the site's and
the tags'; authors have their Persian names), the share buttons' brand names, "RSS" and "UTC", and text marked
with a ``lang`` of its own (the language switcher's "English", a "Go deeper" link to an
English story). Anything else in Latin script is an interface string or a fallback that was
never translated.
"""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from lxml import etree, html

from articles import workflow
from articles.models import Section, Story, Tag
from tests.latin import allowed_words, latin_words, page_text, what_a_reader_meets

pytestmark = pytest.mark.django_db


@pytest.fixture
def allowed(demo) -> set[str]:
    # Not the authors': the Persian edition writes its bylines in Persian.
    return allowed_words(
        settings.NEWSROOM["SITE_NAME"], *Tag.objects.values_list("name", flat=True)
    )


@pytest.fixture
def persian_story(demo) -> Story:
    return Story.objects.published().get(language="fa")


def reader_pages(story: Story) -> list[str]:
    """Every kind of reader page of the Persian edition, with the demo's content."""
    pages = ["/fa/", story.get_absolute_url(), "/fa/corrections/", "/fa/search/"]
    pages += ["/fa/search/?q=بلاروس", "/fa/search/?q=ناپیدا"]
    with translation.override("fa"):
        pages += [section.get_absolute_url() for section in Section.objects.all()]
        pages += [byline.author.get_absolute_url() for byline in story.bylines.all()]
        pages += [tag.get_absolute_url() for tag in story.tags.all()]
    return pages


def test_every_reader_page_of_the_persian_edition_is_in_persian(client, persian_story, allowed):
    pages = reader_pages(persian_story)
    assert len(pages) > 12  # the walk reached the sections, bylines and tags
    found = {path: latin_words(page_text(client, path), allowed) for path in pages}
    assert {path: words for path, words in found.items() if words} == {}


def go_deeper_links(client, story) -> dict[str, tuple]:
    document = html.fromstring(client.get(story.get_absolute_url()).content)
    links = document.xpath('//section[@class="go-deeper"]//a')
    return {a.get("href"): (a.get("lang"), a.get("hreflang")) for a in links}


def test_a_go_deeper_link_into_the_other_edition_says_its_language(client, persian_story):
    targets = [link.target for link in persian_story.related_links.exclude(target=None)]
    assert targets and {target.language for target in targets} == {"en"}
    links = go_deeper_links(client, persian_story)
    assert {links[target.get_absolute_url()] for target in targets} == {("en", "en")}
    # Within one edition a link says nothing more: the English original's, to English stories.
    english_links = go_deeper_links(client, persian_story.translation_source)
    assert english_links and set(english_links.values()) == {(None, None)}


def test_the_persian_error_pages_are_in_persian(client, persian_story, allowed):
    editor = get_user_model().objects.get(username="editor")  # the demo's
    missing = page_text(client, "/fa/no-such-page/", status=404)
    assert "صفحه پیدا نشد" in missing[0]
    workflow.transition(persian_story, "unpublish", editor)
    workflow.trash(persian_story, editor)
    removed = page_text(client, persian_story.get_absolute_url(), status=410)
    assert "این خبر برداشته شده است" in removed[0]
    assert latin_words(missing + removed, allowed) == []


@pytest.mark.parametrize("template", ["500.html", "503.html"])
def test_the_pages_shown_without_a_database_follow_the_edition(template, allowed):
    with translation.override("fa"):
        text = render_to_string(template, {"retry_after": 30})
    document = html.fromstring(text)
    assert (document.get("lang"), document.get("dir")) == ("fa", "rtl")
    assert latin_words(what_a_reader_meets(document), allowed) == []
    if template == "503.html":
        assert "حدود ۳۰ ثانیهٔ دیگر" in text
    with translation.override("en"):
        assert '<html lang="en" dir="ltr">' in render_to_string(template, {"retry_after": 30})


def test_the_persian_feeds_describe_themselves_in_persian(client, persian_story, allowed):
    with translation.override("fa"):
        section = persian_story.live_section
        feeds = ["/fa/feed/", f"/fa/sections/{section.slug}/feed/"]
        feeds += [f"/fa/authors/{b.author.slug}/feed/" for b in persian_story.bylines.all()]
        feeds += [f"/fa/tags/{tag.slug}/feed/" for tag in persian_story.tags.all()]
    for path in feeds:
        response = client.get(path)
        assert response.status_code == 200, path
        channel = etree.fromstring(response.content).find("channel")
        texts = [channel.findtext("title"), channel.findtext("description")]
        texts += [item.findtext("title") for item in channel.iter("item")]
        assert latin_words(texts, allowed) == [], path
        assert persian_story.headline in texts, path
    assert section.name_in("fa") in client.get(feeds[1]).content.decode()


def test_a_section_without_a_persian_description_shows_none_in_persian(client, demo):
    section = Section.objects.get(slug="world")
    section.descriptions = {}
    section.save()
    document = html.fromstring(client.get("/fa/sections/world/").content)
    assert document.xpath('//p[@class="page-header__description"]') == []
    description = document.xpath('//meta[@name="description"]/@content')
    assert description == [f"تازه‌ترین خبرهای جهان در {settings.NEWSROOM['SITE_NAME']}."]
    english = html.fromstring(client.get("/sections/world/").content)
    assert english.xpath('//p[@class="page-header__description"]/text()') == [section.description]


def test_an_operator_may_give_each_edition_its_own_tagline(client, settings, demo):
    settings.NEWSROOM = {
        **settings.NEWSROOM,
        "TAGLINE": "News in brief.",
        "TAGLINES": {"fa": "خبر در چند خط."},
    }
    assert "خبر در چند خط." in client.get("/fa/").content.decode()
    english = client.get("/").content.decode()
    assert "News in brief." in english and "خبر در چند خط." not in english


def test_bylines_are_written_as_each_edition_writes_them(client, persian_story):
    names = [byline.author.names["fa"] for byline in persian_story.bylines.all()]
    assert names == ["حسین امیری", "محبوبه حبیبی"]
    persian = client.get(persian_story.get_absolute_url()).content.decode()
    assert "><bdi>حسین امیری</bdi></a>" in persian
    assert "Hossein Amiri" not in persian
    english = client.get(persian_story.translation_source.get_absolute_url()).content.decode()
    assert "><bdi>Hossein Amiri</bdi></a>" in english and "حسین امیری" not in english
    feed = client.get("/fa/authors/hossein-amiri/feed/").content.decode()
    assert "<dc:creator>حسین امیری</dc:creator>" in feed
    assert "<title>Newsroom: حسین امیری</title>" in feed


def test_a_persian_reader_finds_a_story_by_its_writers_persian_name(client, persian_story):
    for query in ["امیری", "حبیبی", "Amiri"]:
        document = html.fromstring(client.get("/fa/search/", {"q": query}).content)
        found = document.xpath("//main//h3//a/@href | //main//h2//a/@href")
        assert persian_story.get_absolute_url() in found, query


def test_the_persian_feeds_page_for_browsers_is_in_persian(client, persian_story, allowed):
    feed = etree.fromstring(client.get("/fa/feed/").content)
    stylesheet = etree.XSLT(etree.parse(finders.find("feed.xsl")))
    page = html.fromstring(str(stylesheet(feed.getroottree())))
    assert (page.get("lang"), page.get("dir")) == ("fa", "rtl")
    assert page.findtext(".//h2") == "این یک خوراک خبری است"
    for address in page.xpath("//code"):  # the feed's address: not words
        address.drop_tree()
    assert latin_words(what_a_reader_meets(page), allowed) == []
    english = html.fromstring(str(stylesheet(etree.fromstring(client.get("/feed/").content))))
    assert english.findtext(".//h2") == "This is a news feed"
