"""/corrections/: every correction, clarification and update to live stories."""

from datetime import timedelta

import lxml.html
import pytest
from django.utils import timezone

from articles import workflow
from tests.factories import make_story

pytestmark = pytest.mark.django_db

#: The section menu, the count, the page of corrections with their stories.
CORRECTIONS_QUERIES = 3


def html_time(when):
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M:%S%z")


def published(headline=None, **fields):
    return make_story(headline, publish=True, **fields)


def entries(client, **params):
    response = client.get("/corrections/", params)
    assert response.status_code == 200
    doc = lxml.html.fromstring(response.content)
    return [
        {
            "kind": item.xpath("string(.//strong)"),
            "time": item.xpath(".//time/@datetime")[0],
            "headline": item.xpath("string(.//a)"),
            "href": item.xpath(".//a/@href")[0],
            "text": item.xpath("string(./p[last()])"),
        }
        for item in doc.xpath('//ol[@class="corrections-log"]/li')
    ]


def test_lists_corrections_newest_first_with_kind_time_text_and_story(client):
    now = timezone.now()
    port = published("Port reopens")
    budget = published("Budget passes")
    workflow.correct(
        port, "correction", "The port reopened on Monday.", None, at=now - timedelta(hours=3)
    )
    workflow.correct(
        budget, "clarification", "The vote was 51-49.", None, at=now - timedelta(hours=2)
    )
    workflow.correct(
        port, "update", "The port authority responded.", None, at=now - timedelta(hours=1)
    )
    assert entries(client) == [
        {
            "kind": "Update",
            "time": html_time(now - timedelta(hours=1)),
            "headline": "Port reopens",
            "href": port.get_absolute_url(),
            "text": "The port authority responded.",
        },
        {
            "kind": "Clarification",
            "time": html_time(now - timedelta(hours=2)),
            "headline": "Budget passes",
            "href": budget.get_absolute_url(),
            "text": "The vote was 51-49.",
        },
        {
            "kind": "Correction",
            "time": html_time(now - timedelta(hours=3)),
            "headline": "Port reopens",
            "href": port.get_absolute_url(),
            "text": "The port reopened on Monday.",
        },
    ]


def test_corrections_of_stories_taken_down_are_not_listed(client):
    live = published("Still live")
    workflow.correct(live, "correction", "Visible fix.", None)
    gone = published("Taken down")
    workflow.correct(gone, "correction", "Hidden fix.", None)
    workflow.transition(gone, "unpublish", None)
    page = client.get("/corrections/").content.decode()
    assert "Visible fix." in page
    assert "Hidden fix." not in page
    assert "Taken down" not in page


def test_story_headline_is_the_live_one_not_the_working_copy(client):
    story = published("Live headline")
    workflow.correct(story, "correction", "A fix.", None)
    story.headline = "Headline being rewritten"
    story.save()
    workflow.save_revision(story, None)
    (entry,) = entries(client)
    assert entry["headline"] == "Live headline"


def test_correction_text_is_escaped(client):
    story = published()
    workflow.correct(story, "correction", "<script>alert(1)</script>", None)
    page = client.get("/corrections/").content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_corrections_are_paginated_by_twenty_with_stable_links(client):
    story = published()
    start = timezone.now() - timedelta(days=1)
    for i in range(21):
        workflow.correct(
            story, "correction", f"Fix number {i:02d}.", None, at=start + timedelta(minutes=i)
        )
    first = entries(client)
    second = entries(client, page=2)
    assert len(first) == 20
    assert [e["text"] for e in second] == ["Fix number 00."]
    assert 'rel="next" href="?page=2"' in client.get("/corrections/").content.decode()
    # The one rule for page numbers (articles.views._page_number): ASCII digits only.
    for page in ["٢", " 2", "+2"]:
        assert client.get("/corrections/", {"page": page}).status_code == 404


@pytest.mark.parametrize("page", ["abc", "99", "0"])
def test_page_number_that_is_not_a_page_is_404(client, page):
    assert client.get("/corrections/", {"page": page}).status_code == 404


def test_without_corrections_the_page_says_so(client):
    published()
    assert "No corrections so far." in client.get("/corrections/").content.decode()


def test_footer_links_the_corrections_page(client):
    assert 'href="/corrections/">Corrections</a>' in client.get("/").content.decode()


@pytest.mark.parametrize("size", [1, 15])
def test_corrections_page_cost_does_not_grow(client, django_assert_num_queries, size):
    for i in range(size):
        workflow.correct(published(), "correction", f"Fix {i}.", None)
    with django_assert_num_queries(CORRECTIONS_QUERIES):
        assert len(entries(client)) == size
