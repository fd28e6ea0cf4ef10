"""Reader search over Persian stories: one word found however it is typed (issue 14)."""

import pytest
from django.db import connection

from articles import persian
from articles.search import clean_query, search_stories, snippet_html
from tests.factories import make_story

pytestmark = pytest.mark.django_db


def titles(query):
    return [s.live_revision.snapshot["headline"] for s in search_stories(clean_query(query))]


def persian_story(headline, body, **fields):
    return make_story(
        headline,
        language="fa",
        lede="خبری که امروز رسید.",
        sections=[("Why it matters", f"<p>{body}</p>")],
        publish=True,
        **fields,
    )


# A story and a query are typed on different keyboards: with Arabic ي/ك or Persian ی/ک.
@pytest.mark.parametrize(
    ("stored", "typed"),
    [("کتابخانه ملی یزد", "كتابخانه يزد"), ("كتابخانه ملي يزد", "کتابخانه یزد")],
    ids=["Arabic query, Persian text", "Persian query, Arabic text"],
)
def test_arabic_and_persian_yeh_and_kaf_find_each_other(stored, typed):
    persian_story("خبر کتابخانه", f"{stored} دوباره باز شد.")
    make_story("Library news", publish=True)
    assert titles(typed) == ["خبر کتابخانه"]


SPELLINGS = {"ZWNJ": "می‌گویند", "joined": "میگویند", "space": "می گویند"}


@pytest.mark.parametrize("stored", SPELLINGS)
@pytest.mark.parametrize("typed", SPELLINGS)
def test_a_word_is_found_with_its_zwnj_without_it_or_with_a_space(stored, typed):
    persian_story("گفت‌وگو", f"کارشناسان {SPELLINGS[stored]} که قیمت‌ها بالا رفت.")
    persian_story("خبر دیگر", "هوا امروز آفتابی است.")
    assert titles(SPELLINGS[typed]) == ["گفت‌وگو"]


def test_the_stem_of_a_zwnj_word_finds_it():
    persian_story("کتاب‌ها", "کتاب‌های تازه رسید.")
    assert titles("کتاب") == ["کتاب‌ها"]


def test_a_compound_with_zwnj_is_found_by_its_parts_typed_apart():
    persian_story("مدرسه", "دانش‌آموزان به مدرسه برگشتند.")
    assert titles("دانش آموزان") == ["مدرسه"]


@pytest.mark.parametrize("typed", ["۱۴۰۳", "١٤٠٣", "1403"])
@pytest.mark.parametrize("stored", ["۱۴۰۳", "١٤٠٣", "1403"])
def test_persian_arabic_and_latin_digits_find_each_other(stored, typed):
    persian_story("بودجه", f"بودجه سال {stored} تصویب شد.")
    persian_story("خبر دیگر", "بودجه سال ۱۴۰۲ تصویب شد.")
    assert titles(f"بودجه {typed}") == ["بودجه"]


def test_tatweel_and_diacritics_are_ignored_on_both_sides():
    persian_story("کتـــاب", "کِتابِ تازه")
    assert titles("كتاب") == ["کتـــاب"]
    assert titles("کِتـاب") == ["کتـــاب"]


def test_persian_headline_match_ranks_above_body_match():
    persian_story("خبر امروز", "بندر امروز آرام بود.")
    persian_story("بندر دوباره باز شد", "کشتی‌ها برگشتند.")
    assert titles("بندر") == ["بندر دوباره باز شد", "خبر امروز"]


def snippet(query):
    (result,) = search_stories(clean_query(query))
    return snippet_html(result.snippet, query)


def test_snippet_marks_a_persian_word_typed_with_arabic_letters():
    persian_story("بندر", "كشتي‌ها به بندر يزد برگشتند.")
    html = snippet("یزد")
    assert "<mark>یزد</mark>" in html


def test_snippet_marks_the_stem_of_a_zwnj_word_and_keeps_its_zwnj():
    persian_story("گفت‌وگو", "کارشناسان می‌گویند که قیمت‌ها بالا رفت.")
    html = snippet("میگویند")
    assert "می\u200c<mark>گویند</mark>" in html


def test_snippet_marks_digits_typed_in_another_script():
    persian_story("بودجه", "بودجه سال ١٤٠٣ تصویب شد.")
    assert "<mark>۱۴۰۳</mark>" in snippet("1403")


# --- English is as it was ---------------------------------------------------------------


def test_english_text_is_indexed_unchanged():
    text = "The café’s 2024 harbour-front books didn't sell; naïve “quotes” — 3.5%."
    assert persian.index_text(text) == persian.normalise(text) == text


def test_english_search_still_stems():
    make_story("Harbours reopen", sections=[(None, "<p>Dockworkers returned.</p>")], publish=True)
    assert titles("harbour") == ["Harbours reopen"]
    assert titles("returning dockworker") == ["Harbours reopen"]


def test_english_snippet_is_unchanged():
    make_story("Harbour reopens", sections=[(None, "<p>The harbour reopened.</p>")], publish=True)
    html = snippet("harbour")
    assert "<mark>Harbour</mark> reopens" in html
    assert "The <mark>harbour</mark> reopened" in html


def test_english_configuration_treats_persian_words_as_simple_does():
    # Why one configuration serves both languages (articles/search.py): the English
    # stemmer and stop words touch only Latin words.
    text = persian.index_text("آنها می‌گویند که کتاب‌های «ما» از این و آن بهترین‌اند ۱۴۰۳")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_tsvector('english', %s)::text, to_tsvector('simple', %s)::text",
            [text, text],
        )
        english, simple = cursor.fetchone()
    assert english == simple
