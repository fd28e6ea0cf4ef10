"""Reader search when no story has every word: headlines that come close (trigrams)."""

import pytest
from django.db import connection

from articles import workflow
from tests.factories import make_story

pytestmark = pytest.mark.django_db

CLOSE = "No story has all of those words. These headlines come close."


@pytest.fixture
def stories(editor):
    live = make_story("Iran and Belarus pledge closer security ties", publish=True, by=editor)
    persian = make_story(
        "ایران و بلاروس بر پیوندهای امنیتی تأکید کردند", language="fa", publish=True, by=editor
    )
    draft = make_story("Belarus draft nobody may read yet", by=editor)
    gone = make_story("Belarus story taken down", publish=True, by=editor)
    workflow.transition(gone, "unpublish", editor)
    return live, persian, draft, gone


def _page(client, url, query):
    return client.get(url, {"q": query}).content.decode()


def test_the_index_exists_for_the_fallback():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'story_live_headline_trgm'")
        assert cursor.fetchone() is not None


def test_a_misspelt_word_finds_close_published_headlines_only(client, stories):
    live, persian, draft, gone = stories
    page = _page(client, "/search/", "Belaruss secruity")
    assert CLOSE in page
    assert live.headline in page
    assert draft.headline not in page and gone.headline not in page
    assert persian.headline not in page  # another edition


def test_a_persian_misspelling_in_the_persian_edition(client, stories):
    live, persian, *_ = stories
    page = _page(client, "/fa/search/", "بلاروسس")
    assert persian.headline in page and live.headline not in page
    assert "این تیترها به آن نزدیک‌اند" in page


def test_exact_matches_need_no_fallback(client, stories):
    live, *_ = stories
    page = _page(client, "/search/", "Belarus security")
    assert live.headline in page and CLOSE not in page


def test_nothing_close_says_nothing_was_found(client, stories):
    page = _page(client, "/search/", "zebra quantum harmonica")
    assert CLOSE not in page
    assert "Iran and Belarus" not in page
