"""One spelling for the several a Persian word is typed in, for search.

Persian text reaches us from Persian keyboards, Arabic keyboards and copy pasted out of
PDFs, so one word comes in several spellings that look alike or nearly so:

- Arabic yeh and kaf (ي ى ك) for Persian ی and ک; heh with hamza (ۀ), teh marbuta (ة)
  and Urdu's heh forms for ه; alef with hamza (أ إ ٱ) for ا;
- the Arabic presentation forms a PDF leaves behind (ﻛﺘﺎﺏ for کتاب);
- tatweel (the stretching ـ of کتـــاب) and diacritics (کِتاب), which are optional;
- Persian (۱۴۰۳), Arabic (١٤٠٣) or Latin (1403) digits;
- the zero-width non-joiner (ZWNJ) inside a word (می‌گویند), left out (میگویند) or
  typed as a space (می گویند).

:func:`normalise` folds all of them into one form, used for both the text that is
indexed and the reader's query: letters to their Persian form, digits to Latin, marks
and tatweel dropped, and a word's ZWNJ-joined parts written as one word ("میگویند"),
the space before a verb's می/نمی and after a plural's ها/های counting as a ZWNJ.
:func:`index_text` also lists the parts of each ZWNJ word after the text (کتاب for
کتاب‌ها, دانش and آموز for دانش‌آموز), so a search for the stem or for the parts written
apart finds it too. Latin text passes through unchanged.

Pure functions over strings, each one pass (or a fixed number) over its input; and
:func:`is_active`, whether the active language is Persian (its digits, its calendar).
"""

import re
import unicodedata

from django.utils import translation

ZWNJ = "\u200c"

#: Arabic letters and their Persian form (or the letter they are a spelling of).
_LETTERS = {
    "ي": "ی",  # Arabic yeh
    "ى": "ی",  # alef maksura
    "ك": "ک",  # Arabic kaf
    "ة": "ه",  # teh marbuta
    "ۀ": "ه",  # heh with yeh above (the ezafe of خانۀ, also written خانهٔ or خانه)
    "ە": "ه",  # ae (Kurdish)
    "ھ": "ه",  # heh doachashmee (Urdu)
    "أ": "ا",
    "إ": "ا",
    "ٱ": "ا",
}
#: Persian and Arabic digits, and their decimal and thousands separators and percent.
_DIGITS = {
    **{chr(0x06F0 + n): str(n) for n in range(10)},
    **{chr(0x0660 + n): str(n) for n in range(10)},
    "٫": ".",
    "٬": ",",
    "٪": "%",
}
#: Optional marks: tatweel, the harakat (with hamza above and below), superscript alef,
#: Quranic annotation marks.
_DROPPED = (
    "\u0640"
    + "".join(map(chr, range(0x064B, 0x0660)))
    + "\u0670"
    + "".join(map(chr, range(0x0610, 0x061B)))
    + "".join(map(chr, range(0x06D6, 0x06DD)))
    + "".join(map(chr, range(0x06DF, 0x06E9)))
    + "".join(map(chr, range(0x06EA, 0x06EE)))
)


def _fold(text: str) -> str:
    return "".join(_LETTERS.get(ch, _DIGITS.get(ch, "" if ch in _DROPPED else ch)) for ch in text)


def _presentation_forms() -> dict[int, str]:
    """Arabic presentation forms (U+FB50–U+FDFF, U+FE70–U+FEFF) as the letters they draw."""
    forms = {}
    for code in [*range(0xFB50, 0xFE00), *range(0xFE70, 0xFEFF)]:
        letters = unicodedata.normalize("NFKC", chr(code))
        if letters != chr(code):
            forms[code] = _fold(letters)
    return forms


_TABLE = str.maketrans(
    {
        **_presentation_forms(),
        **{ord(ch): value for ch, value in _LETTERS.items()},
        **{ord(ch): value for ch, value in _DIGITS.items()},
        **dict.fromkeys(map(ord, _DROPPED)),
    }
)

#: What a ZWNJ joins that is not a word on its own: a verb's prefix, a plural's or a
#: superlative's suffix. They are not listed among a word's parts, and typed apart with
#: a space they are joined as with a ZWNJ ("می گویند", "کتاب ها").
AFFIXES = frozenset({"می", "نمی", "ها", "های", "هایی", "ترین"})

