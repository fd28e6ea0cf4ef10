"""articles.parser: plain-text Smart Brevity copy into a structured story (no database)."""

from pathlib import Path

import pytest

from articles.parser import GoDeeper, ParseError, parse_copy

SEED = Path(__file__).parent / "data" / "import" / "seed-story.txt"
LABELS = [
    "Why it matters",
    "The big picture",
    "Driving the news",
    "Zoom in",
    "By the numbers",
    "Yes, but",
    "What they're saying",
    "Between the lines",
    "What's next",
    "What to watch",
    "The bottom line",
]


def parse(text, labels=LABELS):
    return parse_copy(text, labels)


@pytest.fixture(scope="module")
def seed():
    return parse(SEED.read_text(encoding="utf-8"))


# --- the seed story ---------------------------------------------------------------------


def test_seed_story_has_no_headline(seed):
    assert seed.headline is None


def test_seed_story_lede_is_its_first_paragraph(seed):
    assert seed.lede.startswith("Iranian Foreign Minister Abbas Araghchi met on Monday")
    assert seed.lede.endswith("bilateral agreements signed over the past two years.")


def test_seed_story_has_the_five_labels_in_order(seed):
    assert [s.label for s in seed.sections] == [
        "Why it matters",
        "The big picture",
        "What they're saying",
        "Between the lines",
        "What to watch",
    ]


def test_seed_story_sections_each_hold_their_own_paragraphs(seed):
    starts = [
        "Iran-Belarus relations have gained",
        "Iran and Belarus have accelerated",
        "Volfovich emphasized that",
        "The tone of the meeting",
        "Whether Iran and Belarus move",
    ]
    assert all(
        s.blocks[0].startswith(start) for s, start in zip(seed.sections, starts, strict=True)
    )
    assert [len(s.blocks) for s in seed.sections] == [3, 3, 3, 4, 3]


def test_seed_story_keeps_curly_quotes_in_text(seed):
    assert "“independent, like‑minded states.”" in seed.sections[0].blocks[0]


def test_seed_story_go_deeper_entry(seed):
    assert seed.go_deeper == [GoDeeper("Iran, Belarus Sign Three Cooperation Documents")]


def test_seed_story_bylines_from_last_line(seed):
    assert seed.bylines == ["Hossein Amiri", "Mahboubeh Habibi"]


def test_seed_story_byline_line_is_in_no_section(seed):
    text = " ".join(str(block) for s in seed.sections for block in s.blocks)
    assert "Hossein Amiri" not in text
    assert "Mahboubeh" not in text


def test_seed_story_parses_without_warnings(seed):
    assert seed.warnings == []


# --- headline and lede ----------------------------------------------------------------------


def test_short_first_line_without_period_is_the_headline():
    story = parse("Iran and Belarus pledge closer ties\n\nThe lede.\n\nJane Doe")
    assert story.headline == "Iran and Belarus pledge closer ties"
    assert story.lede == "The lede."


def test_first_line_with_final_period_is_the_lede():
    story = parse("Iran and Belarus met.\n\nMore text.\n\nJane Doe")
    assert story.headline is None
    assert story.lede == "Iran and Belarus met."


def test_first_line_of_120_characters_is_not_a_headline():
    first = "x" * 120
    story = parse(f"{first}\n\nMore text.\n\nJane Doe")
    assert story.headline is None
    assert story.lede == first


def test_headline_followed_by_lede_without_blank_line():
    lede = "Iranian Foreign Minister Abbas Araghchi met on Monday with Alexander Volfovich, " * 2
    story = parse(f"Iran and Belarus pledge closer ties\n{lede}\n\nJane Doe")
    assert (story.headline, story.lede) == ("Iran and Belarus pledge closer ties", lede.strip())


def test_hard_wrapped_lede_is_not_taken_for_a_headline():
    story = parse(
        "Iranian Foreign Minister Abbas Araghchi met\non Monday with his Belarusian host."
    )
    assert story.headline is None
    assert story.lede.startswith("Iranian Foreign Minister Abbas Araghchi met on Monday")


def test_copy_of_one_line_is_a_lede_not_a_headline():
    story = parse("Something happened today")
    assert (story.headline, story.lede) == (None, "Something happened today")


def test_lines_of_a_paragraph_are_joined_with_a_space():
    story = parse("The lede starts here\nand goes on here.\n\nJane Doe")
    assert story.lede == "The lede starts here and goes on here."


# --- labels -----------------------------------------------------------------------------


def test_label_inline_with_colon_starts_a_section():
    story = parse("Lede.\n\nWhy it matters: Belarus is a partner.\n\nJane Doe")
    assert [(s.label, s.blocks) for s in story.sections] == [
        ("Why it matters", ["Belarus is a partner."])
    ]


