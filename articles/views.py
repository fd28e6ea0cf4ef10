"""The public reading site: thin views over the live copy (see ``articles.live``)."""

import logging
import secrets

from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.paginator import InvalidPage, Paginator
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from articles.live import live_cards, live_page
from articles.models import Author, Section, Story, Tag

logger = logging.getLogger(__name__)

HOME_LENGTH = 20
PAGE_LENGTH = 20


def _render(request, template, context):
    # The section menu of the header, on every reading page.
    return render(request, template, {"nav_sections": Section.objects.all(), **context})


def _page_of_cards(request, stories):
    """One page of ``stories`` as cards; a page number that is not a page is a 404."""
    paginator = Paginator(stories, PAGE_LENGTH)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404("No such page.") from exc
    return page, live_cards(list(page.object_list))


@require_safe
def home(request):
    cards = live_cards(list(Story.objects.latest_published()[:HOME_LENGTH]))
    return _render(
        request, "articles/home.html", {"lead": cards[0] if cards else None, "cards": cards[1:]}
    )


@require_safe
def story_detail(request, year, month, day, slug):
    story = get_object_or_404(Story.objects.published().select_related("live_revision"), slug=slug)
    requested = reverse(
        "articles:story-detail", kwargs={"year": year, "month": month, "day": day, "slug": slug}
    )
    canonical = story.get_absolute_url()
    if requested != canonical:
        return redirect(canonical, permanent=True)
    return _render(request, "articles/story_detail.html", {"page": live_page(story)})


@require_safe
def story_preview(request, pk):
    """The working copy, as its page would look once published: staff only.

    Anyone else gets a 404, never a 403 or a login redirect: a draft's existence is
    itself unpublished information.
    """
    user = request.user
    if not (user.is_authenticated and user.is_staff and user.has_perm("articles.view_story")):
        raise Http404("No such story.")
    story = get_object_or_404(Story, pk=pk)
    response = _render(
        request,
        "articles/story_detail.html",
        {"page": live_page(story, snapshot=story.snapshot()), "preview": True},
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def author_detail(request, slug):
    author = get_object_or_404(Author, slug=slug)
    page, cards = _page_of_cards(
        request, Story.objects.latest_published().filter(live_authors=author)
    )
    return _render(
        request, "articles/author_detail.html", {"author": author, "page": page, "cards": cards}
    )


@require_safe
def section_detail(request, slug):
    section = get_object_or_404(Section, slug=slug)
    page, cards = _page_of_cards(
        request, Story.objects.latest_published().filter(live_section=section)
    )
    return _render(
        request,
        "articles/section_detail.html",
        {"section": section, "current_section": section.slug, "page": page, "cards": cards},
    )


@require_safe
def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    page, cards = _page_of_cards(request, Story.objects.latest_published().filter(live_tags=tag))
    return _render(request, "articles/tag_detail.html", {"tag": tag, "page": page, "cards": cards})


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
