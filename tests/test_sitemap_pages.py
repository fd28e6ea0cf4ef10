"""The stories sitemap in pages of consecutive ids: numbered without counting the archive,
each page one range of the primary key, every published story on exactly one page."""

from urllib.parse import urlsplit

import pytest
from lxml import etree

from articles import workflow
from articles.sitemaps import StorySitemap
from tests.factories import make_author, make_story

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
PER_PAGE = 4


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(StorySitemap, "limit", PER_PAGE)


def locations(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    doc = etree.fromstring(response.content)
    return [
        urlsplit(loc.text).path
        + (f"?{urlsplit(loc.text).query}" if urlsplit(loc.text).query else "")
        for loc in doc.iterfind(".//sm:loc", NS)
    ]


def story_pages(client) -> list[str]:
    return [
        loc for loc in locations(client, "/sitemap.xml") if loc.startswith("/sitemap-stories.xml")
    ]


def test_every_published_story_is_on_exactly_one_page(client, small_pages, editor):
    published = [make_story(f"Live {n}", publish=True, by=editor) for n in range(6)]
    draft = make_story("Still a draft")
    published += [make_story(f"Later {n}", publish=True, by=editor) for n in range(3)]
    taken_down = published.pop(2)
    workflow.transition(taken_down, "unpublish", editor)

    pages = story_pages(client)
    lowest, highest = min(s.pk for s in published), max(s.pk for s in published)
    assert len(pages) == -(-(highest - lowest + 1) // PER_PAGE)
    by_page = [locations(client, page) for page in pages]
    assert all(by_page), "a page with no story (the sitemap schema needs one <url>)"
    listed = [loc for page in by_page for loc in page]
    assert sorted(listed) == sorted(story.get_absolute_url() for story in published)
    assert draft.get_absolute_url() not in listed
    assert taken_down.get_absolute_url() not in listed


def test_a_page_holds_one_range_of_ids(client, small_pages, editor):
    make_story("A draft first")
    stories = [make_story(f"Story {n}", publish=True, by=editor) for n in range(9)]
    lowest = stories[0].pk
    for story in stories:
        page = (story.pk - lowest) // PER_PAGE + 1
        path = "/sitemap-stories.xml" + (f"?p={page}" if page > 1 else "")
        assert story.get_absolute_url() in locations(client, path)


def test_pages_cost_the_same_however_big_the_archive(
    client, small_pages, editor, django_assert_num_queries
):
    make_story("First", publish=True, by=editor)
    with django_assert_num_queries(7):
        client.get("/sitemap.xml")
    first_story_page = len(story_pages(client))
    # A page: the highest id (its number must exist), its stories, their translations.
    with django_assert_num_queries(3):
        client.get(f"/sitemap-stories.xml?p={first_story_page}")
    for n in range(12):
        make_story(f"More {n}", publish=True, by=editor)
    with django_assert_num_queries(7):
        client.get("/sitemap.xml")
    last = len(story_pages(client))
    assert last > 1
    with django_assert_num_queries(3):
        client.get(f"/sitemap-stories.xml?p={last}")


def test_a_page_past_the_last_is_not_found(client, small_pages, editor):
    make_story("Only one", publish=True, by=editor)
    last = len(story_pages(client))
    assert client.get(f"/sitemap-stories.xml?p={last + 1}").status_code == 404


def test_authors_are_listed_while_they_have_a_published_story(client, editor):

    live, drafting, gone = make_author("Live Writer"), make_author("Drafting"), make_author("Gone")
    make_story("Out there", authors=[live], publish=True, by=editor)
    make_story("Not yet", authors=[drafting])
    taken_down = make_story("Taken down", authors=[gone], publish=True, by=editor)
    workflow.transition(taken_down, "unpublish", editor)
    listed = set(locations(client, "/sitemap-authors.xml"))
    assert live.get_absolute_url() in listed
    assert drafting.get_absolute_url() not in listed
    assert gone.get_absolute_url() not in listed


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tehran", "America/St_Johns"])
def test_the_index_dates_pages_as_django_does(settings, zone):
    """``iso_time`` (the index's fast date) writes what ``date:"c"`` writes."""
    from datetime import datetime

    from django.template import engines
    from django.utils import timezone

    settings.TIME_ZONE = zone
    moment = datetime(2026, 3, 20, 23, 45, 6, 789, tzinfo=timezone.UTC)
    django_way = engines["django"].from_string('{{ t|date:"c" }}').render({"t": moment})
    ours = engines["django"].from_string("{% load reader %}{{ t|iso_time }}").render({"t": moment})
    assert ours == django_way
