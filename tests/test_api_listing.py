"""The story list: order, filters, the cursor, and polling while the newsroom publishes."""

import threading
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.utils import timezone

from articles import workflow
from interchange.ninjs import item_uri, timestamp
from tests.factories import make_author, make_section, make_tag
from tests.test_api import LIST_URL, api_get, every_item, live_story, ninjs_errors

pytestmark = pytest.mark.django_db


def published(editor, headline, at=None, **fields):
    story = live_story(editor, headline, publish=False, **fields)
    workflow.transition(story, "publish", editor, at=at)
    story.refresh_from_db()
    return story


def republish(story, editor):
    story.headline += " (updated)"
    story.save()
    workflow.save_revision(story, editor, "Update")
    workflow.transition(story, "publish", editor)


def uris(items) -> list[str]:
    return [item["uri"] for item in items]


def url(**params) -> str:
    return f"{LIST_URL}?{urlencode(params)}" if params else LIST_URL


def test_newest_versioncreated_first(client, editor):
    now = timezone.now()
    old = published(editor, "Old", at=now - timedelta(hours=3))
    new = published(editor, "New", at=now - timedelta(hours=1))
    middle = published(editor, "Middle", at=now - timedelta(hours=2))
    _, page = api_get(client, LIST_URL)
    assert uris(page["items"]) == [item_uri(s.pk) for s in (new, middle, old)]
    assert page["next"] is None


def test_a_correction_moves_a_story_to_the_top(client, editor):
    now = timezone.now()
    old = published(editor, "Old", at=now - timedelta(hours=3))
    new = published(editor, "New", at=now - timedelta(hours=1))
    workflow.correct(old, "correction", "A fix.", editor)
    _, page = api_get(client, LIST_URL)
    assert uris(page["items"]) == [item_uri(old.pk), item_uri(new.pk)]
    assert page["items"][0]["versioncreated"] > page["items"][1]["versioncreated"]


def test_drafts_scheduled_and_unpublished_stories_are_never_listed(client, editor):
    live = published(editor, "Live")
    live_story(editor, "A draft", publish=False)
    scheduled = live_story(editor, "Scheduled", publish=False)
    for step in ("submit", "approve"):
        workflow.transition(scheduled, step, editor)
    workflow.transition(
        scheduled, "schedule", editor, publish_at=timezone.now() + timedelta(hours=1)
    )
    gone = published(editor, "Unpublished")
    workflow.transition(gone, "unpublish", editor)
    edited = published(editor, "Live, with a draft rewrite")
    edited.headline = "A rewrite nobody approved"
    edited.save()
    workflow.save_revision(edited, editor, "Rewrite")
    for query in ({}, {"since": "2000-01-01"}, {"limit": 1}):
        items = every_item(client, url(**query))
        assert sorted(uris(items)) == sorted([item_uri(live.pk), item_uri(edited.pk)])
        assert "A rewrite nobody approved" not in str(items)


def test_cursor_walks_every_story_once_including_equal_times(client, editor):
    at = timezone.now() - timedelta(hours=1)
    stories = [published(editor, f"Same time {i}", at=at) for i in range(3)]
    stories += [published(editor, f"Later {i}", at=at + timedelta(minutes=i + 1)) for i in range(4)]
    items = every_item(client, url(limit=2))
    assert len(items) == 7
    assert sorted(uris(items)) == sorted(item_uri(s.pk) for s in stories)
    times = [(item["versioncreated"], item["uri"]) for item in items]
    assert [t for t, _ in times] == sorted((t for t, _ in times), reverse=True)


def test_stories_published_between_pages_are_neither_repeated_nor_missed(client, editor):
    now = timezone.now()
    for i in range(5):
        published(editor, f"Earlier {i}", at=now - timedelta(minutes=10 - i))
    start = now - timedelta(hours=1)
    _, first = api_get(client, url(limit=2, since=timestamp(start)))
    published(editor, "Published while paging")
    seen = first["items"]
    following = first["next"]
    while following:
        _, page = api_get(client, following)
        seen += page["items"]
        following = page["next"]
    assert len(seen) == 5 == len(set(uris(seen)))
    newest = max(item["versioncreated"] for item in seen)
    _, poll = api_get(client, url(since=newest))
    assert [item["headlines"][0]["value"] for item in poll["items"]] == ["Published while paging"]


