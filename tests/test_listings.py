"""Listings that must stay fast on a large archive: what they show, in which order.

Author and tag pages read the live rows (``LiveAuthor``, ``LiveTag``) that publishing
writes with the story's first publication time; the home page takes each section's
newest stories separately; search ranks only the newest matches. These tests pin
the behaviour those shortcuts must keep.
"""

import re
from datetime import timedelta

import lxml.html
import pytest
import time_machine
from django.utils import timezone

from articles import search, workflow
from articles.models import LiveAuthor, LiveTag
from articles.views import HOME_SECTION_LENGTH, PAGE_LENGTH
from articles.workflow import transition
from tests.factories import make_author, make_section, make_story, make_tag

pytestmark = pytest.mark.django_db

START = timezone.now() - timedelta(days=400)


def publish_on(day: int, headline: str, **fields):
    """A story first published ``day`` days after START, in order of ``day``."""
    with time_machine.travel(START + timedelta(days=day), tick=False):
        return make_story(headline, publish=True, **fields)


def card_headlines(response):
    return [card.headline for card in response.context["cards"]]


def test_publishing_writes_live_rows_with_the_first_publication_time(editor):
    author, other, tag = make_author(), make_author(), make_tag()
    story = publish_on(3, "Ferry timetable changes", authors=[author, other], tags=[tag])
    rows = LiveAuthor.objects.filter(story=story)
    assert {row.author for row in rows} == {author, other}
    assert {row.first_published_at for row in rows} == {story.first_published_at}
    assert LiveTag.objects.get(story=story).first_published_at == story.first_published_at

    # Republished later with a changed byline: new rows keep the first publication time.
    third = make_author()
    story.bylines.filter(author=other).update(author=third)
    workflow.save_revision(story, editor)
    with time_machine.travel(START + timedelta(days=30), tick=False):
        workflow.transition(story, "publish", editor)
    rows = LiveAuthor.objects.filter(story=story)
    assert {row.author for row in rows} == {author, third}
    assert {row.first_published_at for row in rows} == {story.first_published_at}
    assert story.first_published_at == START + timedelta(days=3)


def test_unpublishing_removes_the_live_rows(editor):
    author, tag = make_author(), make_tag()
    story = publish_on(1, "Short-lived", authors=[author], tags=[tag])
    transition(story, "unpublish", editor)
    assert not LiveAuthor.objects.filter(story=story).exists()
    assert not LiveTag.objects.filter(story=story).exists()


@pytest.mark.parametrize("kind", ["author", "tag"])
def test_author_and_tag_pages_run_newest_first_across_pages(client, kind):
    author, tag = make_author(), make_tag()
    # Published out of order, so neither ids nor creation order give the answer.
    days = [7, 2, 19, 11, 5, 23, 3, 17, 13, 29, 1, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73]
    for day in days:
        publish_on(day, f"Story of day {day}", authors=[author], tags=[tag])
    publish_on(100, "Someone else's", authors=[make_author()], tags=[make_tag()])
    listing = author if kind == "author" else tag

    first = client.get(listing.get_absolute_url())
    second = client.get(listing.get_absolute_url(), {"page": 2})
    expected = [f"Story of day {day}" for day in sorted(days, reverse=True)]
    assert card_headlines(first) == expected[:PAGE_LENGTH]
    assert card_headlines(second) == expected[PAGE_LENGTH:]
    assert (first.context["page"].has_next, second.context["page"].has_next) == (True, False)
    assert client.get(listing.get_absolute_url(), {"page": 3}).status_code == 404


def test_author_page_keeps_a_republished_story_in_its_first_place(client, editor):
    author = make_author()
    old = publish_on(1, "Old story", authors=[author])
    publish_on(5, "Newer story", authors=[author])
    old.lede = "Updated with new figures."
    old.save()
    workflow.save_revision(old, editor)
    with time_machine.travel(START + timedelta(days=9), tick=False):
        workflow.transition(old, "publish", editor)
    assert card_headlines(client.get(author.get_absolute_url())) == ["Newer story", "Old story"]


def test_author_page_hides_a_story_scheduled_for_later(client, editor):
    author = make_author()
    publish_on(1, "Out now", authors=[author])
    later = make_story("Not yet", authors=[author])
    # The live rows of a story published ahead of its public time (a backdated clock
    # here) must not put it on the author page before then.
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        workflow.transition(later, "publish", editor)
    assert card_headlines(client.get(author.get_absolute_url())) == ["Out now"]


def test_home_shows_every_section_however_old_its_newest_story(client):
    busy, quiet = make_section("Busy", position=1), make_section("Quiet", position=2)
    publish_on(0, "Quiet story, a year old", section=quiet)
    for day in range(300, 330):
        publish_on(day, f"Busy story {day}", section=busy)
    response = client.get("/")
    groups = {
        group.section.name: [card.headline for card in group.cards]
        for group in response.context["groups"]
    }
    assert response.context["lead"].headline == "Busy story 329"
    assert groups["Busy"] == [
        f"Busy story {day}" for day in range(328, 328 - HOME_SECTION_LENGTH, -1)
    ]
    assert groups["Quiet"] == ["Quiet story, a year old"]


# --- search: only the newest matches are ranked ----------------------------------------


@pytest.fixture
def rank_three(monkeypatch):
    monkeypatch.setattr(search, "MAX_RANKED", 3)


def results_heading(response):
    doc = lxml.html.fromstring(response.content)
    return re.sub(r"\s+", " ", doc.xpath("string(//*[@id='search-results-heading'])")).strip()


def test_search_ranks_the_newest_matches_and_says_there_may_be_more(client, rank_three):
    for day in range(5):
        publish_on(day, f"Harbour report {day}")
    response = client.get("/search/", {"q": "harbour"})
    found = [result.card.headline for result in response.context["results"]]
    assert sorted(found) == ["Harbour report 2", "Harbour report 3", "Harbour report 4"]
    assert results_heading(response) == "3 or more stories"
    assert "The newest 3 are shown" in response.content.decode()


def test_search_below_the_cap_counts_exactly(client, rank_three):
    for day in range(2):
        publish_on(day, f"Harbour report {day}")
    response = client.get("/search/", {"q": "harbour"})
    assert len(response.context["results"]) == 2
    assert results_heading(response) == "2 stories"
    assert "The newest" not in response.content.decode()


def test_search_count_stops_at_the_cap(rank_three):
    for day in range(5):
        publish_on(day, f"Harbour report {day}")
    stories, found = search.search_page("harbour", start=0, length=2)
    assert (len(stories), found) == (2, 3)
    assert search.search_page("harbour", start=2, length=2)[1] == 3
    assert search.search_page("harbour", start=3, length=2) == ([], 0)
    assert search.search_page("nothing-like-it", start=0, length=2) == ([], 0)
    assert len(search.search_stories("harbour")) == 3
