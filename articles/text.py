"""Small text helpers shared by models, the importer and the brevity checks."""

import re
import unicodedata

from django.utils.text import slugify

SLUG_LENGTH = 100
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


def unique_slug(model, text: str, instance=None, field: str = "slug") -> str:
    """``make_slug(text)``, suffixed with -2, -3, … until no other row of ``model`` has it."""
    base = make_slug(text)
    others = model._default_manager.all()
    if instance is not None and instance.pk:
        others = others.exclude(pk=instance.pk)
    candidate, n = base, 2
    while others.filter(**{field: candidate}).exists():
        suffix = f"-{n}"
        candidate = base[: SLUG_LENGTH - len(suffix)] + suffix
        n += 1
    return candidate


_WORD = re.compile(r"\w+(?:['’-]\w+)*")
# A full stop ends a sentence when what follows is not a lower-case word, and what
# precedes is not a lone capital ("U.S. officials", "J. Smith").
_SENTENCE_END = re.compile(r"(?<!\b[A-Z])[.!?]+[\"'”’)]*(?=\s+[^\sa-z]|\s*$)")


def word_count(text: str) -> int:
    return len(_WORD.findall(text or ""))


def sentence_count(text: str) -> int:
    """Sentences in plain text, counting a trailing fragment without a full stop as one."""
    text = (text or "").strip()
    if not text:
        return 0
    ends = _SENTENCE_END.findall(text)
    tail = _SENTENCE_END.split(text)[-1].strip()
    return len(ends) + (1 if tail and _WORD.search(tail) else 0)
