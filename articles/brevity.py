"""The newsroom's house rules for a story's shape: what each checks, in plain words.

Each rule has a code, a name and, for the length rules, a limit. The checks here are
pure: they read a story's facts (:class:`Facts`) and say what breaks the rules
(:class:`Finding`), nothing more. How much each rule weighs at each step of the
workflow (off, a warning, blocking) is the editors' choice, stored in
``articles.models.HouseRule`` and applied by ``articles.workflow.gates``; the admin
passes the limits to ``static/js/admin/brevity.js`` so the live counters agree.
"""

from dataclasses import dataclass, field

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from articles import persian
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


def _number(n: int) -> str:
    """``n`` in the digits of the language the messages are in: ۱۲ in Persian."""
    return persian.persian_digits(n) if persian.is_active() else str(n)


@dataclass
class _Findings:
    limits: dict
    found: list[Finding] = field(default_factory=list)

    def add(self, code: str, where: str, message: str) -> None:
        self.found.append(Finding(code, where, message))


def check(facts: Facts, limits: dict[str, int] | None = None) -> list[Finding]:
    """Every rule ``facts`` break, whatever it weighs, top of the story first.

    The messages are in the active language: ``articles.workflow.gates`` checks a story
    in its own, so the writer of a Persian story reads them in Persian.
    """
    limits = {**LIMITS, **(limits or {})}
    out = _Findings(limits)
    headline = facts.headline.strip()
    if not headline:
        out.add("headline", "headline", _("Write a headline."))
    elif facts.headline_is_provisional:
        out.add(
            "headline_final",
            "headline",
            _("The headline is the importer's placeholder: write a real one."),
        )
    if len(headline) > limits["headline_chars"]:
        out.add(
            "headline_chars",
            "headline",
            ngettext(
                "The headline has %(count)s character; aim for %(limit)s or fewer "
                "(about six strong words).",
                "The headline has %(count)s characters; aim for %(limit)s or fewer "
                "(about six strong words).",
                len(headline),
            )
            % {"count": _number(len(headline)), "limit": _number(limits["headline_chars"])},
        )

    lede_words, lede_sentences = word_count(facts.lede), sentence_count(facts.lede)
    if not facts.lede.strip():
        out.add("lede", "lede", _("Write a lede: one sentence that tells the news."))
    if lede_sentences > limits["lede_sentences"]:
        out.add(
            "lede_sentences",
            "lede",
            ngettext(
                "The lede has %(count)s sentence; keep it to one sentence and move the "
                "rest into a section.",
                "The lede has %(count)s sentences; keep it to one sentence and move the "
                "rest into a section.",
                lede_sentences,
            )
            % {"count": _number(lede_sentences)},
        )
    if lede_words > limits["lede_words"]:
        out.add(
            "lede_words",
            "lede",
            ngettext(
                "The lede has %(count)s word; aim for %(limit)s or fewer.",
                "The lede has %(count)s words; aim for %(limit)s or fewer.",
                lede_words,
            )
            % {"count": _number(lede_words), "limit": _number(limits["lede_words"])},
        )

    if not facts.bylines:
        out.add("byline", "bylines", _("Add a byline: who wrote this?"))
    if not facts.has_desk:
        out.add("desk", "section", _("Choose the section the story belongs to."))

    total = lede_words
    for index, part in enumerate(facts.parts):
        words = word_count(html_to_text(part.html))
        total += words
        if words > limits["section_words"]:
            numbers = {
                "label": part.label,
                "number": _number(index + 1),
                "count": _number(words),
                "limit": _number(limits["section_words"]),
            }
            if part.label:
                message = ngettext(
                    "“%(label)s” has %(count)s word; aim for %(limit)s or fewer.",
                    "“%(label)s” has %(count)s words; aim for %(limit)s or fewer.",
                    words,
                )
            else:
                message = ngettext(
                    "Section %(number)s has %(count)s word; aim for %(limit)s or fewer.",
                    "Section %(number)s has %(count)s words; aim for %(limit)s or fewer.",
                    words,
                )
            out.add("section_words", f"sections-{index}", message % numbers)
    wanted = normalize_label(WHY_IT_MATTERS)
    if not any(normalize_label(part.label) == wanted for part in facts.parts):
        out.add(
            "why_it_matters",
            "sections",
            # The label is the one to choose in the story form, as it is written there.
            _("Add a “%(label)s” section: it tells readers why this story is worth their time.")
            % {"label": WHY_IT_MATTERS},
        )
    if total > limits["story_words"]:
        out.add(
            "story_words",
            "sections",
            ngettext(
                "The story has %(count)s word (lede and sections); aim for %(limit)s or fewer.",
                "The story has %(count)s words (lede and sections); aim for %(limit)s or fewer.",
                total,
            )
            % {"count": _number(total), "limit": _number(limits["story_words"])},
        )

    if facts.image and not facts.image_alt.strip():
        out.add(
            "image_alt",
            "lead_image_alt",
            _("Describe the lead image for readers who cannot see it."),
        )
    for index, (title, complete) in enumerate(facts.links):
        if not complete:
            out.add(
                "go_deeper",
                f"related_links-{index}",
                _(
                    "Go deeper: “%(title)s” points nowhere yet. Choose one of our stories "
                    "or give a web address."
                )
                % {"title": title},
            )
    if facts.open_comments:
        out.add(
            "open_comments",
            "comments",
            ngettext(
                "%(count)s review comment still open: resolve it, or say why not.",
                "%(count)s review comments still open: resolve them, or say why not.",
                facts.open_comments,
            )
            % {"count": _number(facts.open_comments)},
        )
    return out.found


#: A number that takes each of English's and Persian's two plural forms: the live
#: counters get [one, other] of each counted text and choose in the browser.
_ONE_AND_OTHER = (1, 2)


def counter_texts() -> dict:
    """The words of the live counters under the story form (static/js/admin/brevity.js),
    in the active language: formats with ``%(name)s`` placeholders, the counted ones as
    [one, other]."""
    return {
        "language": get_language(),
        "headline": _("%(count)s / %(limit)s characters"),
        "lede_words": [
            ngettext(
                "%(count)s word (aim for %(limit)s or fewer)",
                "%(count)s words (aim for %(limit)s or fewer)",
                n,
            )
            for n in _ONE_AND_OTHER
        ],
        "lede_sentences": [
            ngettext(
                "%(count)s sentence (aim for %(limit)s)",
                "%(count)s sentences (aim for %(limit)s)",
                n,
            )
            for n in _ONE_AND_OTHER
        ],
        "section_words": [
            ngettext("%(count)s word / %(limit)s", "%(count)s words / %(limit)s", n)
            for n in _ONE_AND_OTHER
        ],
        "story_words": [
            ngettext(
                "Story: %(count)s word of %(limit)s (lede and sections).",
                "Story: %(count)s words of %(limit)s (lede and sections).",
                n,
            )
            for n in _ONE_AND_OTHER
        ],
        "sections_over": [
            ngettext(
                "%(count)s section over %(limit)s words.",
                "%(count)s sections over %(limit)s words.",
                n,
            )
            for n in _ONE_AND_OTHER
        ],
        "why_it_matters": _("Consider a “%(label)s” section.") % {"label": WHY_IT_MATTERS},
    }


def rule_name(code: str, limit: int | None) -> str:
    rule = next(rule for rule in RULES if rule.code == code)
    return rule.name.format(limit=limit if limit is not None else rule.limit)
