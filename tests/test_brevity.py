"""Smart Brevity guidance: each rule warns on its own and a tight story passes clean."""

from articles.brevity import LIMITS, Warning, check_story

WHY = ("Why it matters", "<p>Because it changes what you pay.</p>")
GOOD_LEDE = "The council approved a new budget on Monday, raising bus fares by ten cents."


def words(n: int) -> str:
    return " ".join(["word"] * n)


def fields(warnings: list[Warning]) -> list[str]:
    return [w.field for w in warnings]


def test_tight_story_has_no_warnings():
    assert check_story("Council raises bus fares", GOOD_LEDE, [WHY]) == []


def test_headline_over_seventy_characters_warns():
    headline = "x" * (LIMITS["headline_chars"] + 1)
    warnings = check_story(headline, GOOD_LEDE, [WHY])
    assert fields(warnings) == ["headline"]
    assert "71 characters" in warnings[0].message


def test_headline_of_exactly_seventy_characters_passes():
    assert check_story("x" * LIMITS["headline_chars"], GOOD_LEDE, [WHY]) == []


def test_lede_of_two_sentences_warns():
    warnings = check_story("Fares rise", "Fares rise. Riders are angry.", [WHY])
    assert fields(warnings) == ["lede"]
    assert "2 sentences" in warnings[0].message


def test_lede_abbreviations_are_not_sentence_ends():
    lede = "U.S. officials met J. Smith in Minsk on Monday."
    assert check_story("Officials meet", lede, [WHY]) == []


def test_lede_over_forty_words_warns():
    warnings = check_story("Fares rise", words(LIMITS["lede_words"] + 1) + ".", [WHY])
    assert fields(warnings) == ["lede"]
    assert "41 words" in warnings[0].message


def test_section_over_eighty_words_warns_with_its_label():
    long = ("The big picture", f"<p>{words(LIMITS['section_words'] + 1)}</p>")
    warnings = check_story("Fares rise", GOOD_LEDE, [WHY, long])
    assert fields(warnings) == ["sections"]
    assert "“The big picture” has 81 words" in warnings[0].message


def test_unlabelled_long_section_is_named_by_position():
    long = ("", f"<ul><li><p>{words(LIMITS['section_words'] + 5)}</p></li></ul>")
    warnings = check_story("Fares rise", GOOD_LEDE, [WHY, long])
    assert "Section 2 has 85 words" in warnings[0].message


def test_section_words_are_counted_from_text_not_markup():
    body = "<p><strong>Bold</strong> and <a href='https://example.com/a-b-c'>linked</a></p>"
    warnings = check_story("Fares rise", GOOD_LEDE, [WHY, ("Zoom in", body * 20)])
    assert warnings == []


def test_story_over_three_hundred_words_warns():
    sections = [WHY] + [("", f"<p>{words(70)}</p>") for _ in range(5)]
    warnings = check_story("Fares rise", GOOD_LEDE, sections)
    assert fields(warnings) == ["story"]
    assert "aim for 300 or fewer" in warnings[0].message


def test_missing_why_it_matters_gently_suggests_one():
    warnings = check_story("Fares rise", GOOD_LEDE, [("The big picture", "<p>Context.</p>")])
    assert fields(warnings) == ["sections"]
    assert warnings[0].message.startswith("Consider a “Why it matters” section")


def test_why_it_matters_label_matches_in_any_case_with_colon():
    assert check_story("Fares rise", GOOD_LEDE, [("WHY IT MATTERS:", "<p>x</p>")]) == []


def test_empty_story_only_misses_why_it_matters():
    assert fields(check_story("", "", [])) == ["sections"]
