"""A published story's HTML, rendered once and kept (:class:`~articles.models.Rendering`).

A story is rendered when it is published (``articles.signals`` asks for it once the
publication commits), and again only when something it shows changes: a reader page
then costs a query or two and a thin template. What a rendering shows, and what makes
it stale, follows the page cache's tags (``articles.cache``): a change naming
``story-12`` deletes the renderings of story 12 and of the stories linking to it, in
its own transaction; a change to everything (``*``: a renamed section, author or
label) outdates every rendering older than it; and a change to the templates, the time
zone or the site's addresses changes :func:`version`. A stale rendering is rendered
anew by the next reader, or by ``manage.py rerender``.

Storing is guarded against the race with a change: the rendering is written under the
lock that orders changes (``order_changes``), and only if no change newer than what it
read names it. So a rendering never outlives a correction that committed while it was
being rendered.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.storage import default_storage
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.dispatch import receiver
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from articles import editions, site, snapshot
from articles.cache import EVERYTHING, order_changes, story_tag
from articles.live import live_page
from articles.models import Invalidation, Rendering, Story
from articles.structured import site_logo_url, story_meta

#: Every template a rendering is made of: their source is part of the version.
TEMPLATES = (
    "articles/includes/story_meta.html",
    "articles/includes/story_article.html",
    "articles/includes/card.html",
    "articles/includes/lead.html",
    "articles/includes/bylines.html",
    "articles/includes/time.html",
    "articles/includes/figure.html",
)
#: Raised by hand when what is stored changes meaning (not when a template changes).
SCHEMA = 1
#: Where the home page's lead draws its image, as the home template did.
LEAD_SIZES = "(min-width: 74rem) 41rem, (min-width: 56rem) 57vw, 92vw"

_version = None


def version() -> str:
    """What every rendering must have been made with: the templates' source, the time
    zone and language, and the addresses pages print (media, static, the site's)."""
    global _version
    if _version is None:
        digest = hashlib.sha256(f"{SCHEMA}".encode())
        for name in TEMPLATES:
            digest.update(get_template(name).template.source.encode())
        # The interface strings' translations are part of the stored HTML too.
        for folder in getattr(settings, "LOCALE_PATHS", ()):
            for catalogue in sorted(Path(folder).glob("*/LC_MESSAGES/*.po")):
                digest.update(catalogue.read_bytes())
        site = settings.NEWSROOM
        digest.update(
            repr(
                (
                    settings.TIME_ZONE,
                    settings.LANGUAGE_CODE,
                    settings.LANGUAGES,
                    site.get("BASE_URL"),
                    site.get("SITE_NAME"),
                    default_storage.url("x"),
                    site_logo_url(),
                )
            ).encode()
        )
        _version = digest.hexdigest()[:16]
    return _version


@receiver(setting_changed)
def forget_version(**kwargs) -> None:
    """Work the version out again (after a template or a setting changed, in tests)."""
    global _version
    _version = None


def readable(queryset):
    """``queryset`` of published stories with what a reader page needs to use their
    renderings: the rendering joined, the newest change and the newest change to
    everything (both one index look-up, once per query), and not the live revision's
    snapshot (loaded again only for a story that must be rendered)."""
    newest = Invalidation.objects.order_by("-pk").values("pk")[:1]
    everything = Invalidation.objects.filter(everything=True).order_by("-pk").values("pk")[:1]
    return (
        queryset.select_related("rendering")
        .defer("live_revision__snapshot")
        .annotate(newest_change=Subquery(newest), everything_change=Subquery(everything))
    )


def _stored(story: Story) -> Rendering | None:
    try:
        return story.rendering
    except ObjectDoesNotExist:
        return None


def is_fresh(story: Story, rendering: Rendering | None) -> bool:
    """Whether ``rendering`` is right for readers of ``story`` (read with :func:`readable`)."""
    return (
        rendering is not None
        and rendering.revision_id == story.live_revision_id
        and rendering.version == version()
        and rendering.generation >= (getattr(story, "everything_change", None) or 0)
    )


def _text(template: str, context: dict) -> str:
    return render_to_string(template, context)


def _alternates(story: Story) -> tuple[list[dict], tuple[int, ...]]:
    """The published versions of ``story`` in every language (itself included), as
    hreflang wants them, and every story of its translation group: a translation going
    live or away changes this page, so the rendering links to all of them."""
    group = list(
        story.translation_group()
        .addresses()
        .annotate(live=Exists(Story.objects.published().filter(pk=OuterRef("pk"))))
    )
    shown = editions.in_order(s for s in group if s.live or s.pk == story.pk)
    alternates = [
        editions.alternate(s.language, site.absolute(s.get_absolute_url())) for s in shown
    ]
    return (alternates if len(alternates) > 1 else []), tuple(
        s.pk for s in group if s.pk != story.pk
    )


def render(story: Story, generation: int) -> tuple[Rendering, tuple[int, ...]]:
    """``story``'s live revision rendered (not stored), and the stories it links to.

    Rendered in the story's language (interface strings, dates), whatever the language
    of the request that asked for it (an editor publishing from the admin)."""
    with translation.override(story.language):
        return _render(story, generation)


def _render(story: Story, generation: int) -> tuple[Rendering, tuple[int, ...]]:
    page = live_page(story, snapshot.of(story.live_revision))
    meta = story_meta(page)
    alternates, group = _alternates(story)
    context = {"page": page, "meta": meta, "site": settings.NEWSROOM}
    made = Rendering(
        story=story,
        revision_id=story.live_revision_id,
        version=version(),
        generation=generation,
        rendered_at=timezone.now(),
        section_slug=page.section.slug if page.section else "",
        title=page.headline,
        description=meta.description,
        canonical=meta.canonical,
        head=_text("articles/includes/story_meta.html", context),
        article=_text("articles/includes/story_article.html", context),
        card=_text("articles/includes/card.html", {"card": page, "show_section": True}),
        card_in_section=_text("articles/includes/card.html", {"card": page, "show_section": False}),
        lead=_text("articles/includes/lead.html", {"lead": page, "sizes": LEAD_SIZES}),
        linked=[*page.linked_ids, *group],
        language=story.language,
        alternates=alternates,
    )
    return made, (*page.linked_ids, *group)


def _store(made: list[tuple[Rendering, tuple[int, ...]]]) -> list[Rendering]:
    """Keep the renderings ``made`` (with the stories each links to) that no change
    newer than what they read names; the ones kept. One transaction, a few queries."""
    if not made:
        return []
    oldest = min(rendering.generation for rendering, _ in made)
    with transaction.atomic():
        order_changes()  # no change commits between this check and the write
        since = [
            (pk, set(tags or [EVERYTHING]))
            for pk, tags in Invalidation.objects.filter(pk__gt=oldest).values_list("pk", "tags")
        ]
        kept = []
        for rendering, links in made:
            shows = {story_tag(rendering.story_id), *(story_tag(pk) for pk in links), EVERYTHING}
            if not any(pk > rendering.generation and shows & tags for pk, tags in since):
                kept.append((rendering, links))
        ids = [rendering.story_id for rendering, _ in kept]
        Rendering.objects.filter(pk__in=ids).delete()
        Rendering.objects.bulk_create([rendering for rendering, _ in kept])
        # Links to stories that exist (a deleted one is plain text, and stays so).
        wanted = {pk for _, links in kept for pk in links}
        existing = set(Story.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        Rendering.links.through.objects.bulk_create(
            Rendering.links.through(rendering_id=rendering.story_id, story_id=pk)
            for rendering, links in kept
            for pk in dict.fromkeys(links)
            if pk in existing
        )
    return [rendering for rendering, _ in kept]


def _newest_change() -> int:
    return Invalidation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def rendering_of(story: Story) -> Rendering:
    """The rendering readers of ``story`` see: the stored one while fresh, else a new one
    (stored for the next reader)."""
    stored = _stored(story)
    if is_fresh(story, stored):
        return stored
    generation = getattr(story, "newest_change", None)
    if generation is None:
        generation = _newest_change()
    made, links = render(story, generation)
    _store([(made, links)])
    return made


@dataclass
class Card:
    """A story in a listing: the story, its rendered card and its live headline."""

    story: Story
    html: SafeString
    headline: str = ""


def renderings_of(stories: list[Story]) -> dict[int, Rendering]:
    """The fresh renderings of ``stories`` (read with :func:`readable`), rendering and
    storing those that are stale (their snapshots in one query)."""
    found = {}
    stale = []
    for story in stories:
        stored = _stored(story)
        if is_fresh(story, stored):
            found[story.pk] = stored
        else:
            stale.append(story)
    if stale:
        generation = min(
            (s.newest_change for s in stale if getattr(s, "newest_change", None) is not None),
            default=None,
        )
        if generation is None:
            generation = _newest_change()
        found.update(
            (rendering.story_id, rendering) for rendering in render_many(stale, generation)
        )
    return found


def render_many(stories: list[Story], generation: int | None = None) -> list[Rendering]:
    """Render ``stories`` (published) and store what no newer change names; all of them
    returned, kept or not."""
    if generation is None:
        generation = _newest_change()
    full = (
        Story.objects.filter(live_revision__isnull=False)
        .select_related("live_revision")
        .in_bulk([s.pk for s in stories])
    )
    made = [render(full[s.pk], generation) for s in stories if s.pk in full]
    _store(made)
    return [rendering for rendering, _ in made]


def cards(stories: list[Story], *, show_section: bool) -> list[Card]:
    """The cards of ``stories``, in order, with or without their section's name."""
    made = renderings_of(stories)
    return [
        Card(
            s,
            mark_safe(made[s.pk].card if show_section else made[s.pk].card_in_section),
            made[s.pk].title,
        )
        for s in stories
        if s.pk in made
    ]


def lead(story: Story) -> SafeString:
    """The home page's lead story, rendered."""
    return mark_safe(renderings_of([story])[story.pk].lead)


def refresh(story_id: int) -> bool:
    """Render a published story now (after its publication commits): the first reader
    finds it ready. False if it is not published any more."""
    story = readable(Story.objects.for_readers()).filter(pk=story_id).first()
    if story is None:
        return False
    rendering_of(story)
    return True


def stale_stories():
    """Published stories whose rendering is missing or stale, as a queryset of ids."""
    everything = Invalidation.objects.filter(everything=True).order_by("-pk").values("pk")[:1]
    fresh = Rendering.objects.filter(
        story=OuterRef("pk"),
        revision=OuterRef("live_revision"),
        version=version(),
        # A site that never changed everything: any generation is recent enough.
        generation__gte=Coalesce(Subquery(everything), 0),
    )
    return Story.objects.published().exclude(Exists(fresh)).values_list("pk", flat=True)
