"""Sitemaps of the reading site, built on django.contrib.sitemaps.

``/sitemap.xml`` is an index of stories (in pages), sections, authors and a Google
News sitemap of the stories first published in the last 48 hours. Addresses are
absolute, from ``NEWSROOM["BASE_URL"]``, whichever host the request came to.
"""

from datetime import timedelta

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.utils import timezone

from articles import site
from articles.models import Author, Section, Story

NEWS_WINDOW = timedelta(hours=48)


class _SiteSitemap(Sitemap):
    def get_protocol(self, protocol=None):
        return site.protocol()

    def get_domain(self, site_=None):
        return site.domain()


class StorySitemap(_SiteSitemap):
    limit = 1000
    changefreq = "hourly"

    def items(self):
        return (
            Story.objects.published()
            .only("pk", "slug", "first_published_at", "last_published_at")
            .order_by("-first_published_at", "-pk")
        )

    def lastmod(self, story):
        return story.last_published_at or story.first_published_at


class SectionSitemap(_SiteSitemap):
    changefreq = "hourly"

    def items(self):
        return (
            Section.objects.annotate(latest=Max("live_stories__last_published_at"))
            .filter(latest__isnull=False)
            .order_by("position", "name")
        )

    def lastmod(self, section):
        return section.latest


class AuthorSitemap(_SiteSitemap):
    changefreq = "daily"

    def items(self):
        return (
            Author.objects.annotate(latest=Max("live_stories__last_published_at"))
            .filter(latest__isnull=False)
            .order_by("name")
        )

    def lastmod(self, author):
        return author.latest


class NewsSitemap(_SiteSitemap):
    """Google News: stories first published in the last 48 hours, at most 1,000."""

    limit = 1000

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return (
            Story.objects.published()
            .filter(first_published_at__gte=since)
            .select_related("live_revision")
            .order_by("-first_published_at", "-pk")
        )

    def lastmod(self, story):
        return story.last_published_at or story.first_published_at


SITEMAPS = {
    "stories": StorySitemap,
    "sections": SectionSitemap,
    "authors": AuthorSitemap,
    "news": NewsSitemap,
}
