"""Plain-text Smart Brevity copy into a structured story. Pure parsing: no database.

The copy looks like ``../shared/fixtures/seed-story.txt``::

    Optional headline (one short line, no final period)

    The lede: the first paragraph.

    Why it matters: a labelled section, the label inline or on a line of its own.

    By the numbers:
    • bullets become a list

    Go deeper:
    Title of one of our stories
    Title of a page - https://example.org/page

    First Author - Second Author

Labels are whatever the caller recognises (the active ``BriefingLabel`` names), so an
editor who adds a label in the admin can use it in copy at once.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from articles.text import normalize_label

GO_DEEPER = "Go deeper"
#: The most copy the parser reads, in characters: some fifty times a long Smart Brevity
#: story, and the size ``import_story`` allows a file (200 KB: UTF-8 has at least a byte
#: a character). The admin's import form should refuse more before the parser is asked.
MAX_COPY_CHARS = 200 * 1024
HEADLINE_MAX = 120
BYLINE_MAX = 80
NAME_MAX_WORDS = 6


class ParseError(ValueError):
    """Copy that cannot become a story; the message is one line for the person importing."""


@dataclass
class ParsedSection:
    label: str | None  # the canonical label name, as passed in; None for unlabelled text
    blocks: list[str | list[str]]  # a str is a paragraph, a list of str a bullet list


@dataclass
class GoDeeper:
    """A "Go deeper" entry: a title, and the http(s) address the copy gave it, if any."""

    title: str
    url: str | None = None


@dataclass
class ParsedStory:
    """What the copy holds. ``go_deeper`` entries are :class:`GoDeeper` (title and
    optional address); ``bylines`` are author names in order; ``warnings`` are
    sentences for the person importing, about what was guessed or left out."""

    headline: str | None  # None when the copy has no headline line
    lede: str
    sections: list[ParsedSection] = field(default_factory=list)
    go_deeper: list[GoDeeper] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- characters and lines ---------------------------------------------------------------

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
# What str.strip() removes (no white space lies above U+3000), and the zero-width
# characters, so that one strip takes both off whatever order they come in.
_BLANK = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace()) + _ZERO_WIDTH
# Word processors export soft line breaks and page breaks as control characters; other
# control characters are never text, and would make the RSS feeds invalid XML.
_BREAKS = str.maketrans(
    {"\x0b": "\n", "\x0c": "\n\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n\n"}
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _clean(line: str) -> str:
    """A line or paragraph without surrounding space or zero-width characters."""
    # str.strip, not a regex: a trailing-space regex backtracks quadratically on long
    # runs of inner spaces. One strip of both sets, not one of each until neither
    # changes: alternating " \u200b" would take a pass, and a copy, per character.
    return line.strip(_BLANK)


def normalize_text(text: str) -> str:
    """One newline convention, no NUL or other control characters; text otherwise exact."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_BREAKS)
    return _CONTROL.sub("", text)


def is_blank(text: str) -> bool:
    """Whether ``text`` holds nothing but space, line ends and invisible characters."""
    return not _clean(normalize_text(text))


# --- labels -------------------------------------------------------------------------------

# A label inline needs a separator after it: a colon, or a dash with space around it
# (en and em dashes may touch the words), so "Zoom in on the data…" stays a paragraph.
# A separator starts where a run of space starts, never inside it: the run would be read
# again from each of its characters.
_SEPARATOR = re.compile(r"(?:(?<!\s)|(?!\s))(?:\s*:\s*|\s+-\s+|\s*[–—]\s*)")
# Without a separator, a label still starts a paragraph when a capital letter follows it
# ("Why it matters The council…"): the sentence after it starts there. Lower case after
# the words ("Zoom in on the data…") is a sentence that merely begins with them.
_SPACE = re.compile(r"\s+")


