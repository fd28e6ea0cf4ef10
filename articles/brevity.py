"""Smart Brevity guidance: gentle warnings about length and shape while a story is written.

These are advice, never errors: a story that breaks them still saves. The limits
live here only; the admin passes them to ``static/js/admin/brevity.js`` so the live
counters and the warnings after saving agree.
"""

from dataclasses import dataclass

from articles.richtext import html_to_text
from articles.text import normalize_label, sentence_count, word_count

LIMITS = {
    "headline_chars": 70,
    "lede_words": 40,
    "lede_sentences": 1,
    "section_words": 80,
    "story_words": 300,
}

#: The one signpost every story should have; compared with ``normalize_label``.
WHY_IT_MATTERS = "Why it matters"


@dataclass(frozen=True)
class Warning:
    """Advice about one part of a story. ``field`` is ``headline``, ``lede``,
    ``sections`` or ``story``; ``message`` is written for the journalist."""

    field: str
    message: str


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def check_story(headline: str, lede: str, sections: list[tuple[str, str]]) -> list[Warning]:
    """Warnings for a story's headline, lede and ``(label, html body)`` sections."""
    warnings = []
    headline = (headline or "").strip()
    if len(headline) > LIMITS["headline_chars"]:
        warnings.append(
            Warning(
                "headline",
                f"The headline has {len(headline)} characters; aim for "
                f"{LIMITS['headline_chars']} or fewer (about six strong words).",
            )
        )

    lede_words = word_count(lede)
    lede_sentences = sentence_count(lede)
    if lede_sentences > LIMITS["lede_sentences"]:
        warnings.append(
            Warning(
                "lede",
                f"The lede has {lede_sentences} sentences; keep it to one sentence "
                "and move the rest into a section.",
            )
        )
    if lede_words > LIMITS["lede_words"]:
        warnings.append(
            Warning(
                "lede",
                f"The lede has {lede_words} words; aim for {LIMITS['lede_words']} or fewer.",
            )
        )

    total = lede_words
    for position, (label, body) in enumerate(sections, start=1):
        words = word_count(html_to_text(body))
        total += words
        if words > LIMITS["section_words"]:
            name = f"“{label}”" if label else f"Section {position}"
            warnings.append(
                Warning(
                    "sections",
                    f"{name} has {words} words; aim for {LIMITS['section_words']} or fewer.",
                )
            )
    if total > LIMITS["story_words"]:
        warnings.append(
            Warning(
                "story",
                f"The story has {_plural(total, 'word')} (lede and sections); "
                f"aim for {LIMITS['story_words']} or fewer.",
            )
        )

    wanted = normalize_label(WHY_IT_MATTERS)
    if not any(normalize_label(label or "") == wanted for label, _ in sections):
        warnings.append(
            Warning(
                "sections",
                f"Consider a “{WHY_IT_MATTERS}” section: it tells readers why this "
                "story is worth their time.",
            )
        )
    return warnings
