"""The newsroom's house rules for a story's shape: what each checks, in plain words.

Each rule has a code, a name and, for the length rules, a limit. The checks here are
pure: they read a story's facts (:class:`Facts`) and say what breaks the rules
(:class:`Finding`), nothing more. How much each rule weighs at each step of the
workflow (off, a warning, blocking) is the editors' choice, stored in
``articles.models.HouseRule`` and applied by ``articles.workflow.gates``; the admin
passes the limits to ``static/js/admin/brevity.js`` so the live counters agree.
"""

from dataclasses import dataclass, field

from articles.richtext import html_to_text
from articles.text import normalize_label, sentence_count, word_count

#: The one signpost every story should have; compared with ``normalize_label``.
WHY_IT_MATTERS = "Why it matters"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    limit: int | None = None
    #: Off, "warn" or "block" at submit, approve, schedule and publish, by default.
    levels: tuple[str, str, str, str] = ("warn", "block", "block", "block")


#: The rules, in the order the desk lists them. Editors change their levels and limits
#: in the admin (House rules); these are the defaults a new newsroom starts with.
RULES = [
    Rule("headline", "The story has a headline", levels=("block",) * 4),
    Rule(
        "headline_final",
        "The headline is not the importer's provisional one",
        levels=("block",) * 4,
    ),
    Rule("headline_chars", "The headline is at most {limit} characters", 70),
    Rule("lede", "The story has a lede", levels=("block",) * 4),
    Rule("lede_sentences", "The lede is {limit} sentence", 1),
    Rule("lede_words", "The lede is at most {limit} words", 40),
    Rule("byline", "The story has a byline", levels=("block",) * 4),
    Rule("desk", "The story is filed under a section"),
    Rule("why_it_matters", "The story has a “Why it matters” section"),
    Rule("section_words", "Each briefing section is at most {limit} words", 80),
    Rule("story_words", "The story is at most {limit} words", 300),
    Rule("image_alt", "A lead image has a description", levels=("block",) * 4),
    Rule("go_deeper", "Each Go deeper entry points to a story or a web address"),
    Rule("open_comments", "No review comment is left open", levels=("off", "block", "off", "off")),
]
RULE_CODES = [rule.code for rule in RULES]

#: The limits of the length rules, by default (what the live counters start from).
LIMITS = {rule.code: rule.limit for rule in RULES if rule.limit is not None}


@dataclass(frozen=True)
class Part:
    label: str
    label_slug: str
    html: str


@dataclass(frozen=True)
class Facts:
    """What the rules read of a story."""

    headline: str
    headline_is_provisional: bool = False
    lede: str = ""
    bylines: int = 0
    has_desk: bool = False
    parts: tuple[Part, ...] = ()
    image: bool = False
    image_alt: str = ""
    #: Go deeper entries: (title, whether it points to a story or a web address).
    links: tuple[tuple[str, bool], ...] = ()
    open_comments: int = 0


@dataclass(frozen=True)
class Finding:
    """A rule the story breaks. ``field`` names the part of the story form to fix:
    ``headline``, ``lede``, ``bylines``, ``section``, ``sections-N`` (the N-th briefing
    section, from 0), ``lead_image_alt``, ``related_links-N`` or ``comments``."""

    code: str
    field: str
    message: str


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass
class _Findings:
    limits: dict
    found: list[Finding] = field(default_factory=list)

    def add(self, code: str, where: str, message: str) -> None:
        self.found.append(Finding(code, where, message))


def check(facts: Facts, limits: dict[str, int] | None = None) -> list[Finding]:
    """Every rule ``facts`` break, whatever it weighs, top of the story first."""
    limits = {**LIMITS, **(limits or {})}
    out = _Findings(limits)
    headline = facts.headline.strip()
    if not headline:
        out.add("headline", "headline", "Write a headline.")
    elif facts.headline_is_provisional:
        out.add(
            "headline_final",
            "headline",
            "The headline is the importer's placeholder: write a real one.",
        )
    if len(headline) > limits["headline_chars"]:
        out.add(
            "headline_chars",
            "headline",
            f"The headline has {len(headline)} characters; aim for "
            f"{limits['headline_chars']} or fewer (about six strong words).",
        )

    lede_words, lede_sentences = word_count(facts.lede), sentence_count(facts.lede)
    if not facts.lede.strip():
        out.add("lede", "lede", "Write a lede: one sentence that tells the news.")
    if lede_sentences > limits["lede_sentences"]:
        out.add(
            "lede_sentences",
            "lede",
            f"The lede has {lede_sentences} sentences; keep it to one sentence "
            "and move the rest into a section.",
        )
    if lede_words > limits["lede_words"]:
        out.add(
            "lede_words",
            "lede",
            f"The lede has {lede_words} words; aim for {limits['lede_words']} or fewer.",
        )

    if not facts.bylines:
        out.add("byline", "bylines", "Add a byline: who wrote this?")
    if not facts.has_desk:
        out.add("desk", "section", "Choose the section the story belongs to.")

    total = lede_words
    for index, part in enumerate(facts.parts):
        words = word_count(html_to_text(part.html))
        total += words
        if words > limits["section_words"]:
            name = f"“{part.label}”" if part.label else f"Section {index + 1}"
            out.add(
                "section_words",
                f"sections-{index}",
                f"{name} has {words} words; aim for {limits['section_words']} or fewer.",
            )
    wanted = normalize_label(WHY_IT_MATTERS)
    if not any(normalize_label(part.label) == wanted for part in facts.parts):
        out.add(
            "why_it_matters",
            "sections",
            f"Add a “{WHY_IT_MATTERS}” section: it tells readers why this story is worth "
            "their time.",
        )
    if total > limits["story_words"]:
        out.add(
            "story_words",
            "sections",
            f"The story has {_plural(total, 'word')} (lede and sections); "
            f"aim for {limits['story_words']} or fewer.",
        )

    if facts.image and not facts.image_alt.strip():
        out.add(
            "image_alt",
            "lead_image_alt",
            "Describe the lead image for readers who cannot see it.",
        )
    for index, (title, complete) in enumerate(facts.links):
        if not complete:
            out.add(
                "go_deeper",
                f"related_links-{index}",
                f"Go deeper: “{title}” points nowhere yet. Choose one of our stories or "
                "give a web address.",
            )
    if facts.open_comments:
        out.add(
            "open_comments",
            "comments",
            f"{_plural(facts.open_comments, 'review comment')} still open: resolve "
            "them, or say why not.",
        )
    return out.found


def rule_name(code: str, limit: int | None) -> str:
    rule = next(rule for rule in RULES if rule.code == code)
    return rule.name.format(limit=limit if limit is not None else rule.limit)