class _Labels:
    def __init__(self, names: Iterable[str], go_deeper: Iterable[str] = ()):
        self.names = {normalize_label(name): name for name in names if normalize_label(name)}
        for heading in (GO_DEEPER, *go_deeper):
            self.names[normalize_label(heading)] = GO_DEEPER
        self.reach = 2 * max(len(key) for key in self.names) + 8

    def match(self, line: str, *, paragraph_start: bool = False) -> tuple[str, str] | None:
        """``(label, rest of the line)`` when ``line`` starts with a label, else None.

        With ``paragraph_start``, a label followed by a space and a capital letter
        counts too, without a separator; the longest such label wins.
        """
        name = self.names.get(normalize_label(line))
        if name:
            return name, ""
        end = min(len(line), self.reach)
        for separator in _SEPARATOR.finditer(line, 0, end):
            head = line[: separator.start()]
            name = head.strip() and self.names.get(normalize_label(head))
            if name:
                return name, _clean(line[separator.end() :])
        if not paragraph_start:
            return None
        found = None
        for space in _SPACE.finditer(line, 0, end):
            after = space.end()
            name = line[after : after + 1].isupper() and self.names.get(
                normalize_label(line[: space.start()])
            )
            if name:
                found = name, after
        return found and (found[0], _clean(line[found[1] :]))


# --- blocks -------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[•◦▪‣·]\s*|[-*–]\s+)(?P<item>.*)$")


@dataclass
class _Block:
    kind: str  # "label", "text" or "list"
    label: str = ""
    lines: list[str] = field(default_factory=list)  # text: its lines; list: its items
    # A list's items while they are read: each the lines it was wrapped over, joined at
    # the end (adding to the item's string line by line copies it each time).
    items: list[list[str]] = field(default_factory=list)


def _blocks(lines: list[str], labels: _Labels, *, join_lines: bool) -> list[_Block]:
    """Labels, paragraphs and bullet lists, in order.

    ``join_lines`` is False for copy with no blank lines at all (typical of a word
    processor's plain-text export), where every line is a paragraph of its own.
    """
    blocks: list[_Block] = []
    groups: list[list[str]] = [[]]
    for line in lines:
        if _clean(line):
            groups[-1].append(line)
        elif groups[-1]:
            groups.append([])

    first_line = True
    for group in groups:
        text: _Block | None = None
        bullets: _Block | None = None
        for raw in group:
            line = _clean(raw)
            # A paragraph starts on the group's first line, after a label or a list, and
            # on every line of copy without blank lines. The copy's first line is its
            # headline or lede, never a section.
            starts = not first_line and (text is None or not join_lines)
            first_line = False
            found = labels.match(line, paragraph_start=starts)
            if found:
                blocks.append(_Block("label", label=found[0]))
                text = bullets = None
                if found[1]:
                    text = _Block("text", lines=[found[1]])
                    blocks.append(text)
                continue
            bullet = _BULLET.match(raw)
            if bullet:
                item = _clean(bullet["item"])
                if item:
                    if bullets is None:
                        bullets = _Block("list")
                        blocks.append(bullets)
                    bullets.items.append([item])
                text = None
                continue
            # A wrapped bullet continues indented or in lower case; anything else after
            # a list starts a new paragraph.
            if bullets is not None and bullets.items and (raw[:1].isspace() or line[:1].islower()):
                bullets.items[-1].append(line)
                continue
            bullets = None
            if text is None or not join_lines:
                text = _Block("text")
                blocks.append(text)
            text.lines.append(line)
    # Bullets separated by blank lines are still one list.
    merged: list[_Block] = []
    for block in blocks:
        if block.kind == "list":
            block.lines = [" ".join(item) for item in block.items]
        if block.kind == "list" and merged and merged[-1].kind == "list":
            merged[-1].lines.extend(block.lines)
        else:
            merged.append(block)
    return merged


# --- bylines -------------------------------------------------------------------------------

