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
from django.core.paginator import InvalidPage, Page, Paginator
from django.db import connection
from django.db.models import F, Subquery, Window
from django.db.models.functions import RowNumber
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_safe

from articles import comment_views, editions, rendering, snapshot, workflow
from articles.cache import story_tag
from articles.cache import tag as tag_page
from articles.diff import diff_snapshots
from articles.errors import revalidated
from articles.forms import TransitionForm
from articles.live import LiveStory, live_cards, live_page
from articles.models import (
    AuditEntry,
    Author,
    Correction,
    Revision,
    Section,
    Status,
    Story,
    Tag,
)
from articles.search import (
    MAX_QUERY_LENGTH,
    MAX_QUERY_WORDS,
    clean_query,
    close_stories,
    count_is_capped,
    search_page,
    snippet_html,
)
from articles.site import tagline
from articles.structured import page_meta
from articles.templatetags.editions import edition_number

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


def _page_number(request) -> int:
    """The page asked for (1 if none); anything but a page number is a 404."""
    raw = request.GET.get("page") or "1"
    # Digits only, and few enough that an offset fits PostgreSQL's bigint.
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else 0
    if number < 1:
        raise Http404("No such page.")
    return number


def _page(request, items, length=PAGE_LENGTH):
    """The requested page of ``items`` (a short list, or one counted cheaply); a page
    number that is not a page is a 404."""
    try:
        return Paginator(items, length).page(_page_number(request))
    except InvalidPage as exc:
        raise Http404("No such page.") from exc


@dataclass
class ListingPage:
    """One page of a listing found without counting the listing: its items, and whether
    newer and older pages exist. A section or an author with 100,000 stories costs what
    one with 30 does (counting them for "page 3 of 5,029" took 10-50 ms at a million)."""

    number: int
    object_list: list
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def _listing_page(request, items, length=PAGE_LENGTH) -> ListingPage:
    """The requested page of ``items``: one more than a page is fetched to learn whether
    an older page follows. A page number that is not a page is a 404."""
    number = _page_number(request)
    start = (number - 1) * length
    fetched = list(items[start : start + length + 1])
    if not fetched and number > 1:
        raise Http404("No such page.")
    return ListingPage(number, fetched[:length], has_next=len(fetched) > length)


def _page_of_cards(request, stories, *, show_section):
    page = _listing_page(request, rendering.readable(stories))
    return page, rendering.cards(page.object_list, show_section=show_section)


@dataclass
class SectionGroup:
    section: Section | None
    cards: list[rendering.Card]


def _front_page(sections: list[Section]) -> tuple[rendering.Card | None, list[SectionGroup]]:
    """The lead story and the latest few stories of each section.

    Each section's newest ``HOME_SECTION_LENGTH + 1`` stories are fetched so that,
    once the lead is taken out of its own section, every section still has enough.
    One ``LIMIT`` per section, combined with ``UNION ALL``: each is a short walk of
    ``story_section_live_idx``, whatever the size of the archive.
    """
    newest = (
        Story.objects.published()
        .in_language(editions.current())
        .order_by("-first_published_at", "-pk")
        .values("pk")
    )
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
    stories = list(rendering.readable(Story.objects.latest_published()).filter(pk__in=chosen))
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
    made = rendering.renderings_of(shown)
    cards = {
        s.pk: rendering.Card(s, mark_safe(made[s.pk].card_in_section), made[s.pk].title)
        for s in shown
    }
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
    return rendering.Card(lead, mark_safe(made[lead.pk].lead), made[lead.pk].title), ordered


@require_safe
def home(request):
    # The menu's sections, fetched once for the menu and the page's groups.
    sections = list(Section.objects.all())
    lead, groups = _front_page(sections)
    meta = page_meta(settings.NEWSROOM["SITE_NAME"], tagline(), reverse("articles:home"))
    response = render(
        request,
        "articles/home.html",
        {"lead": lead, "groups": groups, "meta": meta, "nav_sections": sections},
    )
    return tag_page(response, "home")


#: Stories under "More in <section>" on a story page.
MORE_IN_SECTION_LENGTH = 3


def _story_and_more(slug: str) -> tuple[Story | None, list[Story]]:
    """The published story called ``slug`` and the newest few other published stories of
    its section and language, read with :func:`rendering.readable`.

    One query: the others are picked by a subquery (a short walk of
    ``story_section_live_idx``) and fetched with the story, so "More in" costs the page
    no query of its own. SQLite (trying the site) cannot LIMIT inside a UNION: a second
    query there.
    """
    itself = Story.objects.for_readers().filter(slug=slug)
    others = (
        Story.objects.published()
        .filter(
            live_section=Subquery(itself.values("live_section")[:1]),
            language=Subquery(itself.values("language")[:1]),
        )
        .exclude(slug=slug)
        .order_by("-first_published_at", "-pk")
        .values("pk")[:MORE_IN_SECTION_LENGTH]
    )
    newest = rendering.readable(Story.objects.latest_published())
    if connection.features.supports_slicing_ordering_in_compound:
        found = list(newest.filter(pk__in=itself.values("pk").union(others, all=True)))
    else:
        found = list(newest.filter(slug=slug))
        found += list(newest.filter(pk__in=[row["pk"] for row in others])) if found else []
    story = next((s for s in found if s.slug == slug), None)
    return story, [s for s in found if s is not story]