@pytest.mark.parametrize("written", ["WHY IT MATTERS", "why it matters", "Why It Matters"])
def test_label_is_recognised_in_any_case(written):
    story = parse(f"Lede.\n\n{written}: Belarus is a partner.")
    assert story.sections[0].label == "Why it matters"


@pytest.mark.parametrize("written", ["What they’re saying", "What they're saying"])
def test_label_is_recognised_with_curly_or_straight_apostrophe(written):
    story = parse(f"Lede.\n\n{written}:\n\nVolfovich spoke.")
    assert story.sections[0].label == "What they're saying"


@pytest.mark.parametrize("written", ["The big picture", "The big picture:", "the big picture :"])
def test_label_on_a_line_of_its_own_with_or_without_colon(written):
    story = parse(f"Lede.\n\n{written}\n\nIran and Belarus have accelerated cooperation.")
    assert [(s.label, s.blocks) for s in story.sections] == [
        ("The big picture", ["Iran and Belarus have accelerated cooperation."])
    ]


@pytest.mark.parametrize("separator", [" - ", " — ", "—", " – "])
def test_label_inline_with_dash(separator):
    story = parse(f"Lede.\n\nWhat's next{separator}A review in six months.")
    assert [(s.label, s.blocks) for s in story.sections] == [
        ("What's next", ["A review in six months."])
    ]


def test_paragraph_starting_with_label_words_but_no_separator_is_not_a_label():
    story = parse("Lede.\n\nZoom in on the data and it looks different.\n\nWhy it matters: x")
    assert [s.label for s in story.sections] == [None, "Why it matters"]
    assert story.sections[0].blocks == ["Zoom in on the data and it looks different."]


def test_label_without_separator_before_a_capital_starts_a_section():
    story = parse("Lede.\n\nWhy it matters The council sets the fares.\n\nJane Doe")
    assert [(s.label, s.blocks) for s in story.sections] == [
        ("Why it matters", ["The council sets the fares."])
    ]


@pytest.mark.parametrize("written", ["WHY IT MATTERS", "why it matters", "Why it matters:"])
def test_label_without_separator_is_recognised_in_any_case(written):
    story = parse(f"Lede.\n\n{written} Belarus is a partner.")
    assert story.sections[0].label == "Why it matters"
    assert story.sections[0].blocks == ["Belarus is a partner."]


def test_label_without_separator_in_single_spaced_copy():
    story = parse("Lede.\nThe big picture Iran looks east.\nWhat's next A vote in May.\nJane Doe")
    assert [(s.label, s.blocks) for s in story.sections] == [
        ("The big picture", ["Iran looks east."]),
        ("What's next", ["A vote in May."]),
    ]


def test_longest_label_without_separator_wins():
    story = parse("Lede.\n\nYes, but Analysts are wary.", labels=["Yes", "Yes, but"])
    assert [(s.label, s.blocks) for s in story.sections] == [("Yes, but", ["Analysts are wary."])]


def test_unknown_words_before_a_capital_are_not_a_label():
    story = parse("Lede.\n\nOn the record Mayor Diaz spoke.\n\nWhy it matters: x")
    assert [s.label for s in story.sections] == [None, "Why it matters"]
    assert story.sections[0].blocks == ["On the record Mayor Diaz spoke."]


def test_label_words_inside_a_wrapped_paragraph_are_not_a_label():
    story = parse("Lede.\n\nThe mayor spoke at length about\nWhy it matters Greatly to her.")
    assert story.sections[0].label is None
    assert story.sections[0].blocks == [
        "The mayor spoke at length about Why it matters Greatly to her."
    ]


def test_first_line_of_the_copy_is_never_a_label_without_separator():
    story = parse("Why it matters Now more than ever\n\nThe council voted on Tuesday.")
    assert story.headline == "Why it matters Now more than ever"
    assert story.lede == "The council voted on Tuesday."


def test_label_line_followed_by_text_without_blank_line():
    story = parse("Lede.\n\nBy the numbers:\n• 3 documents\n• 2 years")
    assert [(s.label, s.blocks) for s in story.sections] == [
        ("By the numbers", [["3 documents", "2 years"]])
    ]


def test_label_with_a_comma_in_its_name():
    story = parse("Lede.\n\nYes, but: Analysts are wary.")
    assert story.sections[0].label == "Yes, but"


def test_labels_are_the_ones_the_caller_passes():
    story = parse("Lede.\n\nCatch up quick: Three things.", labels=["Catch up quick"])
    assert story.sections[0].label == "Catch up quick"


