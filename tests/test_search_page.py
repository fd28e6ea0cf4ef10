"""/search/: the reader's search page over the live copy."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from articles import workflow
from articles.models import Story
from articles.workflow import transition
from tests.factories import make_author, make_section, make_story

pytestmark = pytest.mark.django_db

#: The section menu, the count, the page of stories, their authors.
SEARCH_QUERIES = 4


def published(headline, **fields):
    return make_story(headline, publish=True, **fields)


def search(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response


def headlines(response):
    return [result.card.headline for result in response.context["results"]]


def published_on(story, day):
    at = timezone.make_aware(datetime.fromisoformat(f"{day}T12:00"))
    Story.objects.filter(pk=story.pk).update(first_published_at=at)


# --- results ---------------------------------------------------------------------------


def test_headline_match_ranks_above_body_match(client):
    published("Budget talks", sections=[(None, "<p>The harbour was quiet.</p>")])
    published("Harbour reopens")
    assert headlines(search(client, q="harbour")) == ["Harbour reopens", "Budget talks"]


def test_matching_words_are_highlighted(client):
    published("Harbour reopens", sections=[(None, "<p>Ships returned to the harbour.</p>")])
    page = search(client, q="harbour").content.decode()
    assert "<mark>harbour</mark>" in page.lower()


def test_snippet_highlighting_escapes_story_text(client):
    published(
        "Harbour <b>bold</b> reopens",
        lede="The harbour <img src=x onerror=alert(1)> reopened.",
    )
    page = search(client, q="harbour").content.decode()
    assert "<mark>" in page
    assert "<img src=x" not in page
    assert "<b>bold" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_results_link_to_the_story_with_section_and_bylines(client):
    story = published(
        "Harbour reopens",
        section=make_section("Business"),
        authors=[make_author("Priya Raman")],
    )
    page = search(client, q="harbour").content.decode()
    assert f'href="{story.get_absolute_url()}">Harbour reopens</a>' in page
    assert 'href="/sections/business/">Business</a>' in page
    assert "Priya Raman" in page


def test_results_are_paginated_by_twenty_with_stable_links(client):
    for i in range(21):
        published(f"Harbour story {i:02d}")
    first = search(client, q="harbour")
    assert len(first.context["results"]) == 20
    assert first.context["page"].paginator.count == 21
    assert 'rel="next" href="?q=harbour&amp;page=2"' in first.content.decode()
    second = search(client, q="harbour", page=2)
    assert len(second.context["results"]) == 1
    assert 'rel="prev" href="?q=harbour&amp;page=1"' in second.content.decode()
    shown = headlines(first) + headlines(second)
    assert sorted(shown) == [f"Harbour story {i:02d}" for i in range(21)]


def test_pager_links_keep_the_filters(client):
    world = make_section("World")
    for _ in range(21):
        published("Harbour story", section=world)
    page = search(client, q="harbour", section="world", **{"from": "2000-01-01"})
    html = page.content.decode()
    assert 'href="?q=harbour&amp;section=world&amp;from=2000-01-01&amp;page=2"' in html


def test_page_number_that_is_not_a_page_is_404(client):
    published("Harbour reopens")
    assert client.get("/search/", {"q": "harbour", "page": "99"}).status_code == 404
    assert client.get("/search/", {"q": "harbour", "page": "abc"}).status_code == 404


def test_page_numbers_are_ascii_digits_only_as_on_every_pager(client):
    for i in range(21):
        published(f"Harbour story {i:02d}")
    assert client.get("/search/", {"q": "harbour", "page": "2"}).status_code == 200
    for page in ["٢", " 2", "+2", "2.0"]:
        assert client.get("/search/", {"q": "harbour", "page": page}).status_code == 404


# --- filters ---------------------------------------------------------------------------


def test_section_filter_keeps_only_that_sections_stories(client):
    published("Harbour in the world", section=make_section("World"))
    published("Harbour in sports", section=make_section("Sports"))
    response = search(client, q="harbour", section="sports")
    assert headlines(response) == ["Harbour in sports"]
    assert '<option value="sports" selected>' in response.content.decode()


def test_date_filter_keeps_stories_first_published_in_the_range(client):
    for day in ["2026-01-09", "2026-01-10", "2026-01-20", "2026-01-21"]:
        published_on(published(f"Harbour on {day}"), day)
    response = search(client, q="harbour", **{"from": "2026-01-10", "to": "2026-01-20"})
    assert sorted(headlines(response)) == ["Harbour on 2026-01-10", "Harbour on 2026-01-20"]


def test_dates_given_the_wrong_way_round_are_swapped_with_a_message(client):
    published_on(published("Harbour in January"), "2026-01-15")
    response = search(client, q="harbour", **{"from": "2026-01-31", "to": "2026-01-01"})
    assert headlines(response) == ["Harbour in January"]
    assert "we swapped them" in response.content.decode()


@pytest.mark.parametrize(
    "bad", ["2026-02-30", "yesterday", "2026-1-1", "١٢٣٤-٠١-٠١", "\x00", "9" * 500]
)
def test_invalid_date_is_ignored_with_a_message(client, bad):
    published("Harbour reopens")
    response = search(client, q="harbour", **{"from": bad})
    assert headlines(response) == ["Harbour reopens"]
    assert "was not a date we understand" in response.content.decode()


@pytest.mark.parametrize("bad", ["no-such-section", "../../etc", "\x00", "x" * 5000])
def test_unknown_section_is_ignored_with_a_message(client, bad):
    published("Harbour reopens", section=make_section("World"))
    response = search(client, q="harbour", section=bad)
    assert headlines(response) == ["Harbour reopens"]
    assert "There is no such section" in response.content.decode()


# --- odd input -------------------------------------------------------------------------


def test_empty_query_shows_a_friendly_page(client):
    published("Harbour reopens")
    response = search(client)
    page = response.content.decode()
    assert response.context["results"] == []
    assert "Type a word or two" in page
    assert "Harbour reopens" not in page


def test_query_of_only_control_characters_gets_a_clear_message(client):
    response = search(client, q="\x00\x01\x02")
    assert "We couldn’t search for that" in response.content.decode()


def test_very_long_query_is_shortened_with_a_message(client):
    published("Harbour reopens")
    response = search(client, q="harbour " + "x" * 10_000)
    # No story has the cut "xxx…" word: the fallback offers the headline close to
    # "harbour", and says so.
    assert headlines(response) == ["Harbour reopens"]
    assert "Your search was long" in response.content.decode()
    assert "These headlines come close" in response.content.decode()
    assert len(response.context["query"]) <= 200


@pytest.mark.parametrize(
    "query",
    [
        "'; DROP TABLE articles_story; --",
        "harbour' OR 1=1 --",
        'harbour OR "" -- ) ( & | ! :* <-> \\',
        "harbour\x00reopens",
        "\u202eharbour\u200b 🎉",
        "ایران",
        "%00%27",
        "<script>alert(1)</script>",
    ],
)
def test_odd_queries_never_break_the_page(client, query):
    published("Harbour reopens")
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.content.decode()


@pytest.mark.parametrize(
    "query_string",
    ["q=%ED%A0%80harbour", "q=%FF%FE", "q=harbour&q=other", "q=%00&section=%00&from=%00&to=%00"],
)
def test_undecodable_or_repeated_parameters_never_break_the_page(client, query_string):
    published("Harbour reopens")
    assert client.get(f"/search/?{query_string}").status_code == 200


def test_sql_looking_words_are_just_words(client):
    published("Harbour reopens")
    search(client, q="'; DROP TABLE articles_story; --")
    assert Story.objects.count() == 1


# --- only the live copy ----------------------------------------------------------------


def test_stories_that_are_not_published_are_never_found(client, editor):
    draft = make_story("Quokkadraft story")
    in_review = make_story("Quokkareview story")
    transition(in_review, "submit", editor)
    scheduled = make_story("Quokkascheduled story")
    transition(scheduled, "submit", editor)
    transition(scheduled, "approve", editor)
    transition(scheduled, "schedule", editor, publish_at=timezone.now() + timedelta(days=1))
    gone = make_story("Quokkagone story", publish=True)
    workflow.transition(gone, "unpublish", editor)
    published("Quokkalive story")
    for story in (draft, in_review, scheduled, gone):
        word = story.headline.split()[0]
        assert headlines(search(client, q=word)) == [], story.status
    assert headlines(search(client, q="quokkalive")) == ["Quokkalive story"]


def test_unpublished_edits_are_not_searchable(client):
    story = published("Harbour reopens")
    story.headline = "Harbour closes again"
    story.save()
    workflow.save_revision(story, None)
    assert headlines(search(client, q="closes")) == []
    assert headlines(search(client, q="reopens")) == ["Harbour reopens"]


# --- the page itself -------------------------------------------------------------------


def test_search_results_ask_not_to_be_indexed(client):
    published("Harbour reopens")
    page = search(client, q="harbour").content.decode()
    assert '<meta name="robots" content="noindex">' in page


def test_every_page_has_a_labelled_search_form_in_the_header(client):
    story = published("Harbour reopens")
    for url in ["/", story.get_absolute_url(), "/search/", "/corrections/", "/no-such-page/"]:
        page = client.get(url).content.decode()
        header = page[page.index('<header class="site-header"') : page.index("</header>")]
        assert 'action="/search/" method="get"' in header, url
        assert '<label class="visually-hidden" for="site-search-q">' in header, url
        assert 'id="site-search-q" type="search" name="q"' in header, url


@pytest.mark.parametrize("size", [1, 12])
def test_search_cost_does_not_grow_with_results(client, django_assert_num_queries, size):
    world = make_section("World")
    for _ in range(size):
        published("Harbour reopens", section=world, authors=[make_author(), make_author()])
    with django_assert_num_queries(SEARCH_QUERIES):
        assert len(search(client, q="harbour").context["results"]) == size
    # A section filter costs one query to find the section.
    with django_assert_num_queries(SEARCH_QUERIES + 1):
        assert len(search(client, q="harbour", section="world").context["results"]) == size
