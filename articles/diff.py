"""What changed between two revisions, in the words an editor would use.

``diff_snapshots(old, new)`` compares two snapshots (:mod:`articles.snapshot`) and
returns a list of :class:`Change`: a plain sentence ("Why it matters rewritten",
"2 bullets added to By the numbers", "Byline Li Wei added") and, for text, the
words marked with ``<del>`` and ``<ins>``.

Briefing sections are matched by their row id first, then by label, so a section
whose label changed is still "edited", and a restore (which recreates the rows)
still lines sections up by label. Every piece of story text reaches the markup
through ``format_html``, so a headline like ``<script>`` is shown, never run.

A compare page takes bounded time whatever the revisions hold: a text of more than
:data:`MAX_DIFF_WORDS` words, or any text once the page has spent its
:data:`MAX_COMPARISONS`, is shown "rewritten", the whole old text struck and the whole
new text inserted, without a word diff.
"""

from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from html.parser import HTMLParser

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from articles.snapshot import Credit, LeadImage, Link, Named, Part, Snapshot

#: Below this share of unchanged words, a text counts as rewritten rather than edited.
REWRITTEN_BELOW = 0.5
#: Longer texts are not diffed word by word. A lede or a section at its field limit has
#: some 2,000 words; only an old revision or an unlimited field holds more.
MAX_DIFF_WORDS = 5_000
#: Word comparisons one compare page may make, over all its texts: difflib compares each
#: word with every equal word of the other text, again at each step of its search, which
#: is cubic on repetitive text ("a a a …" against "a b a b …": a thousand words took 8 s).
#: Two versions of 2,000 words of prose with a word in twenty changed take one or two
#: million; this many take under a second at worst.
MAX_COMPARISONS = 10_000_000


@dataclass(frozen=True)
class Change:
    """One change between two revisions.

    ``summary`` is plain text (templates escape it); ``diff`` is markup built from
    escaped text, or None when the sentence says it all.
    """

    kind: str
    summary: str
    diff: SafeString | None = None


# --- words ---------------------------------------------------------------------------


class _TooLong(Exception):
    """The texts are too long to diff word by word within the page's budget."""


class Budget:
    """The word comparisons a compare page may still make (:data:`MAX_COMPARISONS`)."""

    def __init__(self, comparisons: int = MAX_COMPARISONS):
        self.left = comparisons

    def spend(self, comparisons: int) -> None:
        self.left -= comparisons
        if self.left < 0:
            raise _TooLong


class _Matcher(SequenceMatcher):
    """difflib's matcher, paying for each search for the longest common run of words.

    The search reads every occurrence in ``b`` of each word of ``a``'s range that lies
    before the range's end: that is what it costs, and it is paid before it is made.
    """

    def __init__(self, a: Sequence[str], b: Sequence[str], budget: Budget):
        if max(len(a), len(b)) > MAX_DIFF_WORDS:
            raise _TooLong
        self.budget = budget
        super().__init__(None, a, b, autojunk=False)

    def find_longest_match(self, alo=0, ahi=None, blo=0, bhi=None):
        ahi = len(self.a) if ahi is None else ahi
        bhi = len(self.b) if bhi is None else bhi
        occurrences = self.b2j
        self.budget.spend(
            (ahi - alo)
            + sum(bisect_left(occurrences.get(word, ()), bhi) for word in self.a[alo:ahi])
        )
        return super().find_longest_match(alo, ahi, blo, bhi)


def _matched(old_words: Sequence[str], new_words: Sequence[str], budget: Budget) -> _Matcher:
    """A matcher whose opcodes are ready; raises _TooLong past the limits."""
    matcher = _Matcher(old_words, new_words, budget)
    matcher.get_opcodes()
    return matcher


def _marked(matcher: _Matcher) -> SafeString:
    old_words, new_words = matcher.a, matcher.b
    parts = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = " ".join(old_words[i1:i2]), " ".join(new_words[j1:j2])
        if tag == "equal":
            parts.append(removed)
            continue
        if removed:
            parts.append(format_html("<del>{}</del>", removed))
        if added:
            parts.append(format_html("<ins>{}</ins>", added))
    # Plain strings are escaped here; the <del>/<ins> parts are already safe.
    return format_html_join(" ", "{}", ((part,) for part in parts))


def _replaced(old: str, new: str) -> SafeString:
    """The whole of ``old`` removed and the whole of ``new`` added: no word diff."""
    parts = [
        format_html(tag, " ".join(text.split()))
        for tag, text in (("<del>{}</del>", old), ("<ins>{}</ins>", new))
        if text.split()
    ]
    return format_html_join(" ", "{}", ((part,) for part in parts))