def test_label_not_passed_by_the_caller_stays_text():
    story = parse("Lede.\n\nWhy it matters: Belarus is a partner.", labels=["Zoom in"])
    assert story.sections[0].label is None
    assert story.sections[0].blocks == ["Why it matters: Belarus is a partner."]


def test_label_with_no_text_under_it_is_left_out_with_a_warning():
    story = parse("Lede.\n\nWhy it matters:\n\nZoom in: Detail.")
    assert [s.label for s in story.sections] == ["Zoom in"]
    assert any("“Why it matters” has no text" in w for w in story.warnings)


def test_copy_without_labels_becomes_one_unlabelled_section_with_a_warning():
    story = parse("The lede.\n\nSecond paragraph.\n\nThird paragraph.\n\nJane Doe")
    assert [(s.label, s.blocks) for s in story.sections] == [
        (None, ["Second paragraph.", "Third paragraph."])
    ]
    assert "No briefing labels recognised" in " ".join(story.warnings)


# --- line ends and lists ------------------------------------------------------------------


def test_crlf_line_ends():
    story = parse(
        "Headline\r\n\r\nThe lede\r\ngoes on.\r\n\r\nWhy it matters: x\r\n\r\nJane Doe\r\n"
    )
    assert (story.headline, story.lede) == ("Headline", "The lede goes on.")
    assert story.sections[0].blocks == ["x"]
    assert story.bylines == ["Jane Doe"]


def test_cr_line_ends():
    story = parse("Headline\r\rThe lede.\r\rWhy it matters: x\r\rJane Doe")
    assert (story.headline, story.lede, story.bylines) == ("Headline", "The lede.", ["Jane Doe"])


@pytest.mark.parametrize("bullet", ["•", "-", "*", "–"])
def test_bullet_lines_become_a_list(bullet):
    story = parse(f"Lede.\n\nBy the numbers:\n\n{bullet} 14% pay rise\n{bullet} 78% in favour")
    assert story.sections[0].blocks == [["14% pay rise", "78% in favour"]]


def test_bullets_separated_by_blank_lines_are_one_list():
    story = parse("Lede.\n\nBy the numbers:\n\n• one\n\n• two")
    assert story.sections[0].blocks == [["one", "two"]]


def test_indented_line_continues_a_bullet():
    story = parse("Lede.\n\nBy the numbers:\n• a long item\n  that wraps\n• two")
    assert story.sections[0].blocks == [["a long item that wraps", "two"]]


def test_paragraph_after_a_list_is_a_paragraph():
    story = parse("Lede.\n\nBy the numbers:\n• one\n• two\nThen a paragraph.")
    assert story.sections[0].blocks == [["one", "two"], "Then a paragraph."]


def test_hyphenated_word_at_line_start_is_not_a_bullet():
    story = parse("Lede.\n\nZoom in:\n-5 degrees overnight.")
    assert story.sections[0].blocks == ["-5 degrees overnight."]


def test_copy_without_blank_lines_has_one_paragraph_per_line():
    story = parse("Headline\nThe lede.\nWhy it matters: One.\nTwo.\nJane Doe")
    assert (story.headline, story.lede) == ("Headline", "The lede.")
    assert story.sections[0].blocks == ["One.", "Two."]
    assert story.bylines == ["Jane Doe"]


# --- bylines ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Hossein Amiri - Mahboubeh Habibi",
        "Hossein Amiri, Mahboubeh Habibi",
        "Hossein Amiri and Mahboubeh Habibi",
        "Hossein Amiri & Mahboubeh Habibi",
        "By Hossein Amiri and Mahboubeh Habibi",
        "Hossein Amiri — Mahboubeh Habibi",
    ],
)
def test_byline_separators(line):
    assert parse(f"Lede.\n\n{line}").bylines == ["Hossein Amiri", "Mahboubeh Habibi"]


def test_three_bylines_with_serial_comma():
    story = parse("Lede.\n\nAnn Lee, Bo Chen, and Cy Twombly")
    assert story.bylines == ["Ann Lee", "Bo Chen", "Cy Twombly"]


def test_name_with_particle_is_a_byline():
    assert parse("Lede.\n\nLudwig van Beethoven").bylines == ["Ludwig van Beethoven"]


def test_byline_in_a_script_without_capitals():
    assert parse("Lede.\n\nحسین امیری - محبوبه حبیبی").bylines == ["حسین امیری", "محبوبه حبیبی"]