@require_safe
def story_detail(request, year, month, day, slug):
    story, more = _story_and_more(slug)
    if story is None:
        # A story readers once had, now deleted (in the trash): gone, not missing.
        if Story.objects.in_trash().filter(slug=slug, first_published_at__isnull=False).exists():
            return tag_page(revalidated(render(request, "410.html", status=410)), "notfound")
        raise Http404("No such story.")
    requested = reverse(
        "articles:story-detail", kwargs={"year": year, "month": month, "day": day, "slug": slug}
    )
    canonical = story.get_absolute_url()
    if requested != canonical:
        return tag_page(redirect(canonical, permanent=True), story_tag(story.pk))
    shown = rendering.rendering_of(story)
    # The menu's sections, fetched once for the menu and the "More in" heading.
    sections = list(Section.objects.all())
    section = next((s for s in sections if s.slug == shown.section_slug), None)
    response = render(
        request,
        "articles/story_page.html",
        {
            "rendering": shown,
            "current_section": shown.section_slug or None,
            # Its published translations (not the listing pages' editions).
            "alternates": shown.alternates,
            "nav_sections": sections,
            "section": section,
            "more": rendering.cards(more, show_section=False) if section else [],
        },
    )
    # The page shows its Go deeper stories' addresses, and the newest stories of its
    # section: their changes, and a publication in the section, make it stale too.
    shows = [story_tag(story.pk), *(story_tag(pk) for pk in shown.linked)]
    if shown.section_slug:
        shows.append(f"section-{shown.section_slug}")
    return tag_page(response, *shows)


#: The buttons under the staff preview: a reviewer decides on what they read there.
REVIEW_STEPS = ("approve", "request_changes", "publish")
#: The stories whose preview is a review: submitted and not yet published.
UNDER_REVIEW = (Status.IN_REVIEW, Status.APPROVED, Status.SCHEDULED)
#: The acts that mark a revision as reviewed: the preview's diff starts from the last.
_REVIEWED = ("publish", "approve", "request_changes")


def review_base(story: Story) -> tuple[Revision | None, str]:
    """The revision the staff preview compares the working copy with, and what it is:
    the last one readers saw (the live one, or the last published before a takedown);
    for a story never published, the one its last review (approval or request for
    changes) was made on; None for a story nobody has reviewed yet."""
    if story.live_revision_id:
        return story.revisions.filter(pk=story.live_revision_id).first(), "the one readers see"
    entries = AuditEntry.objects.filter(
        story=story, action__in=_REVIEWED, revision_number__isnull=False
    ).values_list("revision_number", flat=True)  # newest first
    published = entries.filter(action="publish").first()
    number = published or entries.first()
    if number is None:
        return None, ""
    said = "the last one published" if published else "the last one reviewed"
    return story.revisions.filter(number=number).first(), said


def _review(request, story: Story, shown: snapshot.Snapshot) -> dict:
    """The review block of the staff preview: what changed since the last review, and
    the buttons this person may press, each bound to the version shown."""
    base, said = review_base(story)
    preview_url = reverse("articles:story-preview", args=[story.pk])
    steps = [
        {
            "step": step,
            "url": reverse("admin:articles_story_transition", args=[story.pk, step.name]),
            "form": TransitionForm(
                step=step,
                may_override=workflow.gates.may_override(request.user),
                initial={"version": story.version},
                auto_id=f"id_review_{step.name}_%s",
            ),
        }
        for step in (workflow.TRANSITIONS[name] for name in REVIEW_STEPS)
        if workflow.can(request.user, story, step.name)
    ]
    return {
        "base": base,
        "base_said": said,
        "changes": diff_snapshots(snapshot.of(base), shown) if base else None,
        "steps": steps,
        "next": preview_url,
        "version": story.version,
    }