def similarity(old: str, new: str, budget: Budget | None = None) -> float:
    """Share of words the two texts have in common, in order (1.0 when identical; 0.0
    when they are too long to compare)."""
    old_words, new_words = old.split(), new.split()
    if not old_words and not new_words:
        return 1.0
    try:
        return _matched(old_words, new_words, budget or Budget()).ratio()
    except _TooLong:
        return 0.0


def word_diff(old: str, new: str, budget: Budget | None = None) -> SafeString:
    """``old`` → ``new`` word by word: removed words in ``<del>``, added in ``<ins>``
    (the whole of each when they are too long to compare)."""
    try:
        return _marked(_matched(old.split(), new.split(), budget or Budget()))
    except _TooLong:
        return _replaced(old, new)


def _text_change(
    kind: str, name: str, old: str, new: str, budget: Budget, *, always: str = ""
) -> Change | None:
    """A change to a one-piece text field; ``always`` fixes the verb ("changed")."""
    old, new = old or "", new or ""
    if old == new:
        return None
    try:
        matcher = _matched(old.split(), new.split(), budget)
    except _TooLong:
        matcher = None
    if not old.strip():
        verb = "added"
    elif not new.strip():
        verb = "removed"
    elif always:
        verb = always
    elif matcher is None or matcher.ratio() < REWRITTEN_BELOW:
        verb = "rewritten"
    else:
        verb = "edited"
    diff = _marked(matcher) if matcher else _replaced(old, new)
    return Change(kind, f"{name} {verb}", diff)


# --- matching items between revisions ---------------------------------------------------


def _match(
    old: Sequence, new: Sequence, keys: Sequence[Callable[[object], object]]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair items of ``old`` and ``new``: by the first key, then the next, in order.

    Returns ``(pairs, removed, added)`` as indexes; a key returning None never matches.
    """
    pairs: list[tuple[int, int]] = []
    free_old = list(range(len(old)))
    free_new = list(range(len(new)))
    for key in keys:
        # Queues and a set: popping the front of a list and removing from one would
        # make a story of many tags or sections quadratic.
        waiting: dict[object, deque[int]] = {}
        for j in free_new:
            value = key(new[j])
            if value is not None:
                waiting.setdefault(value, deque()).append(j)
        still_free, taken = [], set()
        for i in free_old:
            candidates = waiting.get(key(old[i]))
            if candidates:
                j = candidates.popleft()
                pairs.append((i, j))
                taken.add(j)
            else:
                still_free.append(i)
        free_old = still_free
        free_new = [j for j in free_new if j not in taken]
    pairs.sort()
    return pairs, free_old, free_new


def _reordered(pairs: list[tuple[int, int]]) -> bool:
    """Whether items kept from ``old`` to ``new`` changed their relative order."""
    positions = [j for _, j in sorted(pairs)]
    return positions != sorted(positions)


def _order_diff(old_names: list[str], new_names: list[str]) -> SafeString:
    return format_html("<del>{}</del> <ins>{}</ins>", ", ".join(old_names), ", ".join(new_names))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# --- briefing section bodies -----------------------------------------------------------


class _Blocks(HTMLParser):
    """Paragraphs and bullets of a sanitized body, as ``(is_bullet, text)``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[bool, str]] = []
        self._kind: bool | None = None
        self._text: list[str] = []
        self._depth = 0  # open <li> elements

    def _flush(self):
        text = " ".join("".join(self._text).split())
        if self._kind is not None and text:
            self.blocks.append((self._kind, text))
        self._text = []
        self._kind = None

    def handle_starttag(self, tag, attrs):
        if tag == "li":
            self._flush()
            self._depth += 1
            self._kind = True
        elif tag == "p" and not self._depth:
            self._flush()
            self._kind = False
        elif tag == "br":
            self._text.append(" ")

    def handle_endtag(self, tag):
        if tag == "li":
            self._flush()
            self._depth = max(0, self._depth - 1)
            # Text after a nested list still belongs to the outer bullet.
            self._kind = True if self._depth else None
        elif tag == "p" and not self._depth:
            self._flush()

    def handle_data(self, data):
        if self._kind is None:
            # Text outside any block (rare once sanitized): a paragraph of its own.
            self._kind = bool(self._depth)
        self._text.append(data)

    def close(self):
        super().close()
        self._flush()


def body_blocks(body: str) -> list[tuple[bool, str]]:
    """``[(is_bullet, text), …]`` for a body's paragraphs and list items."""
    parser = _Blocks()
    parser.feed(body or "")
    parser.close()
    return parser.blocks


