"""Limits on text that has no natural length: copy to import, a lede, a section, how many
sections and "Go deeper" entries, a slug, what is indexed for search. Past a limit,
the writer is told which one and by how much, and nothing is saved."""

import io
import re
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from articles.importer import import_copy
from articles.models import Author, BriefingLabel, Section, Story, Tag
from articles.parser import ParseError, parse_copy
from articles.search import search_stories
from articles.text import unique_slug
from tests.factories import make_story

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:articles_story_import")


def refused(copy: str) -> str:
    """The one-line reason the importer gives for refusing ``copy``; nothing is saved."""
    with pytest.raises(ParseError) as error:
        import_copy(copy)
    assert not Story.objects.exists()
    return str(error.value)


# --- copy to import ------------------------------------------------------------------------


def test_copy_over_200_kb_is_refused_before_it_is_parsed():
    with pytest.raises(ParseError, match=r"The copy has 204,801 characters.*most.*204,800"):
        parse_copy("x" * (200 * 1024 + 1), [])


def test_copy_of_200_kb_is_parsed():
    assert parse_copy("A lede.\n\n" + "x" * (200 * 1024 - 9), []).lede == "A lede."


def test_import_page_says_the_copy_is_too_long_and_keeps_it(as_journalist):
    copy = "A lede.\n\n" + "word " * 50_000
    response = as_journalist.post(IMPORT_URL, {"text": copy, "headline": ""})
    assert response.status_code == 200
    (error,) = response.context["form"].errors["text"]
    assert re.search(r"250,?009", error), error
    assert response.context["form"]["text"].value() == copy
    assert not Story.objects.exists()


def test_a_lede_over_2000_characters_is_refused():
    reason = refused("A" + " long" * 500 + " lede.\n\nJane Doe")
    assert reason.startswith("The lede (the first paragraph) has 2,507 characters")
    assert "at most 2,000" in reason


def test_a_lede_of_2000_characters_is_imported():
    lede = "A " + "long " * 398 + "lede ok."
    assert len(lede) == 2_000
    assert import_copy(f"{lede}\n\nJane Doe").story.lede == lede


def test_a_section_over_10000_characters_of_html_is_refused():
    reason = refused("A lede.\n\nWhy it matters: " + "yes " * 2_600 + "\n\nJane Doe")
    assert reason.startswith("“Why it matters” has 10,406 characters with its markup")
    assert "at most 10,000" in reason


def test_markup_counts_towards_a_section_limit():
    # 2,000 ampersands are 2,000 characters of text and 10,000 of HTML (&amp;).
    reason = refused("A lede.\n\nWhy it matters: " + "&" * 2_000 + "\n\nJane Doe")
    assert "10,007 characters with its markup" in reason


def test_more_than_30_sections_are_refused():
    copy = "A lede.\n\n" + "Why it matters: yes.\n\n" * 31 + "Jane Doe"
    assert refused(copy).startswith("The copy has 31 sections; a story can have at most 30.")


def test_more_than_20_go_deeper_entries_are_refused():
    copy = "A lede.\n\nGo deeper:\n" + "".join(f"Title {n}\n" for n in range(21)) + "\nJane Doe"
    assert refused(copy) == "The copy has 21 “Go deeper” entries; a story can have at most 20."


def test_import_story_refuses_a_lede_over_the_limit_in_one_line(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("A" + " long" * 500 + " lede.\n\nJane Doe", encoding="utf-8")
    with pytest.raises(CommandError, match=r"long\.txt: The lede .* at most 2,000"):
        call_command("import_story", str(path), stdout=io.StringIO())
    assert not Story.objects.exists()


# --- slugs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "length"),
    [(Author, 100), (Section, 80), (Tag, 80), (BriefingLabel, 60), (Story, 100)],
)
def test_a_name_that_grows_when_made_a_slug_still_fits_its_field(model, length):
    # Each ligature becomes three letters in a slug ("ﬃ" → "ffi").
    name = "ﬃ" * 50
    row = make_story(name) if model is Story else model.objects.create(name=name)
    twin = make_story(name) if model is Story else model.objects.create(name=name + "!")
    assert len(row.slug) == length
    assert len(twin.slug) == length
    assert twin.slug.endswith("-2")


def test_a_slug_taken_hundreds_of_times_costs_a_few_queries(django_assert_max_num_queries):
    Story.objects.bulk_create(
        Story(headline="🎉", slug="story" if n == 1 else f"story-{n}") for n in range(1, 301)
    )
    with django_assert_max_num_queries(4):
        assert unique_slug(Story, "🎉") == "story-301"


# --- search ------------------------------------------------------------------------------


def test_a_story_longer_than_postgresql_can_index_is_published_and_found(editor):
    # 60,000 different words: their tsvector would be over PostgreSQL's 1 MB.
    words = " ".join(f"w{n:x}z" for n in range(60_000))
    story = make_story(
        "Everything at once",
        sections=[("Why it matters", f"<p>{words}</p>")],
        publish=True,
        by=editor,
    )
    assert story.is_live
    assert list(search_stories("w0z")) == [story]
    assert len(Story.objects.get(pk=story.pk).search_text) < 120_000


def test_blank_characters_of_every_kind_are_stripped_from_copy():
    # Line and paragraph separators are line ends, and control characters are dropped.
    blanks = "".join(
        ch
        for ch in map(chr, range(sys.maxunicode + 1))
        if ch.isspace() and ch not in "\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029"
    )
    assert parse_copy(f"{blanks}A lede.{blanks}", []).lede == "A lede."
