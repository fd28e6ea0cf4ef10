"""Sitemaps of the reading site, built on django.contrib.sitemaps.

``/sitemap.xml`` is an index of stories (in pages), sections, authors and a Google
News sitemap of the stories first published in the last 48 hours. Addresses are
absolute, from ``NEWSROOM["BASE_URL"]``, whichever host the request came to.
"""

from datetime import timedelta
from functools import cached_property

from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Max, Min, OuterRef, Q, Subquery
from django.utils import timezone

from articles import editions, site, snapshot
from articles.hardening import xml_text
from articles.models import Author, Section, Story

NEWS_WINDOW = timedelta(hours=48)


class _SiteSitemap(Sitemap):
    def get_protocol(self, protocol=None):
        return site.protocol()

    def get_domain(self, site_=None):
        return site.domain()


class _StoriesSitemap(_SiteSitemap):
    """Stories, dated by their latest publication or correction."""

    limit = 1000

    def lastmod(self, story):
        return story.last_published_at or story.first_published_at

    def get_latest_lastmod(self):
        # Django's default calls lastmod() on every item: 100,000 objects for the index.
        # Publishing sets last_published_at; ``story_republished_idx`` answers this.
        return self.items().order_by().aggregate(latest=Max("last_published_at"))["latest"]


class IdRanges(Paginator):
    """Pages of stories by id: page *n* holds the published stories whose ids are in the
    *n*-th run of ``per_page`` ids from the lowest published one, and there are as many
    pages as it takes to reach the highest.

    Both ends are found in one query, at the two ends of the primary key's index, and a
    page is one range of that index, whatever the size of the archive: counting a
    million stories to number the pages, and skipping 999,000 of them to reach the
    last page, would cost seconds. A page holds fewer than ``per_page`` stories where
    ids went to drafts; the first and the last are never empty, and one in between
    only where ``per_page`` ids in a row all went to stories never published. A story
    keeps its page for life.
    """

    @cached_property
    def ends(self) -> tuple[int, int]:
        ends = self.object_list.order_by().aggregate(lowest=Min("pk"), highest=Max("pk"))
        return ends["lowest"] or 0, ends["highest"] or 0

    @cached_property
    def num_pages(self) -> int:
        lowest, highest = self.ends
        return max(1, -(-(highest - lowest + 1) // self.per_page)) if highest else 1

    @cached_property
    def count(self) -> int:
        """The most stories the pages can hold: not counted (see the class)."""
        return self.num_pages * self.per_page

    def page(self, number):
        number = self.validate_number(number)
        first = self.ends[0] - 1 + (number - 1) * self.per_page
        stories = self.object_list.filter(pk__gt=first, pk__lte=first + self.per_page)
        return self._get_page(stories, number, self)


class StorySitemap(_StoriesSitemap):
    """Every published story, with its published translations as ``hreflang``
    alternates (reciprocal: each version lists all of them, itself included, and the
    original as ``x-default``), in pages of consecutive ids (:class:`IdRanges`)."""

    changefreq = "hourly"

    @cached_property
    def paginator(self):
        return IdRanges(self._items(), self.limit)

    def items(self):
        return (
            Story.objects.published()
            .only(*Story.ADDRESS_FIELDS, "last_published_at", "translation_source_id")
            .order_by("-first_published_at", "-pk")
        )

    def get_urls(self, *args, **kwargs):
        urls = super().get_urls(*args, **kwargs)
        groups = translation_groups([url["item"] for url in urls])
        for url in urls:
            item = url["item"]
            url["alternates"] = groups.get(item.translation_source_id or item.pk, [])
        return urls


def translation_groups(stories) -> dict[int, list[dict]]:
    """The sitemap alternates of every translation group among ``stories`` (one query),
    by the group's original; groups of one story have none."""
    originals = {story.translation_source_id or story.pk for story in stories}
    members = (
        Story.objects.published()
        .filter(Q(pk__in=originals) | Q(translation_source__in=originals))
        .only(*Story.ADDRESS_FIELDS, "translation_source_id")
    )
    grouped: dict[int, list] = {}
    for member in members:
        grouped.setdefault(member.translation_source_id or member.pk, []).append(member)
    alternates = {}
    for original, group in grouped.items():
        if len(group) < 2:
            continue
        group = editions.in_order(group)
        links = [
            {"lang_code": m.language, "location": site.absolute(m.get_absolute_url())}
            for m in group
        ]
        default = next((m for m in group if m.pk == original), group[0])
        links.append(
            {"lang_code": "x-default", "location": site.absolute(default.get_absolute_url())}
        )
        alternates[original] = links
    return alternates


class SectionSitemap(_SiteSitemap):
    """Sections with a published story, in every edition (``/sections/world/`` and
    ``/fa/sections/world/``, alternates of each other); lastmod is their newest story's publication,
    read from ``story_section_live_idx`` (one short index walk per section)."""

    changefreq = "hourly"
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        newest = (
            Story.objects.published()
            .filter(live_section=OuterRef("pk"))
            .order_by("-first_published_at", "-pk")
            .values("first_published_at")[:1]
        )
        return (
            Section.objects.annotate(latest=Subquery(newest))
            .filter(latest__isnull=False)
            .order_by("position", "name")
        )

    def lastmod(self, section):
        return section.latest


class AuthorSitemap(_SiteSitemap):
    """Authors with a published story, found as the author page finds its stories:
    one short walk of ``live_author_listing_idx`` per author, stopping at the first
    published one (an ``EXISTS`` over the bylines let PostgreSQL join every published
    story of the archive instead). No lastmod: a wrong one is worse than none."""

    changefreq = "daily"
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        newest = Story.objects.by_author(OuterRef("pk")).values("pk")[:1]
        return (
            Author.objects.annotate(newest_story=Subquery(newest))
            .filter(newest_story__isnull=False)
            .order_by("name", "pk")
        )


class NewsSitemap(_StoriesSitemap):
    """Google News: stories first published in the last 48 hours, at most 1,000."""

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return (
            Story.objects.latest_published()
            .filter(first_published_at__gte=since)
            .annotate(live_headline=snapshot.stored("headline", revision="live_revision"))
        )

    def get_urls(self, *args, **kwargs):
        urls = super().get_urls(*args, **kwargs)
        for url in urls:
            # A control character pasted into a headline would make the XML invalid.
            url["item"].live_headline = xml_text(url["item"].live_headline or "")
        return urls


SITEMAPS = {
    "stories": StorySitemap,
    "sections": SectionSitemap,
    "authors": AuthorSitemap,
    "news": NewsSitemap,
}
