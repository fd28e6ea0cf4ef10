"""What a page shows, as tags: the page cache keys its invalidations by them, and CDNs
purge by them (``Surrogate-Key``, ``Cache-Tag``).

A story's page shows ``story-<id>``; the pages listing it show ``home``,
``section-<slug>``, ``author-<slug>``, ``tag-<slug>``, ``feed``, ``sitemap``, ``search``,
``api``; a story page linking to another (Go deeper) shows that one's tag too. So a
publication purges its own tag and the listings it appears on, and nothing else: the
rest of the archive stays cached. ``*`` is everything (a renamed section, say).
"""

from articles.snapshot import Snapshot

from .outbox import STORY

#: Listings every published story appears on, whatever its section, authors and tags.
LISTINGS = ("home", "feed", "sitemap", "search", "api", "corrections", "notfound")


#: What the pages of routes that do not say it themselves show, by URL name: the feeds
#: and sitemaps list every story (a publication raises their tags). Any other page no
#: view tagged is taken to show anything (``tags_of``).
ROUTES = {
    "feed": ("feed",),
    "section-feed": ("feed",),
    "author-feed": ("feed",),
    "sitemap": ("sitemap",),
    "sitemap-news": ("sitemap",),
    "sitemap-section": ("sitemap",),
}


def tag(response, *tags: str):
    """Say what ``response`` shows; returns it, for views to end with."""
    shown = getattr(response, "cache_tags", set())
    shown.update(tags)
    response.cache_tags = shown
    return response


def story_tag(story_id: int) -> str:
    return f"{STORY}{story_id}"


def shown_by(content: Snapshot | None) -> set[str]:
    """The listing tags a story's live copy puts it on (none for no live copy)."""
    if content is None:
        return set()
    tags = {f"author-{credit.slug}" for credit in content.bylines if credit.slug}
    tags |= {f"tag-{named.slug}" for named in content.tags}
    if content.section:
        tags.add(f"section-{content.section.slug}")
    return tags


def of_change(
    story_id: int, before: Snapshot | None, after: Snapshot | None, *, translations=()
) -> list[str]:
    """What a change of a story's live copy from ``before`` to ``after`` makes stale: the
    story, the listings it left and those it joined, and its ``translations`` (their
    pages link to it when it is live)."""
    return sorted(
        {
            story_tag(story_id),
            *LISTINGS,
            *shown_by(before),
            *shown_by(after),
            *(story_tag(pk) for pk in translations),
        }
    )