def _block(is_bullet: bool, content) -> SafeString:
    marker = "• " if is_bullet else ""
    return format_html('<p class="diff__block">{}{}</p>', marker, content)


def body_diff(
    old_body: str, new_body: str, budget: Budget | None = None
) -> tuple[SafeString, dict | None]:
    """Block-by-block diff of two bodies, with counts of bullets added and removed and of
    other blocks edited, added or removed. Counts are None when the bodies were too long
    to compare: the diff then strikes every old block and inserts every new one."""
    old_blocks, new_blocks = body_blocks(old_body), body_blocks(new_body)
    budget = budget or Budget()
    try:
        return _block_diff(old_blocks, new_blocks, budget)
    except _TooLong:
        lines = [_block(b, format_html("<del>{}</del>", text)) for b, text in old_blocks]
        lines += [_block(b, format_html("<ins>{}</ins>", text)) for b, text in new_blocks]
        return format_html_join("", "{}", ((line,) for line in lines)), None


def _block_diff(old_blocks, new_blocks, budget: Budget) -> tuple[SafeString, dict]:
    matcher = _matched([b[1] for b in old_blocks], [b[1] for b in new_blocks], budget)
    counts = {"bullets_added": 0, "bullets_removed": 0, "edited": 0}
    lines = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = old_blocks[i1:i2], new_blocks[j1:j2]
        if tag == "equal":
            lines += [_block(is_bullet, text) for is_bullet, text in news]
            continue
        # Blocks facing each other are edits; what is left over was added or removed.
        for (_, old_text), (is_bullet, new_text) in zip(olds, news, strict=False):
            words = _matched(old_text.split(), new_text.split(), budget)
            lines.append(_block(is_bullet, _marked(words)))
            counts["edited"] += 1
        for is_bullet, text in olds[len(news) :]:
            lines.append(_block(is_bullet, format_html("<del>{}</del>", text)))
            counts["bullets_removed" if is_bullet else "edited"] += 1
        for is_bullet, text in news[len(olds) :]:
            lines.append(_block(is_bullet, format_html("<ins>{}</ins>", text)))
            counts["bullets_added" if is_bullet else "edited"] += 1
    return format_html_join("", "{}", ((line,) for line in lines)), counts


def _section_name(section: Part, index: int) -> str:
    return section.label or f"#{index + 1} (no label)"


def _section_change(old: Part, new: Part, name: str, budget: Budget) -> list[Change]:
    changes = []
    old_label, new_label = old.label, new.label
    if old_label != new_label:
        changes.append(
            Change(
                "section",
                f"Section label changed from {old_label or 'none'} to {new_label or 'none'}",
            )
        )
    old_body, new_body = old.body, new.body
    if old_body == new_body:
        return changes
    old_text, new_text = old.text, new.text
    diff, counts = body_diff(old_body, new_body, budget)
    if counts is None:
        return [*changes, Change("section", f"{name} rewritten", diff)]
    added, removed = counts["bullets_added"], counts["bullets_removed"]
    if added and removed:
        summary = f"{_plural(added, 'bullet')} added and {removed} removed in {name}"
    elif added:
        summary = f"{_plural(added, 'bullet')} added to {name}"
    elif removed:
        summary = f"{_plural(removed, 'bullet')} removed from {name}"
    elif old_text == new_text:
        summary = f"Formatting or links changed in {name}"
    elif similarity(old_text, new_text, budget) < REWRITTEN_BELOW:
        summary = f"{name} rewritten"
    else:
        summary = f"{name} edited"
    if (added or removed) and counts["edited"]:
        summary += ", and other text edited"
    changes.append(Change("section", summary, diff))
    return changes


def _sections(old: Sequence[Part], new: Sequence[Part], budget: Budget) -> list[Change]:
    pairs, removed, _ = _match(
        old, new, [lambda s: s.key or None, lambda s: s.id, lambda s: s.label_slug or s.label]
    )
    changes = []
    if _reordered(pairs):
        changes.append(
            Change(
                "section",
                "Sections reordered",
                _order_diff(
                    [_section_name(old[i], i) for i, _ in pairs],
                    [_section_name(new[j], j) for _, j in sorted(pairs, key=lambda p: p[1])],
                ),
            )
        )
    paired_new = {j: i for i, j in pairs}
    for j, section in enumerate(new):
        name = _section_name(section, j)
        if j in paired_new:
            changes += _section_change(old[paired_new[j]], section, name, budget)
        else:
            diff, _ = body_diff("", section.body, budget)
            changes.append(Change("section", f"Section {name} added", diff))
    for i in removed:
        diff, _ = body_diff(old[i].body, "", budget)
        changes.append(Change("section", f"Section {_section_name(old[i], i)} removed", diff))
    return changes