def test_next_keeps_the_filters(client, editor):
    section = make_section("World")
    for i in range(3):
        published(editor, f"World {i}", section=section)
    published(editor, "Elsewhere")
    _, page = api_get(client, url(section="world", limit=2))
    assert "section=world" in page["next"] and "limit=2" in page["next"]
    assert page["next"].startswith("http://testserver/api/v1/stories/?")
    assert len(every_item(client, url(section="world", limit=2))) == 3


def test_filters_by_section_author_and_tag_slug(client, editor):
    world, politics = make_section("World"), make_section("Politics")
    lena, tom = make_author("Lena Hartmann"), make_author("Tom Whitaker")
    rail = make_tag("Rail")
    a = published(editor, "A", section=world, authors=[lena], tags=[rail])
    b = published(editor, "B", section=politics, authors=[lena, tom])
    c = published(editor, "C", section=world, authors=[tom])

    def listed(**query):
        return sorted(uris(every_item(client, url(**query))))

    assert listed(section="world") == sorted([item_uri(a.pk), item_uri(c.pk)])
    assert listed(author="lena-hartmann") == sorted([item_uri(a.pk), item_uri(b.pk)])
    assert listed(tag="rail") == [item_uri(a.pk)]
    assert listed(section="world", author="tom-whitaker") == [item_uri(c.pk)]
    assert listed(section="no-such-section") == []


def test_since_is_exclusive_and_until_inclusive(client, editor):
    now = timezone.now().replace(microsecond=0)
    stories = {
        h: published(editor, f"{h} hours ago", at=now - timedelta(hours=h)) for h in (1, 2, 3)
    }
    two = timestamp(stories[2].last_published_at)
    assert uris(every_item(client, url(since=two))) == [item_uri(stories[1].pk)]
    assert uris(every_item(client, url(until=two))) == [
        item_uri(stories[2].pk),
        item_uri(stories[3].pk),
    ]
    # Offsets, dates and an unencoded "+" (read as a space) are understood.
    local = (now - timedelta(hours=2, minutes=30)).astimezone(timezone.get_fixed_timezone(120))
    assert len(every_item(client, f"{LIST_URL}?since={local.isoformat()}")) == 2
    assert len(every_item(client, url(since=(now - timedelta(days=2)).date().isoformat()))) == 3


def test_default_page_is_twenty_and_limit_goes_to_a_hundred(client, editor):
    for i in range(21):
        published(editor, f"Story {i}")
    _, page = api_get(client, LIST_URL)
    assert len(page["items"]) == 20 and page["next"]
    _, page = api_get(client, url(limit=100))
    assert len(page["items"]) == 21 and page["next"] is None


def test_empty_list(client):
    response, page = api_get(client, LIST_URL)
    assert response.status_code == 200
    assert page == {"items": [], "next": None}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_polling_with_since_never_misses_or_repeats_while_others_publish(client, editor):
    """Two connections: this one polls, page by page; a thread of its own (another
    database connection) publishes and corrects between the page fetches."""
    start = timezone.now() - timedelta(seconds=1)
    stories = [published(editor, f"Before {i}") for i in range(5)]
    actions = iter(
        [
            lambda: published(editor, "During the first poll"),
            lambda: workflow.correct(stories[4], "correction", "A fix.", editor),
            lambda: published(editor, "During the first poll, later"),
            lambda: published(editor, "During the second poll"),
            lambda: republish(stories[1], editor),
        ]
    )

    def elsewhere(action):
        failures = []

        def run():
            try:
                action()
            except Exception as error:
                failures.append(error)
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
        return failures

    seen: list[tuple[str, str]] = []
    newest = timestamp(start)
    for _ in range(4):  # polls
        following = url(since=newest, limit=2)
        while following:
            response, page = api_get(client, following)
            assert response.status_code == 200
            seen += [(item["uri"], item["versioncreated"]) for item in page["items"]]
            for item in page["items"]:
                assert ninjs_errors(item) == []
                newest = max(newest, item["versioncreated"])
            action = next(actions, None)
            if action is not None:
                assert elsewhere(action) == []
            following = page["next"]

    assert len(seen) == len(set(seen)), "a story was repeated in the same version"
    _, now_listed = api_get(client, url(limit=100))
    current = {(item["uri"], item["versioncreated"]) for item in now_listed["items"]}
    assert current <= set(seen), "a story or its latest version was missed"
    assert len(current) == 8
    for changed in (stories[4], stories[1]):  # corrected, republished: seen again, once
        assert len([vc for uri, vc in seen if uri == item_uri(changed.pk)]) == 2
