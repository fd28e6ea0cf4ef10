"""The public reading site: thin views over the live copy (see ``articles.live``).

Every page costs a fixed number of queries, whatever the number of stories,
bylines and sections on it; the section menu comes from the ``site`` context
processor and is fetched only by pages that render it.
"""

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.paginator import InvalidPage, Paginator
from django.db import connection
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_safe

from articles import snapshot, workflow
from articles.fragments import render_cards
from articles.live import LiveStory, live_cards, live_page
from articles.models import Author, Correction, Section, Story, Tag
from articles.search import (
    MAX_QUERY_LENGTH,
    MAX_QUERY_WORDS,
    clean_query,
    count_is_capped,
    count_matches,
    search_stories,
    snippet_html,
)
from articles.structured import page_meta, story_meta

logger = logging.getLogger(__name__)

PAGE_LENGTH = 20
#: Stories under each section heading on the home page.
HOME_SECTION_LENGTH = 4


class _CountedPaginator(Paginator):
    """A paginator told its count, where the list's own count() would do needless work."""

    def __init__(self, object_list, per_page, *, count):
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self):
        return self._known_count


def _page(request, items, length=PAGE_LENGTH, count=None):
    """The requested page of ``items``; a page number that is not a page is a 404."""
    if count is None:
        paginator = Paginator(items, length)
    else:
        paginator = _CountedPaginator(items, length, count=count)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404("No such page.") from exc


def _page_of_cards(request, stories, *, show_section):
    page = _page(request, stories)
    cards = live_cards(list(page.object_list))
    render_cards(cards, show_section=show_section)
    return page, cards


@dataclass
class SectionGroup:
    section: Section | None
    cards: list[LiveStory]


def _front_page(sections: list[Section]) -> tuple[LiveStory | None, list[SectionGroup]]:
    """The lead story and the latest few stories of each section.

    Each section's newest ``HOME_SECTION_LENGTH + 1`` stories are fetched so that,
    once the lead is taken out of its own section, every section still has enough.
    One ``LIMIT`` per section, combined with ``UNION ALL``: each is a short walk of
    ``story_section_live_idx``, whatever the size of the archive.
    """
    newest = Story.objects.published().order_by("-first_published_at", "-pk").values("pk")
    per_section = HOME_SECTION_LENGTH + 1
    if connection.features.supports_slicing_ordering_in_compound:
        parts = [newest.filter(live_section=section)[:per_section] for section in sections]
        parts.append(newest.filter(live_section=None)[:per_section])
        chosen = parts[0].union(*parts[1:], all=True)
    else:
        # SQLite (trying the site) cannot LIMIT inside a UNION: number every story
        # instead, in a query of its own; fine at the size of a demo.
        numbered = newest.annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("live_section")],
                order_by=[F("first_published_at").desc(), F("pk").desc()],
            )
        )
        chosen = [row["pk"] for row in numbered.filter(place__lte=per_section)]
    stories = list(Story.objects.latest_published().filter(pk__in=chosen))
    if not stories:
        return None, []
    lead, *rest = stories
    # Newest first: each section keeps its first few once the lead is out.
    picked: dict[int | None, list[Story]] = {}
    for story in rest:
        section_stories = picked.setdefault(story.live_section_id, [])
        if len(section_stories) < HOME_SECTION_LENGTH:
            section_stories.append(story)
    shown = [lead, *(story for group in picked.values() for story in group)]
    cards = {card.story.pk: card for card in live_cards(shown)}
    render_cards([cards[story.pk] for story in shown[1:]], show_section=False)
    by_id = {section.pk: section for section in sections}
    groups = [
        SectionGroup(by_id.get(section_id), [cards[story.pk] for story in group])
        for section_id, group in picked.items()
    ]
    # Sections in menu order; stories without a section last.
    ordered = sorted(
        groups,
        key=lambda g: (g.section is None, g.section and (g.section.position, g.section.name)),
    )
    return cards[lead.pk], ordered