# Names are separated by commas (Latin or Arabic-script "،"), dashes, "&", "and" or
# the Persian "و" ("Hossein Amiri و Mahboubeh Habibi").
_BYLINE_SPLIT = re.compile(
    r"\s*[,،]\s*(?:(?:and|و)\s+|&\s+)?|\s+(?:-|–|—|&|and|و)\s+", re.IGNORECASE
)
_BY = re.compile(r"^by\s+", re.IGNORECASE)
_NOT_IN_NAMES = re.compile(r"[\d:;!?\"“”„()\[\]{}<>/\\@#%=+*_|~•…]")


def _capitalised(word: str) -> bool:
    first = word[0]
    # Scripts without case (Arabic, Persian, Chinese…) count as capitalised.
    return first.isupper() or (first.isalpha() and not first.islower())


def byline_names(line: str) -> list[str] | None:
    """The author names on a byline line, or None when the line does not look like names."""
    line = _clean(line)
    if not line or len(line) > BYLINE_MAX or line.endswith(".") or _BULLET.match(line):
        return None
    names = [_clean(part) for part in _BYLINE_SPLIT.split(_BY.sub("", line))]
    if not names or not all(names):
        return None
    for name in names:
        words = name.split()
        if not 1 <= len(words) <= NAME_MAX_WORDS or _NOT_IN_NAMES.search(name):
            return None
        capitalised = sum(_capitalised(word) for word in words)
        if 2 * capitalised < len(words) or not _capitalised(words[-1]):
            return None
    return names


# --- go deeper -----------------------------------------------------------------------------

_URL = re.compile(r"https?://[^\s<>\[\]]+", re.I)
_TITLE_TRIM = " \t-–—:|"
# Addresses a reader must never be sent to. Kept out of the title, with a warning.
_UNSAFE_URL = re.compile(
    r"(?:^|[\s(<\[])(?:(?:java|vb)script\s*:|data:[\w.+-]+/|file:/).*$", re.I | re.S
)


def _go_deeper_entry(text: str, warnings: list[str]) -> GoDeeper:
    unsafe = _UNSAFE_URL.search(text)
    if unsafe:
        title = text[: unsafe.start()].strip(_TITLE_TRIM) or text
        warnings.append(
            f"Go deeper: “{title}” gave an address that is not an http:// or https:// "
            "web address; it was left out and the entry kept as a title for an editor."
        )
        return GoDeeper(title)
    # Only the last word may be the address: "Title - https://…", "Title (https://…)".
    *head, last = text.rsplit(maxsplit=1)
    url = last.lstrip("(<[").rstrip(">].,;")
    # A closing parenthesis belongs to the address only when it opened one there.
    # Counted once and cut once: counting and cutting per parenthesis is quadratic.
    end, unopened = len(url), url.count(")") - url.count("(")
    while unopened > 0 and url.endswith(")", 0, end):
        end, unopened = end - 1, unopened - 1
        while end and url[end - 1] in ".,;":
            end -= 1
    url = url[:end]
    if _URL.fullmatch(url):
        title = "".join(head).strip(_TITLE_TRIM)
        return GoDeeper(title or url, url)
    return GoDeeper(text)


# --- the story -----------------------------------------------------------------------------


def _take_headline(blocks: list[_Block]) -> str | None:
    """Remove and return the headline line that starts ``blocks``, if there is one."""
    first = blocks[0]
    if first.kind != "text":
        return None
    line = first.lines[0]
    if len(line) >= HEADLINE_MAX or line.endswith("."):
        return None
    if len(first.lines) == 1:
        if len(blocks) == 1:  # a story of one short line: that is its lede
            return None
        blocks.pop(0)
    elif len(first.lines[1]) >= HEADLINE_MAX:
        # The lede follows the headline without a blank line. Hard-wrapped copy has
        # only short lines, so its first line is never taken for a headline.
        first.lines.pop(0)
    else:
        return None
    return line


def _describe(block: _Block) -> str:
    return f"the “{block.label}” label" if block.kind == "label" else "a bullet list"