@pytest.mark.parametrize(
    "line",
    [
        "The two officials met again on Tuesday.",
        "Stay tuned for more",
        "Officials said 3 documents were signed",
        "What to watch",
    ],
)
def test_last_line_that_is_not_names_gives_no_bylines_and_a_warning(line):
    story = parse(f"Lede.\n\nWhy it matters: x\n\n{line}")
    assert story.bylines == []
    assert any(w.startswith("No bylines") for w in story.warnings)


def test_last_line_that_is_not_names_stays_in_the_story():
    story = parse("Lede.\n\nWhy it matters: x\n\nThe two officials met again on Tuesday.")
    assert story.sections[0].blocks == ["x", "The two officials met again on Tuesday."]


def test_only_go_deeper_entry_is_not_taken_for_a_byline():
    story = parse("Lede.\n\nGo deeper:\n\nIran, Belarus Sign Three Cooperation Documents")
    assert story.bylines == []
    assert story.go_deeper == [GoDeeper("Iran, Belarus Sign Three Cooperation Documents")]


# --- go deeper ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry",
    [
        "Sanctions explained - https://example.org/sanctions",
        "Sanctions explained https://example.org/sanctions",
        "Sanctions explained (https://example.org/sanctions)",
    ],
)
def test_go_deeper_entry_with_web_address(entry):
    story = parse(f"Lede.\n\nGo deeper:\n\n{entry}\n\nJane Doe")
    assert story.go_deeper == [GoDeeper("Sanctions explained", "https://example.org/sanctions")]


def test_go_deeper_inline_and_one_entry_a_line():
    story = parse("Lede.\n\nGo Deeper: First story\nSecond story\n• Third story\n\nJane Doe")
    assert [e.title for e in story.go_deeper] == ["First story", "Second story", "Third story"]


def test_go_deeper_javascript_address_is_dropped_with_a_warning():
    story = parse("Lede.\n\nGo deeper:\n\nClick me - javascript:alert(1)\n\nJane Doe")
    assert story.go_deeper == [GoDeeper("Click me")]
    assert any("not an http" in w for w in story.warnings)


def test_go_deeper_is_not_a_section():
    story = parse("Lede.\n\nWhy it matters: x\n\nGo deeper:\n\nA story\n\nJane Doe")
    assert [s.label for s in story.sections] == ["Why it matters"]


# --- characters ----------------------------------------------------------------------------


def test_emoji_rtl_text_and_inner_zero_width_characters_round_trip():
    lede = "Talks in Minsk 🇮🇷🇧🇾 👩‍👩‍👧 — «گفت‌وگو» در مینسک، שלום."
    body = "Emoji 🤝 and Persian می‌خواهم with its zero-width non-joiner."
    story = parse(f"{lede}\n\nWhy it matters: {body}\n\nJane Doe")
    assert story.lede == lede
    assert story.sections[0].blocks == [body]


def test_zero_width_characters_at_paragraph_edges_are_stripped():
    story = parse("\ufeff\u200bThe lede.\u200b\n\n\u200bWhy it matters: x\u2060\n\nJane Doe\u200d")
    assert story.lede == "The lede."
    assert story.sections[0].blocks == ["x"]
    assert story.bylines == ["Jane Doe"]


def test_nul_bytes_are_removed():
    story = parse("The le\x00de.\n\nWhy it matters: x\x00y\n\nJane Doe")
    assert story.lede == "The lede."
    assert story.sections[0].blocks == ["xy"]


def test_html_in_copy_stays_text_for_the_parser():
    story = parse("Lede <b>bold</b>.\n\nWhy it matters: <script>alert(1)</script>")
    assert story.lede == "Lede <b>bold</b>."
    assert story.sections[0].blocks == ["<script>alert(1)</script>"]


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\n \t\n", "\u200b\ufeff\n", "\x00\x00"])
def test_empty_copy_is_refused(text):
    with pytest.raises(ParseError, match=r"^The copy is empty\.$"):
        parse(text)


def test_copy_with_labels_and_no_paragraphs_is_refused():
    with pytest.raises(ParseError, match="no paragraphs"):
        parse("Why it matters\n\nZoom in:\n\nGo deeper")


def test_copy_starting_with_a_label_is_refused_for_want_of_a_lede():
    with pytest.raises(ParseError, match="no lede: it starts with the “Why it matters” label"):
        parse("Why it matters: Belarus is a partner.\n\nJane Doe")


def test_copy_starting_with_a_list_is_refused_for_want_of_a_lede():
    with pytest.raises(ParseError, match="no lede: it starts with a bullet list"):
        parse("• one\n• two\n\nWhy it matters: x")


def test_parse_error_message_is_one_line():
    with pytest.raises(ParseError) as error:
        parse("Headline\n\nWhy it matters: x")
    assert "\n" not in str(error.value)