# --- bylines, links, tags, image --------------------------------------------------------


def _bylines(old: Sequence[Credit], new: Sequence[Credit]) -> list[Change]:
    pairs, removed, added = _match(old, new, [lambda b: b.author_id])
    changes = [Change("byline", f"Byline {new[j].name} added") for j in added]
    changes += [Change("byline", f"Byline {old[i].name} removed") for i in removed]
    for i, j in pairs:
        old_role, new_role = old[i].role, new[j].role
        if old_role != new_role:
            name = new[j].name
            if not old_role:
                summary = f"Byline {name}: role “{new_role}” added"
            elif not new_role:
                summary = f"Byline {name}: role “{old_role}” removed"
            else:
                summary = f"Byline {name}: role changed from “{old_role}” to “{new_role}”"
            changes.append(Change("byline", summary))
    if _reordered(pairs):
        changes.append(
            Change(
                "byline",
                "Bylines reordered",
                _order_diff([b.name for b in old], [b.name for b in new]),
            )
        )
    return changes


def _link_target(link: Link):
    return ("story", link.story_id) if link.story_id else link.url or None


def _describe_target(link: Link) -> str:
    if link.story_id:
        return f"our story #{link.story_id}"
    return link.url or "nothing yet"


def _links(old: Sequence[Link], new: Sequence[Link], budget: Budget) -> list[Change]:
    pairs, removed, added = _match(
        old, new, [lambda link: link.key or None, _link_target, lambda link: link.title]
    )
    changes = [Change("link", f"Go deeper link “{new[j].title}” added") for j in added]
    changes += [Change("link", f"Go deeper link “{old[i].title}” removed") for i in removed]
    for i, j in pairs:
        before, after = old[i], new[j]
        if before.title != after.title:
            changes.append(
                Change(
                    "link",
                    f"Go deeper link “{before.title}” renamed “{after.title}”",
                    word_diff(before.title, after.title, budget),
                )
            )
        if _link_target(before) != _link_target(after):
            changes.append(
                Change(
                    "link",
                    f"Go deeper link “{after.title}” now points to {_describe_target(after)}",
                )
            )
    if _reordered(pairs):
        changes.append(Change("link", "Go deeper links reordered"))
    return changes


def _tags(old: Sequence[Named], new: Sequence[Named]) -> list[Change]:
    _, removed, added = _match(old, new, [lambda t: t.id, lambda t: t.slug])
    changes = [Change("tag", f"Tag {new[j].name} added") for j in added]
    changes += [Change("tag", f"Tag {old[i].name} removed") for i in removed]
    return changes


def _desk(old: Named | None, new: Named | None) -> list[Change]:
    old_id, new_id = old and old.id, new and new.id
    if old_id == new_id:
        return []
    if not old:
        return [Change("desk", f"Filed under {new.name}")]
    if not new:
        return [Change("desk", f"No longer filed under {old.name}")]
    return [Change("desk", f"Desk changed from {old.name} to {new.name}")]


def _image(old: LeadImage | None, new: LeadImage | None, budget: Budget) -> list[Change]:
    if not old and not new:
        return []
    if not old:
        return [Change("image", "Lead image added")]
    if not new:
        return [Change("image", "Lead image removed")]
    changes = []
    if old.name != new.name:
        changes.append(Change("image", "Lead image replaced"))
    for field, name in (("alt", "Image description"), ("caption", "Caption"), ("credit", "Credit")):
        change = _text_change("image", name, getattr(old, field), getattr(new, field), budget)
        if change:
            changes.append(change)
    return changes


# --- the whole story ---------------------------------------------------------------------


def diff_snapshots(old: Snapshot, new: Snapshot) -> list[Change]:
    """Everything that changed from snapshot ``old`` to snapshot ``new``, top to bottom."""
    budget = Budget()
    changes = [
        _text_change("text", "Headline", old.headline, new.headline, budget, always="changed"),
        _text_change("text", "Subheadline", old.dek, new.dek, budget, always="changed"),
        _text_change("text", "Dateline", old.dateline, new.dateline, budget, always="changed"),
        _text_change("text", "Lede", old.lede, new.lede, budget),
    ]
    result = [change for change in changes if change]
    result += _desk(old.section, new.section)
    result += _tags(old.tags, new.tags)
    result += _image(old.image, new.image, budget)
    result += _bylines(old.bylines, new.bylines)
    result += _sections(old.sections, new.sections, budget)
    result += _links(old.links, new.links, budget)
    return result
