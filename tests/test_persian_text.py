"""Persian text: one spelling for search (articles.persian) and words counted as Persian
writes them (articles.text), in time linear in the text."""

import time

import pytest

from articles import persian
from articles.brevity import Facts, check
from articles.text import sentence_count, word_count

# --- one spelling ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("كتاب", "کتاب"),
        ("يزد", "یزد"),
        ("مدرسة", "مدرسه"),
        ("خانۀ", "خانه"),
        ("خانهٔ", "خانه"),
        ("کتـــاب", "کتاب"),
        ("کِتابُ", "کتاب"),
        ("ﻛﺘﺎﺏ", "کتاب"),
        ("۱۴۰۳", "1403"),
        ("١٤٠٣", "1403"),
        ("۲٫۵٪", "2.5%"),
    ],
)
def test_letters_marks_and_digits_are_written_one_way(typed, normal):
    assert persian.normalise(typed) == normal


@pytest.mark.parametrize("typed", ["می‌گویند", "میگویند", "می گویند", "مي گويند"])
def test_a_zwnj_word_is_written_joined_however_it_was_typed(typed):
    assert persian.normalise(typed) == "میگویند"


@pytest.mark.parametrize(
    ("typed", "normal"),
    [("نمی خواهد", "نمیخواهد"), ("کتاب ها", "کتابها"), ("کتاب های ما", "کتابهای ما")],
)
def test_a_detached_prefix_or_plural_is_joined(typed, normal):
    assert persian.normalise(typed) == normal


def test_a_space_between_ordinary_words_stays():
    assert persian.normalise("آب سرد") == "آب سرد"


def test_the_indexed_text_lists_the_parts_of_zwnj_words_affixes_aside():
    indexed = persian.index_text("دانش‌آموزان کتاب‌ها را می‌خوانند و دانش‌آموزان")
    text, parts = indexed.split("\n")
    assert text == "دانشآموزان کتابها را میخوانند و دانشآموزان"
    assert parts.split() == ["دانش", "آموزان", "کتاب", "خوانند"]


def test_latin_text_is_left_as_it_is():
    text = "Iran's 2024 café\u200bnews: don't—stop."
    assert persian.normalise(text) == persian.index_text(text) == text


# --- words and sentences ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("می‌گویند", 1),
        ("کتاب‌های تازه", 2),
        ("می گویند", 2),
        ("کِتابِ تازه", 2),
        ("ایران، عراق؛ چرا؟ «بله»", 4),
        ("سال ۱۴۰۳", 2),
        ("\u200cکتاب\u200c", 1),
    ],
)
def test_persian_words_are_counted_with_zwnj_inside_a_word(text, words):
    assert word_count(text) == words


def test_english_words_are_counted_as_before():
    assert word_count("Don't stop-gap the U.S. café’s 2,000 plans") == 9


@pytest.mark.parametrize(
    ("text", "sentences"),
    [("ایران امضا کرد. چرا؟ پاسخ روشن است", 3), ("آیا درست است؟", 1), ("نه؛ بله، شاید", 1)],
)
def test_persian_sentences_end_at_full_stops_and_question_marks(text, sentences):
    assert sentence_count(text) == sentences


def test_brevity_counts_a_persian_lede_by_its_words():
    lede = " ".join(["می‌گویند"] * 40)
    assert not [f for f in check(Facts("تیتر", lede=lede)) if f.code == "lede_words"]
    (finding,) = [f for f in check(Facts("تیتر", lede=lede + " بله")) if f.code == "lede_words"]
    assert "41 words" in finding.message


# --- linear on hostile text --------------------------------------------------------------

HOSTILE = {
    "a word then ZWNJs": lambda n: "ب" * n + "\u200c" * n + ".",
    "ZWNJs alone": lambda n: "\u200c" * (2 * n),
    "letters and ZWNJs": lambda n: "ب\u200c" * n,
    "می and spaces": lambda n: ("می" + " " * 50) * (n // 26),
    "spaces then ها": lambda n: "ب" + " " * (2 * n) + "ها",
}


@pytest.mark.parametrize("work", [persian.index_text, persian.normalise, word_count])
@pytest.mark.parametrize("shape", HOSTILE)
def test_hostile_text_is_read_in_time(work, shape):
    # 320,000 characters, more than the importer reads: read again from each of its
    # characters (quadratic), that would take hours; read once, a fraction of a second.
    text = HOSTILE[shape](160_000)
    start = time.perf_counter()
    work(text)
    assert time.perf_counter() - start < 2
