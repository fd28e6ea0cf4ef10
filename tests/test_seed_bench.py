"""manage.py seed_bench: bulk-made stories must be as live as published ones."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils.html import escape

from articles import snapshot
from articles.models import Author, Story
from articles.search import clean_query, search_stories
from tests.factories import make_story

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def seed(**options):
    options.setdefault("stories", 50)
    options.setdefault("authors", 20)
    options.setdefault("batch", 20)
    call_command("seed_bench", stdout=StringIO(), stderr=StringIO(), **options)
    return list(
        Story.objects.filter(slug__startswith="bench-")
        .select_related("live_revision")
        .order_by("first_published_at")
    )


def test_seeds_the_requested_number_of_published_stories():
    stories = seed()
    assert len(stories) == 50
    assert Story.objects.published().filter(slug__startswith="bench-").count() == 50


def test_seeded_story_pages_render_with_their_headline(client):
    for story in seed():
        response = client.get(story.get_absolute_url())
        assert response.status_code == 200
        assert escape(story.headline) in response.text


def test_seeded_stories_have_two_or_three_bylines():
    counts = {story.bylines.count() for story in seed()}
    assert counts <= {2, 3}


def test_seeded_stories_have_four_to_six_labelled_sections():
    for story in seed():
        sections = list(story.sections.all())
        assert 4 <= len(sections) <= 6
        assert all(s.label_id and s.body for s in sections)


def test_seeded_stories_have_three_go_deeper_links_to_earlier_stories():
    stories = seed()
    for story in stories:
        assert story.related_links.count() == 3
    for story in stories[3:]:
        for link in story.related_links.select_related("target"):
            assert link.target.first_published_at < story.first_published_at


def test_seeded_stories_are_found_by_search():
    stories = seed()
    for story in stories[::10]:
        found = search_stories(clean_query(story.headline))
        assert story in found


def test_live_revision_holds_what_story_snapshot_returns():
    for story in seed():
        assert story.live_revision.snapshot == snapshot.build(story).to_json()


def test_live_columns_follow_the_live_revision():
    for story in seed():
        snapshot = story.live_revision.snapshot
        assert story.live_section_id == snapshot["section"]["id"]
        assert {a.pk for a in story.live_authors.all()} == {
            b["author_id"] for b in snapshot["bylines"]
        }
        assert {t.pk for t in story.live_tags.all()} == {t["id"] for t in snapshot["tags"]}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_batches_are_written_on_a_second_connection_alongside():
    # Under the other tests everything happens in the test's transaction, one batch
    # after the other; here each batch commits on the writer thread's own connection.
    stories = seed(stories=30, batch=7)
    assert len(stories) == 30
    assert Story.objects.published().filter(slug__startswith="bench-").count() == 30
    for story in stories:
        assert story.live_revision.snapshot == snapshot.build(story).to_json()
        assert story.search_vector
    for story in stories[3:]:
        assert all(
            link.target.first_published_at < story.first_published_at
            for link in story.related_links.select_related("target")
        )


def test_same_seed_gives_the_same_headlines():
    first = [s.headline for s in seed(stories=10)]
    second = [s.headline for s in seed(stories=10, reset=True)]
    assert first == second


def test_refuses_to_add_to_earlier_bench_stories_without_reset():
    seed(stories=5)
    with pytest.raises(CommandError, match="--reset"):
        seed(stories=5)


def test_reset_replaces_bench_stories_and_keeps_the_others():
    own = make_story("A story of our own", publish=True)
    seed(stories=20)
    stories = seed(stories=5, reset=True)
    assert len(stories) == 5
    assert Story.objects.filter(pk=own.pk).exists()
    assert Author.objects.filter(slug__startswith="bench-").count() == 20


@pytest.mark.slow  # manage.py in a child process
def test_refuses_sqlite_with_a_clear_error(tmp_path):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_bench", "--stories", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "needs PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr
