"""Reader search over published stories.

PostgreSQL: a stored, weighted ``tsvector`` (headline A; dek and lede B; sections and
bylines C) with a GIN index, written when a story is published, queried with
``websearch_to_tsquery`` (forgiving syntax: quotes, OR, -word) and ranked. SQLite, for
trying the site: every word must appear in the stored plain text.

Only the live copy is indexed, and search starts from ``Story.objects.published()``.

Persian (the Persian edition, issue 14): one word is typed in several spellings (Arabic
or Persian yeh and kaf, with or without a zero-width non-joiner, Persian, Arabic or
Latin digits…), so the indexed text and the query are both written in one spelling by
:func:`articles.persian.normalise` first; it leaves Latin text as it is. There is no
Persian stemmer or stop-word list in PostgreSQL, so a Persian word must be indexed as
the ``simple`` configuration would: lower-cased, whole. The site's configuration
(``english``) already does exactly that to every word not in Latin letters: its
dictionaries, the English stemmer and stop words, change only Latin words (a test
holds it to that). So one configuration indexes and queries stories in both languages
rather than one chosen by ``Story.language``: an English word quoted in a Persian
story is stemmed as the query's is, and a reader's query need not say its language.
Ranking and snippets work as for English; snippets are cut from the stored text with
Arabic letters and digits written the Persian way (:data:`persian.DISPLAY_FOLD_FROM`).
"""

import operator
import re
import unicodedata
from functools import reduce

from django.conf import settings
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import Count, F, Func, Q, TextField, Value, Window
from django.db.models.functions import Left
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles import live, persian
from articles.models import Story
from articles.snapshot import Snapshot

# ts_headline does not escape the text around its markers, so it marks matches with
# private-use characters and snippet_html() escapes the rest before adding <mark>.
_MARK_START, _MARK_END = "\ue000", "\ue001"

#: Longer queries are cut, so a pasted essay cannot make the database work for long.
MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 12
#: Only the newest this many matches are ranked: a broad query over a large archive
#: costs the same as a narrow one, and news readers want recent stories.
MAX_RANKED = 1000
#: Characters of each weight that are indexed. A story within the field limits has far
#: fewer; more could not be published, as PostgreSQL refuses a tsvector over 1 MB, and
#: would be parsed inside the transaction that publishes.
MAX_INDEXED_CHARS = 100_000
#: The text a snippet is chosen from: the story's beginning (headline, dek, lede, the
#: first sections). ts_headline reads all of it for every result on the page; a match
#: further on still finds and ranks the story, and its snippet shows the beginning.
SNIPPET_SOURCE_CHARS = 20_000
#: Words of the query that are marked in snippets.
MAX_SNIPPET_WORDS = 24


def search_config() -> str:
    return settings.NEWSROOM.get("SEARCH_CONFIG", "english")


def weighted_text(content: Snapshot, byline_names=()) -> tuple[str, str, str]:
    """The three weights of a story's text: headline (A); dek and lede (B); the
    briefing sections, their labels and the bylines (C), with ``byline_names``, the
    names the other editions give them (a Persian reader searches for "امیری")."""
    middle = " ".join(filter(None, [content.dek, content.lede]))
    rest = " ".join(
        [part.text for part in content.sections]
        + [part.label for part in content.sections if part.label]
        + [credit.name for credit in content.bylines]
        + list(byline_names)
    )
    return (
        content.headline[:MAX_INDEXED_CHARS],
        middle[:MAX_INDEXED_CHARS],
        rest[:MAX_INDEXED_CHARS],
    )


def search_documents(content: Snapshot, byline_names=()) -> tuple[str, str, str]:
    """The three weights' text as it is turned into the search vector: in
    :func:`articles.persian.index_text`'s spelling, with the parts of ZWNJ words."""
    headline, middle, rest = weighted_text(content, byline_names)
    return persian.index_text(headline), persian.index_text(middle), persian.index_text(rest)


def index_story(story: Story, content: Snapshot | None) -> None:
    """Store the search text (and, on PostgreSQL, the vector) of the live copy."""
    if content is None:
        Story.objects.filter(pk=story.pk).update(search_text="", search_vector=None)
        return
    names = _edition_names(content)
    headline, middle, rest = weighted_text(content, names)
    changes = {"search_text": "\n".join([headline, middle, rest])}
    if connection.vendor == "postgresql":
        config = search_config()
        headline, middle, rest = search_documents(content, names)
        changes["search_vector"] = (
            SearchVector(Value(headline), weight="A", config=config)
            + SearchVector(Value(middle), weight="B", config=config)
            + SearchVector(Value(rest), weight="C", config=config)
        )
    Story.objects.filter(pk=story.pk).update(**changes)