@require_safe
def home(request):
    # The menu's sections, fetched once for the menu and the page's groups.
    sections = list(Section.objects.all())
    lead, groups = _front_page(sections)
    site = settings.NEWSROOM
    meta = page_meta(site["SITE_NAME"], site["TAGLINE"], reverse("articles:home"))
    return render(
        request,
        "articles/home.html",
        {"lead": lead, "groups": groups, "meta": meta, "nav_sections": sections},
    )


@require_safe
def story_detail(request, year, month, day, slug):
    story = get_object_or_404(Story.objects.for_readers(), slug=slug)
    requested = reverse(
        "articles:story-detail", kwargs={"year": year, "month": month, "day": day, "slug": slug}
    )
    canonical = story.get_absolute_url()
    if requested != canonical:
        return redirect(canonical, permanent=True)
    page = live_page(story)
    return render(
        request,
        "articles/story_detail.html",
        {
            "page": page,
            "meta": story_meta(page),
            "current_section": page.section.slug if page.section else None,
        },
    )


@require_safe
def story_preview(request, pk):
    """The working copy, as its page would look once published: for its writers and editors.

    Anyone else gets a 404, never a 403 or a login redirect: a draft's existence is
    itself unpublished information.
    """
    story = Story.objects.filter(pk=pk).first()
    # Editors see every working copy; journalists only the stories they write.
    if story is None or not workflow.can_view(request.user, story):
        raise Http404("No such story.")
    response = render(
        request,
        "articles/story_detail.html",
        {"page": live_page(story, snapshot.build(story)), "preview": True},
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def author_detail(request, slug):
    author = get_object_or_404(Author, slug=slug)
    page, cards = _page_of_cards(request, Story.objects.by_author(author), show_section=True)
    meta = page_meta(
        author.name,
        author.bio or f"{author.job_title or author.name} at {settings.NEWSROOM['SITE_NAME']}",
        author.get_absolute_url(),
        page.number,
        og_type="profile",
    )
    return render(
        request,
        "articles/author_detail.html",
        {"author": author, "page": page, "cards": cards, "meta": meta},
    )


@require_safe
def section_detail(request, slug):
    section = get_object_or_404(Section, slug=slug)
    page, cards = _page_of_cards(
        request,
        Story.objects.latest_published().filter(live_section=section),
        show_section=False,
    )
    meta = page_meta(
        section.name,
        section.description
        or f"The latest {section.name} stories from {settings.NEWSROOM['SITE_NAME']}.",
        section.get_absolute_url(),
        page.number,
    )
    return render(
        request,
        "articles/section_detail.html",
        {
            "section": section,
            "current_section": section.slug,
            "page": page,
            "cards": cards,
            "meta": meta,
        },
    )


@require_safe
def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    page, cards = _page_of_cards(request, Story.objects.by_tag(tag), show_section=True)
    meta = page_meta(
        tag.name,
        f"Stories about {tag.name} from {settings.NEWSROOM['SITE_NAME']}.",
        tag.get_absolute_url(),
        page.number,
    )
    return render(
        request,
        "articles/tag_detail.html",
        {"tag": tag, "page": page, "cards": cards, "meta": meta},
    )


# --- search ----------------------------------------------------------------------

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SLUG = re.compile(r"[-\w]{1,80}")


@dataclass
class SearchResult:
    card: LiveStory
    snippet: SafeString


def _date_filter(request, name: str, label: str, notices: list[str]) -> date | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    if _ISO_DATE.fullmatch(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    notices.append(f"The “{label}” date was not a date we understand (use YYYY-MM-DD): ignored.")
    return None


def _section_filter(request, notices: list[str]) -> Section | None:
    raw = request.GET.get("section", "").strip()
    if not raw:
        return None
    section = Section.objects.filter(slug=raw).first() if _SLUG.fullmatch(raw) else None
    if section is None:
        notices.append("There is no such section, so we searched them all.")
    return section


@require_safe
def search(request):
    """Reader search: ranked, highlighted, paginated, filterable by section and date.

    Bad input (unknown section, impossible dates, a pasted essay, control
    characters) is ignored with a notice on the page, never an error.
    """
    raw = request.GET.get("q", "")
    # U+FFFD stands for what could not be read (bytes that were not UTF-8, a NUL,
    # articles.hardening): no word to search for.
    query = clean_query(raw.replace("\ufffd", " "))
    notices = []
    if len(raw) > MAX_QUERY_LENGTH or len(raw.split()) > MAX_QUERY_WORDS:
        notices.append(
            f"Your search was long, so we used its first {MAX_QUERY_WORDS} words "
            f"(at most {MAX_QUERY_LENGTH} characters)."
        )
    section = _section_filter(request, notices)
    since = _date_filter(request, "from", "From", notices)
    until = _date_filter(request, "to", "To", notices)
    if since and until and since > until:
        notices.append("The “from” date was after the “to” date, so we swapped them.")
        since, until = until, since

    # The filters that were understood, in the order pager links repeat them.
    params = {"q": query}
    if section:
        params["section"] = section.slug
    if since:
        params["from"] = since.isoformat()
    if until:
        params["to"] = until.isoformat()

    page, results = None, []
    if query:
        filters = {"section": section, "since": since, "until": until}
        page = _page(
            request, search_stories(query, **filters), count=count_matches(query, **filters)
        )
        stories = list(page.object_list)
        results = [
            SearchResult(card, snippet_html(story.snippet, query))
            for story, card in zip(stories, live_cards(stories), strict=True)
        ]
    return render(
        request,
        "articles/search.html",
        {
            "query": query,
            "asked": bool(raw.strip()),
            "section": section,
            "since": since,
            "until": until,
            "notices": notices,
            "page": page,
            "results": results,
            # A count at the cap means "at least": only the newest matches are ranked.
            "capped": page is not None and count_is_capped(page.paginator.count),
            "search_query": urlencode(params),
        },
    )


# --- corrections -----------------------------------------------------------------


@require_safe
def corrections(request):
    """Every correction, clarification and update to the stories readers can see."""
    items = (
        Correction.objects.filter(story__in=Story.objects.published())
        .select_related("story")
        .only("kind", "text", "created_at", "story__slug", "story__first_published_at")
        # The headline readers see is the live revision's, not the working copy's.
        .annotate(headline=snapshot.stored("headline", revision="story__live_revision"))
        .order_by("-created_at", "-pk")
    )
    page = _page(request, items)
    meta = page_meta(
        "Corrections and updates",
        "Every correction, clarification and update to our published stories, newest first.",
        reverse("articles:corrections"),
        page.number,
    )
    return render(request, "articles/corrections.html", {"page": page, "meta": meta})


# --- health ----------------------------------------------------------------------


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: the database did not answer")
        return "error"
    return "ok"


def _cache_status() -> str:
    cache = caches["default"]
    if isinstance(cache, DummyCache):
        return "disabled"
    key, value = "healthz:probe", secrets.token_hex(8)
    try:
        cache.set(key, value, timeout=30)
        ok = cache.get(key) == value
    except Exception:
        logger.exception("Health check: the cache did not answer")
        return "error"
    return "ok" if ok else "error"


@require_safe
def healthz(request):
    """For load balancers and monitors: 503 only when the database is down.

    A cache outage degrades the site (pages are built uncached) without taking it
    out of rotation, so it is reported but keeps the 200.
    """
    database = _database_status()
    cache_state = _cache_status()
    healthy = database == "ok"
    response = JsonResponse(
        {"status": "ok" if healthy else "error", "database": database, "cache": cache_state},
        status=200 if healthy else 503,
    )
    response["Cache-Control"] = "no-store"
    return response
