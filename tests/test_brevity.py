"""The house rules' checks: each rule finds its own fault, and a tight story passes clean."""

from articles.brevity import LIMITS, RULE_CODES, Facts, Part, check, rule_name

WHY = Part("Why it matters", "why-it-matters", "<p>Because it changes what you pay.</p>")
GOOD_LEDE = "The council approved a new budget on Monday, raising bus fares by ten cents."


def words(n: int) -> str:
    return " ".join(["word"] * n)


def story(**changes) -> Facts:
    """A story that keeps every rule, with ``changes``."""
    base = dict(
        headline="Council raises bus fares",
        lede=GOOD_LEDE,
        bylines=1,
        has_desk=True,
        parts=(WHY,),
    )
    return Facts(**{**base, **changes})


def codes(facts: Facts, limits=None) -> list[str]:
    return [finding.code for finding in check(facts, limits)]


def test_tight_story_breaks_no_rule():
    assert check(story()) == []


def test_headline_over_seventy_characters():
    [finding] = check(story(headline="x" * (LIMITS["headline_chars"] + 1)))
    assert (finding.code, finding.field) == ("headline_chars", "headline")
    assert "71 characters" in finding.message


def test_headline_of_exactly_seventy_characters_passes():
    assert check(story(headline="x" * LIMITS["headline_chars"])) == []


def test_missing_and_provisional_headlines():
    assert codes(story(headline="  ")) == ["headline"]
    assert codes(story(headline_is_provisional=True)) == ["headline_final"]


def test_lede_of_two_sentences():
    [finding] = check(story(lede="Fares rise. Riders are angry."))
    assert finding.code == "lede_sentences"
    assert "2 sentences" in finding.message


def test_lede_abbreviations_are_not_sentence_ends():
    assert check(story(lede="U.S. officials met J. Smith in Minsk on Monday.")) == []


def test_lede_over_forty_words():
    [finding] = check(story(lede=words(LIMITS["lede_words"] + 1) + "."))
    assert finding.code == "lede_words"
    assert "41 words" in finding.message


def test_missing_lede_byline_and_desk():
    assert codes(story(lede="", bylines=0, has_desk=False)) == ["lede", "byline", "desk"]


def test_section_over_eighty_words_names_its_label_and_its_row():
    long = Part("The big picture", "the-big-picture", f"<p>{words(81)}</p>")
    [finding] = check(story(parts=(WHY, long)))
    assert (finding.code, finding.field) == ("section_words", "sections-1")
    assert "“The big picture” has 81 words" in finding.message


def test_unlabelled_long_section_is_named_by_position():
    long = Part("", "", f"<ul><li><p>{words(85)}</p></li></ul>")
    [finding] = check(story(parts=(WHY, long)))
    assert "Section 2 has 85 words" in finding.message


def test_section_words_are_counted_from_text_not_markup():
    body = "<p><strong>Bold</strong> and <a href='https://example.com/a-b-c'>linked</a></p>"
    assert check(story(parts=(WHY, Part("Zoom in", "zoom-in", body * 20)))) == []


def test_story_over_three_hundred_words():
    parts = (WHY, *(Part("", "", f"<p>{words(70)}</p>") for _ in range(5)))
    [finding] = check(story(parts=parts))
    assert finding.code == "story_words"
    assert "aim for 300 or fewer" in finding.message


def test_missing_why_it_matters():
    [finding] = check(story(parts=(Part("The big picture", "the-big-picture", "<p>x</p>"),)))
    assert finding.code == "why_it_matters"


def test_why_it_matters_label_matches_in_any_case_with_colon():
    assert check(story(parts=(Part("WHY IT MATTERS:", "", "<p>x</p>"),))) == []


def test_image_without_description_and_go_deeper_entries_that_point_nowhere():
    facts = story(image=True, image_alt=" ", links=(("Background", True), ("Earlier", False)))
    found = check(facts)
    assert [(f.code, f.field) for f in found] == [
        ("image_alt", "lead_image_alt"),
        ("go_deeper", "related_links-1"),
    ]


def test_open_review_comments():
    [finding] = check(story(open_comments=2))
    assert finding.code == "open_comments"
    assert "2 review comments" in finding.message


def test_editors_limits_replace_the_defaults():
    assert codes(story(headline="Council raises bus fares"), {"headline_chars": 10}) == [
        "headline_chars"
    ]


def test_every_rule_has_a_name_with_its_limit():
    names = [rule_name(code, None) for code in RULE_CODES]
    assert "The headline is at most 70 characters" in names
    assert rule_name("lede_words", 25) == "The lede is at most 25 words"
    assert all("{" not in name for name in names)