def _edition_names(content: Snapshot) -> list[str]:
    """The names the other editions give ``content``'s authors (``Author.names``)."""
    authors = live.authors_of([content]).values()
    return [name for author in authors for name in (author.names or {}).values() if name]


def clean_query(raw: str) -> str:
    """Printable text, at most MAX_QUERY_WORDS words and MAX_QUERY_LENGTH characters."""
    printable = "".join(ch if ch.isprintable() else " " for ch in (raw or ""))
    words = printable.split()[:MAX_QUERY_WORDS]
    return " ".join(words)[:MAX_QUERY_LENGTH].strip()


def _published(*, section=None, since=None, until=None, language=None):
    """Published stories within the filters a reader chose."""
    stories = Story.objects.published()
    if language is not None:
        stories = stories.in_language(language)
    if section is not None:
        stories = stories.filter(live_section=section)
    if since is not None:
        stories = stories.filter(first_published_at__date__gte=since)
    if until is not None:
        stories = stories.filter(first_published_at__date__lte=until)
    return stories


def _matches(query: str, **filters):
    """Published stories matching ``query`` and the filters, in no order."""
    stories = _published(**filters)
    if connection.vendor == "postgresql":
        return stories.filter(search_vector=_tsquery(query))
    for word in query.split():
        stories = stories.filter(search_text__icontains=word)
    return stories


#: A story's live headline: the first line of its search text (``index_story``), the
#: expression ``story_live_headline_trgm`` indexes with trigrams (migration 0025).
LIVE_HEADLINE = Func(
    F("search_text"), Value("\n"), Value(1), function="split_part", output_field=TextField()
)
#: Headlines offered when nothing matches: a page's worth, the closest first.
MAX_CLOSE = 20
#: Shorter words are left out of the fallback: "of", "the" and "و" are close to
#: almost every headline.
CLOSE_WORD_CHARS = 4


def close_stories(query: str, **filters):
    """When no story has every word of ``query``: published stories whose headline
    comes close to it (a misspelt name, a word typed with a letter missing), closest
    first, with ``rank`` and a plain ``snippet`` (the start of the story).

    pg_trgm's word similarity between a word of the query and the headline, above its
    threshold (``pg_trgm.word_similarity_threshold``, 0.6): the ``%>`` operator, which
    the trigram index on the live headline answers. Headlines only, so the index stays
    small (a story's whole text would be the size of the table) and what readers see
    as "close" is what they can read in the results. PostgreSQL only."""
    words = [word for word in persian.normalise(query).split() if len(word) >= CLOSE_WORD_CHARS]
    if not words or connection.vendor != "postgresql":
        return Story.objects.none()
    words = words[:MAX_QUERY_WORDS]
    # Each word on its own: a query with one word misspelt ("Belaruss security") is
    # close to a headline with both, though the query as a whole is not.
    near = reduce(operator.or_, (Q(live_headline__trigram_word_similar=word) for word in words))
    closeness = reduce(operator.add, (TrigramWordSimilarity(word, LIVE_HEADLINE) for word in words))
    close = (
        _published(**filters)
        .annotate(live_headline=LIVE_HEADLINE)
        .filter(near)
        .annotate(closeness=closeness)
        .order_by("-closeness", "-first_published_at", "-pk")
        .values("pk")[:MAX_CLOSE]
    )
    return (
        Story.objects.for_readers()
        .filter(pk__in=close)
        .annotate(rank=closeness, snippet=Left("search_text", 300))
        .order_by("-rank", "-first_published_at", "-pk")
    )


def _tsquery(query: str) -> SearchQuery:
    return SearchQuery(persian.normalise(query), search_type="websearch", config=search_config())


def _words(query: str) -> list[str]:
    """The words a reader looks for: runs of letters, digits and their marks, without
    those the query excludes ("-word") or the operator "or"."""
    words = []
    for term in query.split():
        if term.startswith("-") or term.casefold() == "or":
            continue
        word = []
        for ch in term + " ":
            if ch.isalpha() or ch.isdecimal() or unicodedata.category(ch).startswith("M"):
                word.append(ch)
            elif word:
                words.append("".join(word))
                word = []
    return list(dict.fromkeys(words))[:MAX_SNIPPET_WORDS]


def _marked_words(query: str) -> list[str]:
    """The words to mark in snippets: the query's words in the normalised spelling, and
    the forms they may take in the text a snippet is cut from: Persian digits, and the
    stem or the parts of a ZWNJ word, which the text parses as words of their own."""
    words = _words(persian.normalise(query))
    forms = []
    for word in words:
        forms += [word, persian.persian_digits(word), persian.without_affix(word)]
    forms += persian.query_parts(query)
    return list(dict.fromkeys(filter(None, forms)))[: 2 * MAX_SNIPPET_WORDS]


