import feedparser
import pytest

from articles import workflow
from tests.factories import make_author, make_section, make_story

pytestmark = pytest.mark.django_db


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    # XML, not application/rss+xml: browsers then apply the feed's stylesheet (feed.xsl).
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


@pytest.fixture
def published():
    world = make_section("World")
    story = make_story(
        "Iran and Belarus draw closer",
        authors=[make_author("Hossein Amiri"), make_author("Mahboubeh Habibi")],
        sections=[
            ("Why it matters", "<p>Both face sanctions.</p>"),
            ("The big picture", "<p>Cooperation since 2022.</p>"),
        ],
        section=world,
        publish=True,
    )
    make_story("Draft that must not leak", section=world)
    return story


def test_latest_feed_lists_published_stories_with_every_byline(client, published):
    feed = parse(client, "/feed/")
    assert feed.version == "rss20"
    (entry,) = feed.entries
    assert entry.title == "Iran and Belarus draw closer"
    assert entry.link == "http://127.0.0.1:8000" + published.get_absolute_url()
    assert [a["name"] for a in entry.authors] == ["Hossein Amiri", "Mahboubeh Habibi"]
    assert entry.published_parsed is not None


def test_description_is_lede_and_why_it_matters(client, published):
    (entry,) = parse(client, "/feed/").entries
    assert published.lede in entry.summary
    assert "Why it matters: Both face sanctions." in entry.summary
    assert "Cooperation since 2022" not in entry.summary


def test_full_story_is_in_content_encoded(client, published):
    (entry,) = parse(client, "/feed/").entries
    content = entry.content[0].value
    assert "<h2>Why it matters</h2>" in content
    assert "<h2>The big picture</h2>" in content


def test_section_and_author_feeds(client, published):
    make_story("Other desk", section=make_section("Sports"), publish=True)
    section_feed = parse(client, "/sections/world/feed/")
    assert [e.title for e in section_feed.entries] == ["Iran and Belarus draw closer"]
    author_feed = parse(client, "/authors/mahboubeh-habibi/feed/")
    assert [e.title for e in author_feed.entries] == ["Iran and Belarus draw closer"]
    assert client.get("/sections/nope/feed/").status_code == 404


def test_unpublished_story_leaves_the_feed(client, published):
    workflow.transition(published, "unpublish", None)
    assert parse(client, "/feed/").entries == []


def test_feed_query_count_does_not_grow_with_items(client, django_assert_num_queries):
    authors = [make_author(f"Writer {i}") for i in range(3)]
    target = make_story("Target", publish=True)
    make_story("One", authors=authors[:1], links=[("t", target)], publish=True)
    # The stories, the Go deeper targets, the bylines' authors (as the edition writes them).
    with django_assert_num_queries(3):
        client.get("/feed/")
    for i in range(10):
        make_story(f"More {i}", authors=authors, links=[("t", target)], publish=True)
    with django_assert_num_queries(3):
        client.get("/feed/")
