"""What pages tell search engines and social networks: JSON-LD, OpenGraph, Twitter
cards, canonical addresses, descriptions and feed autodiscovery."""

import io
import json
import re
from datetime import timedelta

import lxml.html
import pytest
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from articles import renditions, workflow
from articles.models import ImageRendition
from tests.factories import make_author, make_section, make_story, make_tag

pytestmark = pytest.mark.django_db

BASE = "https://news.example.org"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.NEWSROOM = {
        **settings.NEWSROOM,
        "SITE_NAME": "The Harbour Gazette",
        "TAGLINE": "News from the coast.",
        "BASE_URL": BASE,
        "LANGUAGE": "en",
        "LOGO": "img/logo.png",
    }


def photo(name="photo.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 900), (30, 90, 160)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def published(headline=None, **fields):
    return make_story(headline, publish=True, **fields)


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response


def doc(response):
    return lxml.html.fromstring(response.content)


def meta(response, key):
    """Every value of ``<meta property=key>`` or ``<meta name=key>``, in page order."""
    return doc(response).xpath(f'//meta[@property="{key}" or @name="{key}"]/@content')


def one(response, key):
    (value,) = meta(response, key)
    return value


def structured_data(response):
    (script,) = doc(response).xpath('//script[@type="application/ld+json"]')
    return json.loads(script.text)


def news_article(response):
    return next(d for d in structured_data(response) if d["@type"] == "NewsArticle")


def breadcrumbs(response):
    return next(d for d in structured_data(response) if d["@type"] == "BreadcrumbList")


def canonical(response):
    (href,) = doc(response).xpath('//link[@rel="canonical"]/@href')
    return href


@pytest.fixture
def story():
    return published(
        "Harbour reopens after the storm",
        lede="Ships returned to the harbour on Monday, three weeks after the storm.",
        authors=[make_author("Priya Raman"), make_author("Tom Whitaker")],
        section=make_section("Business"),
        tags=[make_tag("Shipping"), make_tag("Weather")],
        lead_image=photo(),
        lead_image_alt="Cranes unloading a container ship",
    )


# --- JSON-LD -------------------------------------------------------------------------


def test_story_page_describes_itself_as_a_news_article(client, story):
    article = news_article(get(client, story.get_absolute_url()))
    url = BASE + story.get_absolute_url()
    assert article["@context"] == "https://schema.org"
    assert article["headline"] == "Harbour reopens after the storm"
    assert article["description"] == story.lede
    assert article["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert article["articleSection"] == "Business"
    assert article["keywords"] == ["Shipping", "Weather"]
    assert article["inLanguage"] == "en"


def test_news_article_dates_are_the_publication_times(client, story):
    later = story.first_published_at + timedelta(hours=2)
    workflow.correct(story, "update", "Added the port's statement.", None, at=later)
    story.refresh_from_db()
    article = news_article(get(client, story.get_absolute_url()))
    assert article["datePublished"] == story.first_published_at.isoformat(timespec="seconds")
    assert article["dateModified"] == story.last_published_at.isoformat(timespec="seconds")
    assert article["dateModified"] > article["datePublished"]


def test_every_byline_is_a_person_with_an_absolute_author_page(client, story):
    article = news_article(get(client, story.get_absolute_url()))
    assert article["author"] == [
        {"@type": "Person", "name": "Priya Raman", "url": f"{BASE}/authors/priya-raman/"},
        {"@type": "Person", "name": "Tom Whitaker", "url": f"{BASE}/authors/tom-whitaker/"},
    ]


def test_publisher_is_the_site_with_an_absolute_logo(client, story):
    publisher = news_article(get(client, story.get_absolute_url()))["publisher"]
    assert publisher["@type"] == "Organization"
    assert publisher["name"] == "The Harbour Gazette"
    assert publisher["url"] == f"{BASE}/"
    assert publisher["logo"]["@type"] == "ImageObject"
    assert publisher["logo"]["url"] == f"{BASE}/static/img/logo.png"


def test_logo_address_is_a_static_file_that_exists(client, story):
    publisher = news_article(get(client, story.get_absolute_url()))["publisher"]
    name = publisher["logo"]["url"].removeprefix(f"{BASE}/static/")
    assert finders.find(name) is not None


def test_news_article_image_is_absolute(client, story):
    article = news_article(get(client, story.get_absolute_url()))
    (image,) = article["image"]
    assert image["@type"] == "ImageObject"
    assert image["url"].startswith(f"{BASE}/media/")


def test_share_image_is_the_original_with_its_size_until_the_card_is_made(client, story):
    response = get(client, story.get_absolute_url())
    assert one(response, "og:image") == f"{BASE}{story.lead_image.url}"
    assert (one(response, "og:image:width"), one(response, "og:image:height")) == ("1600", "900")
    (image,) = news_article(response)["image"]
    assert (image["width"], image["height"]) == (1600, 900)


def test_share_image_is_the_link_preview_card_once_made(client, story):
    renditions.make_renditions(story.lead_image.name)
    response = get(client, story.get_absolute_url())
    card = ImageRendition.objects.get(source=story.lead_image.name, kind=renditions.SOCIAL)
    assert one(response, "og:image") == f"{BASE}{card.url}"
    assert (one(response, "og:image:width"), one(response, "og:image:height")) == ("1200", "630")
    assert one(response, "twitter:image") == f"{BASE}{card.url}"
    (image,) = news_article(response)["image"]
    assert image == {
        "@type": "ImageObject",
        "url": f"{BASE}{card.url}",
        "width": 1200,
        "height": 630,
    }


def test_story_without_image_has_no_image_in_structured_data(client):
    story = published("A story without pictures")
    assert "image" not in news_article(get(client, story.get_absolute_url()))


def test_breadcrumbs_go_home_section_story(client, story):
    crumbs = breadcrumbs(get(client, story.get_absolute_url()))["itemListElement"]
    assert [(c["position"], c["name"], c["item"]) for c in crumbs] == [
        (1, "Home", f"{BASE}/"),
        (2, "Business", f"{BASE}/sections/business/"),
        (3, "Harbour reopens after the storm", BASE + story.get_absolute_url()),
    ]


def test_breadcrumbs_of_a_story_without_section_skip_it(client):
    story = published("No desk")
    crumbs = breadcrumbs(get(client, story.get_absolute_url()))["itemListElement"]
    assert [c["name"] for c in crumbs] == ["Home", "No desk"]


def test_headline_cannot_break_out_of_the_json_ld_script(client):
    hostile = "Harbour </script><script>alert(1)</script> & <!-- reopens"
    story = published(hostile, lede=hostile, authors=[make_author(hostile)])
    response = get(client, story.get_absolute_url())
    html = response.content.decode()
    start = html.index('<script type="application/ld+json"')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    assert "<" not in body and ">" not in body and "&" not in body
    assert "\\u003C/script\\u003E" in body
    article = news_article(response)
    assert article["headline"] == hostile
    assert article["author"][0]["name"] == hostile
    assert len(doc(response).xpath("//script[@type='application/ld+json']")) == 1


def test_json_ld_needs_no_nonce_so_a_cached_page_suits_every_reader(client, story):
    # Browsers run no data block, so the CSP does not apply to it: no per-reader value.
    response = get(client, story.get_absolute_url())
    assert doc(response).xpath('//script[@type="application/ld+json"]/@nonce') == []
    assert "'nonce-" not in response.headers["Content-Security-Policy"]


def test_preview_of_working_copy_has_no_structured_data_or_canonical(client, journalist):
    from django.urls import reverse

    story = make_story("Not out yet", created_by=journalist)
    client.force_login(journalist)
    response = get(client, reverse("articles:story-preview", args=[story.pk]))
    assert doc(response).xpath('//script[@type="application/ld+json"]') == []
    assert doc(response).xpath('//link[@rel="canonical"]') == []
    assert meta(response, "og:type") == []


# --- OpenGraph and Twitter -------------------------------------------------------------


def test_story_page_has_opengraph_article_tags(client, story):
    response = get(client, story.get_absolute_url())
    url = BASE + story.get_absolute_url()
    assert one(response, "og:type") == "article"
    assert one(response, "og:title") == "Harbour reopens after the storm"
    assert one(response, "og:description") == story.lede
    assert one(response, "og:url") == url
    assert one(response, "og:site_name") == "The Harbour Gazette"
    assert one(response, "og:image").startswith(f"{BASE}/media/")
    assert one(response, "og:image:alt") == "Cranes unloading a container ship"
    assert one(response, "article:section") == "Business"
    assert meta(response, "article:tag") == ["Shipping", "Weather"]


def test_opengraph_times_are_machine_readable(client, story):
    response = get(client, story.get_absolute_url())
    published, modified = story.first_published_at, story.last_published_at
    assert one(response, "article:published_time") == published.isoformat(timespec="seconds")
    assert one(response, "article:modified_time") == modified.isoformat(timespec="seconds")


def test_opengraph_authors_are_absolute_author_pages(client, story):
    response = get(client, story.get_absolute_url())
    assert meta(response, "article:author") == [
        f"{BASE}/authors/priya-raman/",
        f"{BASE}/authors/tom-whitaker/",
    ]


def test_story_with_image_gets_a_large_image_twitter_card(client, story):
    response = get(client, story.get_absolute_url())
    assert one(response, "twitter:card") == "summary_large_image"
    assert one(response, "twitter:title") == "Harbour reopens after the storm"
    assert one(response, "twitter:image") == one(response, "og:image")


def test_story_without_image_gets_a_summary_twitter_card(client):
    story = published("A story without pictures")
    response = get(client, story.get_absolute_url())
    assert one(response, "twitter:card") == "summary"
    assert meta(response, "twitter:image") == []
    assert meta(response, "og:image") == []


def test_share_image_address_is_a_stored_file(client, story):
    url = one(get(client, story.get_absolute_url()), "og:image")
    assert default_storage.exists(url.removeprefix(f"{BASE}/media/"))


# --- canonical addresses and descriptions ------------------------------------------------


def test_story_canonical_is_absolute(client, story):
    assert canonical(get(client, story.get_absolute_url())) == BASE + story.get_absolute_url()


def test_story_description_is_the_lede(client, story):
    assert one(get(client, story.get_absolute_url()), "description") == story.lede


def test_long_lede_is_cut_at_a_word_to_at_most_160_characters(client):
    lede = "The harbour reopened on Monday " + "after weeks of repairs " * 20
    story = published(lede=lede)
    description = one(get(client, story.get_absolute_url()), "description")
    assert len(description) <= 160
    assert description.endswith("…")
    assert lede.startswith(description.removesuffix("…"))
    assert not description.removesuffix("…").endswith(" ")


def test_home_has_canonical_and_description(client):
    response = get(client, "/")
    assert canonical(response) == f"{BASE}/"
    assert one(response, "description") == "News from the coast."
    assert one(response, "og:url") == f"{BASE}/"


@pytest.mark.parametrize("factory", [make_section, make_tag, make_author])
def test_listing_pages_have_absolute_canonical_and_description(client, factory):
    listing = factory()
    response = get(client, listing.get_absolute_url())
    assert canonical(response) == BASE + listing.get_absolute_url()
    assert one(response, "og:url") == BASE + listing.get_absolute_url()
    description = one(response, "description")
    assert 0 < len(description) <= 160


def test_section_description_comes_from_the_section(client):
    section = make_section("Business", description="Money, markets and work. " * 20)
    description = one(get(client, section.get_absolute_url()), "description")
    assert description.startswith("Money, markets and work.")
    assert len(description) <= 160


def test_later_pages_of_a_listing_are_their_own_canonical(client):
    section = make_section()
    for _ in range(21):
        published(section=section)
    response = get(client, section.get_absolute_url(), page=2)
    assert canonical(response) == f"{BASE}{section.get_absolute_url()}?page=2"


def test_site_name_and_language_come_from_settings(client, settings, story):
    settings.NEWSROOM = {**settings.NEWSROOM, "SITE_NAME": "Coast Daily", "LANGUAGE": "fr"}
    response = get(client, story.get_absolute_url())
    # <html lang> is the page's edition's language (tests/test_persian_site.py).
    assert one(response, "og:site_name") == "Coast Daily"
    assert news_article(response)["publisher"]["name"] == "Coast Daily"
    # The story's own language, not a site-wide one: each edition has its own.
    assert news_article(response)["inLanguage"] == story.language == "en"


# --- feed autodiscovery -------------------------------------------------------------------


def feeds(response):
    return doc(response).xpath('//link[@rel="alternate"][@type="application/rss+xml"]/@href')


def test_every_page_links_the_site_feed(client, story):
    for url in ["/", story.get_absolute_url(), "/search/", "/corrections/", "/nowhere/"]:
        assert "/feed/" in feeds(client.get(url)), url


def test_section_page_links_its_feed(client):
    section = make_section("Business")
    assert feeds(get(client, section.get_absolute_url())) == [
        "/feed/",
        "/sections/business/feed/",
    ]


def test_author_page_links_their_feed(client):
    author = make_author("Priya Raman")
    assert feeds(get(client, author.get_absolute_url())) == [
        "/feed/",
        "/authors/priya-raman/feed/",
    ]


def test_story_times_in_structured_data_are_timezone_aware(client, story):
    article = news_article(get(client, story.get_absolute_url()))
    published_at = timezone.datetime.fromisoformat(article["datePublished"])
    assert published_at.tzinfo is not None
    assert re.search(r"[+-]\d\d:\d\d$", article["datePublished"])
