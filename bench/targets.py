"""Which URLs the benchmarks request, chosen from the seeded archive.

``bench/load.py`` asks for them through ``manage.py shell``; ``bench/render.py``
imports :func:`pick` directly. The choice
is deterministic for a given database, so two runs measure the same pages.
"""

import json
import random

from django.db.models import Count
from django.urls import NoReverseMatch, reverse

from articles.models import Author, Section, Story, Tag
from articles.search import clean_query, search_stories

#: A topic that many stories share: the expensive kind of search.
COMMON_QUERY = "rail budget"
MIXED_LENGTH = 5000
MIXED_STORIES = 2000
#: Share of each kind of page in the mixed load, roughly a news site's traffic.
MIX = {
    "story": 0.70,
    "home": 0.10,
    "section": 0.08,
    "author": 0.04,
    "tag": 0.03,
    "search": 0.03,
    "feed": 0.01,
    "sitemap": 0.01,
}
#: The publish storm's mix (bench/storm.py), as the issue gives it.
STORM_MIX = {"home": 0.30, "story": 0.50, "section": 0.10, "author": 0.05, "search": 0.05}


def _has_search() -> bool:
    try:
        reverse("articles:search")
    except NoReverseMatch:
        return False
    return True


def _search_url(query: str) -> str:
    return reverse("articles:search") + "?q=" + "+".join(query.split())


def pick(seed: int = 1) -> dict:
    rng = random.Random(seed)
    published = Story.objects.published().order_by("-first_published_at", "-pk")
    total = published.count()
    if not total:
        raise SystemExit("No published stories: run manage.py seed_bench first.")
    # A story from the middle of the archive: neither the newest nor the oldest.
    story = published.select_related("live_revision")[total // 2]
    section = Section.objects.annotate(n=Count("live_stories")).order_by("-n", "pk").first()
    author = Author.objects.annotate(n=Count("live_stories")).order_by("-n", "pk").first()

    pages = [
        {"name": "story", "url": story.get_absolute_url()},
        {"name": "home", "url": "/"},
        {"name": "section", "url": section.get_absolute_url()},
        {"name": "author", "url": author.get_absolute_url()},
    ]
    search = {}
    if _has_search():
        precise = story.live_revision.snapshot["headline"]
        pages.append({"name": "search", "url": _search_url(COMMON_QUERY)})
        pages.append({"name": "search-precise", "url": _search_url(precise)})
        search = {
            "common": {
                "query": COMMON_QUERY,
                "matches": search_stories(clean_query(COMMON_QUERY)).count(),
            },
            "precise": {
                "query": precise,
                "matches": search_stories(clean_query(precise)).count(),
            },
        }
    pages += [
        {"name": "feed", "url": "/feed/"},
        {"name": "sitemap-index", "url": "/sitemap.xml"},
        {"name": "sitemap-stories", "url": "/sitemap-stories.xml"},
    ]

    # Other pages of the same kinds: a page's query count must not depend on which.
    sections = Section.objects.annotate(n=Count("live_stories")).order_by("-n", "pk")
    authors = Author.objects.annotate(n=Count("live_stories")).order_by("-n", "pk")
    alternates = {
        "story": published.first().get_absolute_url(),
        "section": sections[1].get_absolute_url() + "?page=3",
        "author": authors[1].get_absolute_url() + "?page=2",
    }

    pks = list(Story.objects.published().values_list("pk", flat=True))
    sample = rng.sample(pks, min(MIXED_STORIES, len(pks)))
    choices = {
        "story": [
            s.get_absolute_url()
            for s in Story.objects.filter(pk__in=sample).only("slug", "first_published_at")
        ],
        "home": ["/"],
        "section": [s.get_absolute_url() for s in Section.objects.all()]
        + [s.get_absolute_url() + "?page=2" for s in Section.objects.all()],
        "author": [a.get_absolute_url() for a in Author.objects.order_by("pk")[:200]],
        "tag": [t.get_absolute_url() for t in Tag.objects.all()],
        "search": [_search_url(w) for w in ("rail", "budget", "wage deal", "flood", "ferry")]
        if search
        else [],
        "feed": ["/feed/", section.get_absolute_url() + "feed/"],
        "sitemap": ["/sitemap.xml", "/sitemap-stories.xml", "/sitemap-news.xml"],
    }

    def mix(shares: dict) -> list[str]:
        kinds = [k for k in shares if choices[k]]
        weights = [shares[k] for k in kinds]
        return [rng.choice(choices[kind]) for kind in rng.choices(kinds, weights, k=MIXED_LENGTH)]

    mixed = mix(MIX)
    storm = mix(STORM_MIX)
    return {
        "published": total,
        "section_stories": section.n,
        "author_stories": author.n,
        "search": search,
        "pages": pages,
        "alternates": alternates,
        "mixed": mixed,
        "storm": storm,
        "stories": choices["story"],
    }


def print_json() -> None:
    print(json.dumps(pick()))