_SPACE = "[ \t\u00a0]++"
#: Persian letters, once folded: a detached affix is joined only to a Persian word.
_LETTER = "[\u0621-\u063a\u0641-\u064a\u0671-\u06d3]"
# Possessive spaces and a lookbehind at each start keep every expression here linear:
# no run of spaces or letters is read again from each of its characters.
_DETACHED_PREFIX = re.compile(rf"(?<![\w{ZWNJ}])(ن?می){_SPACE}(?={_LETTER})")
_DETACHED_SUFFIX = re.compile(rf"(?<={_LETTER}){_SPACE}(هایی|های|ها|ترین)(?![\w{ZWNJ}])")
_COMPOUND = re.compile(rf"(?<![\w{ZWNJ}]){ZWNJ}*+\w++(?:{ZWNJ}++\w++)++{ZWNJ}*+")


def fold(text: str) -> str:
    """Letters, digits and marks in one form; ZWNJ and spacing left as they are."""
    if not text or text.isascii():
        return text or ""
    return text.translate(_TABLE)


def _attach_affixes(text: str) -> str:
    """The space after a detached می/نمی and before a detached ها/های/ترین as a ZWNJ."""
    text = _DETACHED_PREFIX.sub(rf"\1{ZWNJ}", text)
    return _DETACHED_SUFFIX.sub(rf"{ZWNJ}\1", text)


def normalise(text: str) -> str:
    """``text`` in the one spelling search compares: for queries and indexed text alike.

    >>> normalise("مي‌گويند ١٤٠٣") == normalise("می گویند 1403") == "میگویند 1403"
    True
    """
    return _attach_affixes(fold(text)).replace(ZWNJ, "")


def compound_parts(text: str) -> list[str]:
    """The parts of the ZWNJ words of folded ``text``, affixes aside, each once."""
    parts = {}
    for compound in _COMPOUND.finditer(text):
        for part in compound.group().split(ZWNJ):
            if part and part not in AFFIXES:
                parts[part] = None
    return list(parts)


def index_text(text: str) -> str:
    """``text`` as it is indexed: :func:`normalise`'s spelling, then the parts of its
    ZWNJ words on a line of their own."""
    attached = _attach_affixes(fold(text))
    parts = compound_parts(attached)
    joined = attached.replace(ZWNJ, "")
    return f"{joined}\n{' '.join(parts)}" if parts else joined


#: Folds that leave text as a Persian reader would still want to read it, for the text
#: snippets are cut from (SQL ``translate(text, FROM, TO)``; the characters of FROM past
#: the length of TO are dropped): Arabic yeh and kaf, Arabic digits as Persian ones,
#: tatweel and diacritics. Latin digits stay, so a query's digits are looked for in
#: both Latin and Persian form (:func:`persian_digits`).
DISPLAY_FOLD_FROM = "يىك" + "".join(chr(0x0660 + n) for n in range(10)) + _DROPPED
DISPLAY_FOLD_TO = "ییک" + "".join(chr(0x06F0 + n) for n in range(10))

_TO_PERSIAN_DIGITS = str.maketrans("0123456789", "".join(chr(0x06F0 + n) for n in range(10)))


def persian_digits(word: str) -> str:
    """``word`` with its Latin digits written as Persian ones."""
    return str(word).translate(_TO_PERSIAN_DIGITS)


def is_active() -> bool:
    """Whether the active language (a page's, a message's) is Persian."""
    return (translation.get_language() or "").split("-")[0] == "fa"


def without_affix(word: str) -> str | None:
    """A normalised word without the prefix or suffix a ZWNJ would have joined to it
    (گویند for میگویند, کتاب for کتابها), when two letters or more are left."""
    for affix in ("نمی", "می"):
        if word.startswith(affix) and len(word) - len(affix) >= 2:
            return word[len(affix) :]
    for affix in ("هایی", "های", "ها", "ترین"):
        if word.endswith(affix) and len(word) - len(affix) >= 2:
            return word[: -len(affix)]
    return None


def query_parts(query: str) -> list[str]:
    """The parts of the ZWNJ words of a query (however they were typed), affixes aside."""
    return compound_parts(_attach_affixes(fold(query)))