def parse_copy(text: str, labels: Iterable[str], go_deeper: Iterable[str] = ()) -> ParsedStory:
    """Parse Smart Brevity copy; raise :class:`ParseError` when it cannot be a story.

    ``labels`` are the briefing label names to recognise; sections carry them exactly
    as given. "Go deeper" is always recognised, and so are the other names of it in
    ``go_deeper`` (the heading in the copy's language: "بیشتر بخوانید"). Copy longer than :data:`MAX_COPY_CHARS`
    is refused unread.
    """
    if len(text) > MAX_COPY_CHARS:
        raise ParseError(
            f"The copy has {len(text):,} characters, far more than a story: the most the "
            f"importer reads is {MAX_COPY_CHARS:,}. Is this the right text?"
        )
    text = normalize_text(text)
    if not _clean(text):
        raise ParseError("The copy is empty.")
    labels = _Labels(labels, go_deeper)
    lines = text.split("\n")
    last_index = max(i for i, line in enumerate(lines) if _clean(line))
    last = _clean(lines[last_index])

    # The last line names the authors: it is taken off before parsing so that it never
    # ends up in a section, unless the story needs it as its lede or only Go deeper entry.
    names = None if labels.match(last) else byline_names(last)
    if names:
        try:
            story, go_deeper_is_empty = _parse_body(lines[:last_index], labels)
        except ParseError:
            names = None
        else:
            if go_deeper_is_empty:
                names = None
    if not names:
        story, _ = _parse_body(lines, labels)
        story.warnings.append(
            f"No bylines: the last line (“{last[:60]}”) does not look like author names, "
            "such as “Hossein Amiri - Mahboubeh Habibi”. Add the authors in the admin."
        )
    story.bylines = names or []
    return story


def _parse_body(lines: list[str], labels: _Labels) -> tuple[ParsedStory, bool]:
    """The story without its byline, and whether it has a "Go deeper" label with no entries."""
    content = [i for i, line in enumerate(lines) if _clean(line)]
    if not content:
        raise ParseError("The copy has no paragraphs.")
    single_spaced = len(content) > 2 and content[-1] - content[0] + 1 == len(content)
    blocks = _blocks(lines, labels, join_lines=not single_spaced)
    if not any(block.kind != "label" for block in blocks):
        raise ParseError("The copy has labels but no paragraphs.")

    headline = _take_headline(blocks)
    first = blocks.pop(0)
    if first.kind != "text":
        after = f"after the headline “{headline}” " if headline else ""
        raise ParseError(
            f"The copy has no lede: {after}it starts with {_describe(first)}. "
            "Put the lede paragraph first."
        )
    story = ParsedStory(headline=headline, lede=" ".join(first.lines))

    section: ParsedSection | None = None
    in_go_deeper = saw_go_deeper = False
    for block in blocks:
        if block.kind == "label":
            in_go_deeper = block.label == GO_DEEPER
            saw_go_deeper |= in_go_deeper
            section = None if in_go_deeper else ParsedSection(block.label, [])
            if section:
                story.sections.append(section)
        elif in_go_deeper:
            for entry in block.lines:
                story.go_deeper.append(_go_deeper_entry(entry, story.warnings))
        else:
            if section is None:
                section = ParsedSection(None, [])
                story.sections.append(section)
            if block.kind == "list":
                section.blocks.append(list(block.lines))
            else:
                section.blocks.append(" ".join(block.lines))

    # Once per label, however often it stands empty: copy can repeat a label thousands
    # of times, and each warning becomes a message on the next page.
    for empty in dict.fromkeys(s.label for s in story.sections if not s.blocks):
        story.warnings.append(f"“{empty}” has no text under it, so it was left out.")
    story.sections = [s for s in story.sections if s.blocks]
    if story.sections and all(s.label is None for s in story.sections):
        story.warnings.append(
            "No briefing labels recognised: everything after the lede became one "
            "unlabelled section."
        )
    go_deeper_is_empty = saw_go_deeper and not story.go_deeper
    if go_deeper_is_empty:
        story.warnings.append("“Go deeper” has no entries under it.")
    return story, go_deeper_is_empty
