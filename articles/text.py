"""Small text helpers shared by models, the importer and the brevity checks."""

import re
import unicodedata

from django.core.validators import RegexValidator
from django.utils.text import slugify

#: Text fields refuse control characters, NUL among them: PostgreSQL refuses NUL,
#: XML (feeds, sitemaps) every one of them, and no keyboard types them. Tabs and line
#: breaks are text.
plain_text = RegexValidator(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]",
    inverse_match=True,
    message="This text holds invisible control characters, usually from copying out of "
    "another program. Retype or paste it as plain text.",
    code="control_characters",
)

SLUG_LENGTH = 100

# Field limits for text that has no natural length. Every text check is linear, but a
# check still reads what it is given, inside the request: these keep it to what a story
# could hold. The models' fields and the importer refuse anything longer.

#: A Smart Brevity lede is one sentence of about 40 words (some 250 characters); 2,000
#: leaves room for a long one and refuses a pasted article.
LEDE_MAX_CHARS = 2_000
#: A briefing section body, counted in characters of its HTML: ten times the 80 words
#: the guidance asks for, with their markup.
SECTION_BODY_MAX_CHARS = 10_000
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


def normalize_label(text: str) -> str:
    """Fold a signpost for comparison: case, curly apostrophes, colons and spacing."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).translate(_INVISIBLE)
    text = text.strip().rstrip(":").strip()
    return " ".join(text.casefold().split())


def make_slug(text: str) -> str:
    """A URL slug for ``text``: ASCII when possible, else Unicode letters, never empty."""
    slug = slugify(text)[:SLUG_LENGTH].strip("-")
    if not slug:
        slug = slugify(text, allow_unicode=True)[:SLUG_LENGTH].strip("-")
    return slug or "story"


def _numbered(base: str, n: int, length: int) -> str:
    if n == 1:
        return base
    suffix = f"-{n}"
    return base[: length - len(suffix)] + suffix


def unique_slug(model, text: str, instance=None, field: str = "slug") -> str:
    """``make_slug(text)``, suffixed with -2, -3, … until no other row of ``model`` has it."""
    length = min(SLUG_LENGTH, model._meta.get_field(field).max_length or SLUG_LENGTH)
    base = make_slug(text)[:length].strip("-") or "story"
    others = model._default_manager.all()
    if instance is not None and instance.pk:
        others = others.exclude(pk=instance.pk)
    # Candidates are looked up in batches that grow, so that a slug taken a thousand
    # times ("story", from headlines of emoji or punctuation alone) costs a few indexed
    # queries rather than one per story that has it.
    first, size = 1, 1
    while True:
        candidates = [_numbered(base, n, length) for n in range(first, first + size)]
        taken = set(others.filter(**{f"{field}__in": candidates}).values_list(field, flat=True))
        for candidate in candidates:
            if candidate not in taken:
                return candidate
        first, size = first + size, size * 8


# A word is a run of letters, digits and their marks (Python's \w leaves marks out:
# those of Latin and of Arabic script are added, so کِتاب is one word), joined by an
# apostrophe, a hyphen or a zero-width non-joiner: می‌گویند and کتاب‌ها are one word
# each, as Persian writes them. Persian punctuation (، ؛ ؟ « ») is not part of a word.
# static/js/admin/brevity.js's WORD must count the same way.
_WORD_CHAR = (
    r"[\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed]"
)
_WORD = re.compile(rf"{_WORD_CHAR}+(?:(?:['’-]|\u200c++){_WORD_CHAR}+)*")
# A full stop ends a sentence when what follows is not a lower-case word, and what
# precedes is not a lone capital ("U.S. officials", "J. Smith"). Stops are Latin, the
# ellipsis (as three dots) and Arabic script's question mark and full stop; a closing
# quote or parenthesis may follow them.
#
# A match may start only where a run of stops starts (or one stop into it, after a lone
# capital: "Plan B... Then"). Tried from every stop of a long run that the lookahead
# turns down ("Wait........ and"), the run would be read again from each: quadratic.
# static/js/admin/brevity.js has the same expression.
_SENTENCE_END = re.compile(
    r"(?:(?<![.!?…؟۔])(?<!\b[A-Z])|(?<=\b[A-Z][.!?…؟۔]))"
    r"[.!?…؟۔]+[\"'”’»)]*(?=\s+[^\sa-z]|\s*$)"
)


def word_count(text: str) -> int:
    return len(_WORD.findall(text or ""))


def sentence_count(text: str) -> int:
    """Sentences in plain text, counting a trailing fragment without a full stop as one."""
    text = (text or "").strip()
    ends, tail = 0, 0
    for end in _SENTENCE_END.finditer(text):
        ends, tail = ends + 1, end.end()
    return ends + (1 if _WORD.search(text, tail) else 0)