def _any_word(query: str) -> SearchQuery:
    """Any one of the query's words, for marking snippets.

    ts_headline looks for the smallest stretches of text that satisfy its query, from
    every word of the text: for a phrase ("…" of eleven words) or several words that
    must all appear, on repetitive text, that took seconds a story (11 s for 2,000
    words). For a query of single words, each word is such a stretch on its own.
    """
    config = search_config()
    words = _marked_words(query)
    if not words:
        return _tsquery(query)
    return reduce(
        operator.or_, (SearchQuery(word, search_type="plain", config=config) for word in words)
    )


def search_stories(query: str, *, section=None, since=None, until=None, language=None):
    """Published stories matching ``query``, best first, with ``rank`` and ``snippet``.

    ``query`` should come through :func:`clean_query`. ``snippet`` is HTML with the
    matching words in ``<mark>``; everything else in it is escaped text. Only the
    newest :data:`MAX_RANKED` matches are ranked, so that a broad query costs no more
    than a narrow one.
    """
    if not query:
        return Story.objects.none()
    newest = _newest_matches(query, section=section, since=since, until=until, language=language)
    return _ranked(Story.objects.for_readers().filter(pk__in=newest), query)


def search_page(query: str, *, start: int, length: int, **filters) -> tuple[list[Story], int]:
    """``length`` of :func:`search_stories`'s results from ``start``, and how many it
    ranks (at most :data:`MAX_RANKED`): ``([], 0)`` past the end.

    Two queries however many stories match: the page's ids in rank order with the count
    beside them (a window over the whole ranking), then those stories, with their
    revisions and snippets. Ranking whole rows would join a revision to every ranked
    match, and counting apart would find the matches twice.
    """
    if not query:
        return [], 0
    ranking = (
        _ranked(Story.objects.filter(pk__in=_newest_matches(query, **filters)), query)
        .annotate(found=Window(Count("*")))
        .values_list("pk", "found")
    )
    rows = list(ranking[start : start + length])
    if not rows:
        return [], 0
    page = _ranked(Story.objects.for_readers().filter(pk__in=[pk for pk, _ in rows]), query)
    return list(page), rows[0][1]


def _newest_matches(query: str, **filters):
    """The ids of the newest :data:`MAX_RANKED` published stories matching ``query``."""
    return (
        _matches(query, **filters).order_by("-first_published_at", "-pk").values("pk")[:MAX_RANKED]
    )


def _ranked(stories, query: str):
    """``stories`` with ``rank`` and ``snippet``, best first (newest first on SQLite)."""
    if connection.vendor != "postgresql":
        return stories.annotate(rank=Value(1.0), snippet=F("search_text")).order_by(
            "-first_published_at", "-pk"
        )
    tsquery = _tsquery(query)
    return stories.annotate(
        rank=SearchRank(F("search_vector"), tsquery),
        snippet=SearchHeadline(
            Func(
                Left("search_text", SNIPPET_SOURCE_CHARS),
                Value(persian.DISPLAY_FOLD_FROM),
                Value(persian.DISPLAY_FOLD_TO),
                function="translate",
            ),
            _any_word(query),
            config=search_config(),
            start_sel=_MARK_START,
            stop_sel=_MARK_END,
            max_words=35,
            min_words=15,
            max_fragments=2,
        ),
    ).order_by("-rank", "-first_published_at", "-pk")


def count_is_capped(count: int) -> bool:
    """Whether a count from :func:`search_page` stopped at the cap: there may be more."""
    return count >= MAX_RANKED


def snippet_html(snippet: str, query: str) -> SafeString:
    """Escape a snippet and wrap the matched words in ``<mark>``.

    PostgreSQL's snippets carry their own markers; the SQLite fallback gets a window of
    text around the first match, marked here.
    """
    if _MARK_START not in snippet:
        snippet = _mark_plain(snippet, query)
    escaped = escape(snippet)
    return mark_safe(escaped.replace(_MARK_START, "<mark>").replace(_MARK_END, "</mark>"))


def _mark_plain(text: str, query: str, width: int = 240) -> str:
    words = [re.escape(w) for w in query.split() if w]
    if not words:
        return text[:width]
    pattern = re.compile("|".join(words), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, first.start() - width // 3) if first else 0
    window = text[start : start + width].replace("\n", " ")
    return ("…" if start else "") + pattern.sub(
        lambda m: _MARK_START + m.group(0) + _MARK_END, window
    )
