import pytest

from articles import workflow
from articles.search import clean_query, search_stories, snippet_html
from tests.factories import make_author, make_story

pytestmark = pytest.mark.django_db


def titles(query, **filters):
    return [
        s.live_revision.snapshot["headline"] for s in search_stories(clean_query(query), **filters)
    ]


def test_finds_published_story_by_a_word_in_its_sections():
    make_story(
        "Port strike ends",
        sections=[("Why it matters", "<p>Dockworkers return after the walkout.</p>")],
        publish=True,
    )
    assert titles("dockworkers") == ["Port strike ends"]


def test_headline_match_ranks_above_body_match():
    make_story("Budget talks", sections=[(None, "<p>The harbour was quiet.</p>")], publish=True)
    make_story("Harbour reopens", publish=True)
    assert titles("harbour") == ["Harbour reopens", "Budget talks"]


def test_finds_story_by_byline():
    make_story("Mayor resigns", authors=[make_author("Mahboubeh Habibi")], publish=True)
    assert titles("Habibi") == ["Mayor resigns"]


def test_drafts_and_unpublished_stories_are_never_found():
    make_story("Secret merger draft")
    gone = make_story("Secret merger withdrawn", publish=True)
    workflow.transition(gone, "unpublish", None)
    assert titles("secret merger") == []


def test_unpublished_changes_are_not_searchable_until_published():
    story = make_story("Harbour reopens", publish=True)
    story.headline = "Harbour closes again"
    story.save()
    workflow.save_revision(story, None)
    assert titles("closes") == []
    workflow.transition(story, "publish", None)
    assert titles("closes") == ["Harbour closes again"]


@pytest.mark.parametrize(
    "query",
    [
        "x" * 10_000,
        "'; DROP TABLE articles_story; --",
        'harbour OR "" -- ) ( & | ! :*',
        "\x00\u202e\u200bharbour🎉",
        "ایران",
    ],
)
def test_odd_queries_return_normal_results(query):
    make_story("Harbour reopens", publish=True)
    cleaned = clean_query(query)
    assert len(cleaned) <= 200
    list(search_stories(cleaned))  # runs without a database error


def test_snippet_escapes_markup_and_marks_matches():
    make_story(
        "Harbour <script>alert(1)</script> reopens",
        sections=[(None, "<p>The harbour reopened on Monday.</p>")],
        publish=True,
    )
    (result,) = search_stories(clean_query("harbour"))
    html = snippet_html(result.snippet, "harbour")
    assert "<script>" not in html
    assert "<mark>" in html