@require_safe
def story_preview(request, pk):
    """The working copy, as its page would look once published: for its writers and editors.

    For a story in review (approved or scheduled too), what changed since the last
    review and, for a reviewer, the buttons to approve, request changes or publish the
    version shown (refused if it was saved since the page opened). Anyone else gets a
    404, never a 403 or a login redirect: a draft's existence is itself unpublished
    information.
    """
    story = Story.objects.filter(pk=pk).first()
    # Editors see every working copy; journalists only the stories they write.
    if story is None or not workflow.can_view(request.user, story):
        raise Http404("No such story.")
    shown = snapshot.build(story)
    response = render(
        request,
        "articles/story_detail.html",
        {
            "page": live_page(story, shown),
            "preview": True,
            "review": _review(request, story, shown) if story.status in UNDER_REVIEW else None,
            # The review block shows the messages already.
            "comments_panel": comment_views.panel(request, story),
        },
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def author_detail(request, slug):
    author = get_object_or_404(Author, slug=slug)
    page, cards = _page_of_cards(
        request,
        Story.objects.by_author(author).in_language(editions.current()),
        show_section=True,
    )
    meta = page_meta(
        author.local_name,
        author.bio
        or _("%(who)s at %(site)s")
        % {"who": author.job_title or author.local_name, "site": settings.NEWSROOM["SITE_NAME"]},
        author.get_absolute_url(),
        page.number,
        og_type="profile",
    )
    response = render(
        request,
        "articles/author_detail.html",
        {"author": author, "page": page, "cards": cards, "meta": meta},
    )
    return tag_page(response, f"author-{author.slug}")


@require_safe
def section_detail(request, slug):
    section = get_object_or_404(Section, slug=slug)
    page, cards = _page_of_cards(
        request,
        Story.objects.latest_published()
        .in_language(editions.current())
        .filter(live_section=section),
        show_section=False,
    )
    meta = page_meta(
        section.local_name,
        section.local_description
        or _("The latest %(section)s stories from %(site)s.")
        % {"section": section.local_name, "site": settings.NEWSROOM["SITE_NAME"]},
        section.get_absolute_url(),
        page.number,
    )
    response = render(
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
    return tag_page(response, f"section-{section.slug}")


@require_safe
def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    page, cards = _page_of_cards(
        request, Story.objects.by_tag(tag).in_language(editions.current()), show_section=True
    )
    meta = page_meta(
        tag.name,
        _("Stories about %(tag)s from %(site)s.")
        % {"tag": tag.name, "site": settings.NEWSROOM["SITE_NAME"]},
        tag.get_absolute_url(),
        page.number,
    )
    response = render(
        request,
        "articles/tag_detail.html",
        {"tag": tag, "page": page, "cards": cards, "meta": meta},
    )
    return tag_page(response, f"tag-{tag.slug}")


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
    notices.append(
        _("The “%(label)s” date was not a date we understand (use YYYY-MM-DD): ignored.")
        % {"label": label}
    )
    return None


def _section_filter(request, notices: list[str]) -> Section | None:
    raw = request.GET.get("section", "").strip()
    if not raw:
        return None
    section = Section.objects.filter(slug=raw).first() if _SLUG.fullmatch(raw) else None
    if section is None:
        notices.append(_("There is no such section, so we searched them all."))
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
            _(
                "Your search was long, so we used its first %(words)s words (at most "
                "%(characters)s characters)."
            )
            % {
                "words": edition_number(MAX_QUERY_WORDS),
                "characters": edition_number(MAX_QUERY_LENGTH),
            }
        )
    section = _section_filter(request, notices)
    since = _date_filter(request, "from", pgettext("search date", "From"), notices)
    until = _date_filter(request, "to", pgettext("search date", "To"), notices)
    if since and until and since > until:
        notices.append(_("The “from” date was after the “to” date, so we swapped them."))
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
        # Each edition searches its own stories.
        filters = {
            "section": section,
            "since": since,
            "until": until,
            "language": editions.current(),
        }
        number = _page_number(request)
        stories, found = search_page(
            query, start=(number - 1) * PAGE_LENGTH, length=PAGE_LENGTH, **filters
        )
        if not stories and number > 1:
            raise Http404("No such page.")
        page = Page(stories, number, _CountedPaginator([], PAGE_LENGTH, count=found))
        if not found:
            # Nothing has every word: a misspelling, most often. Headlines that come
            # close, if any, with a notice saying that is what they are.
            close = list(close_stories(query, **filters))
            if close:
                notices.append(_("No story has all of those words. These headlines come close."))
                page = _page(request, close)
        stories = list(page.object_list)
        results = [
            SearchResult(card, snippet_html(story.snippet, query))
            for story, card in zip(stories, live_cards(stories), strict=True)
        ]
    response = render(
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
    return tag_page(response, "search")


# --- corrections -----------------------------------------------------------------


@require_safe
def corrections(request):
    """Every correction, clarification and update to the stories readers can see."""
    items = (
        Correction.objects.filter(
            story__in=Story.objects.published().in_language(editions.current())
        )
        .select_related("story")
        .only(
            "kind",
            "text",
            "created_at",
            *(f"story__{name}" for name in Story.ADDRESS_FIELDS if name != "pk"),
        )
        # The headline readers see is the live revision's, not the working copy's.
        .annotate(headline=snapshot.stored("headline", revision="story__live_revision"))
        .order_by("-created_at", "-pk")
    )
    page = _page(request, items)
    meta = page_meta(
        _("Corrections and updates"),
        _("Every correction, clarification and update to our published stories, newest first."),
        reverse("articles:corrections"),
        page.number,
    )
    response = render(request, "articles/corrections.html", {"page": page, "meta": meta})
    return tag_page(response, "corrections")


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
