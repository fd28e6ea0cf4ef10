"""Sitemaps of the reading site, built on django.contrib.sitemaps.

``/sitemap.xml`` is an index of stories (in pages), sections, authors and a Google
News sitemap of the stories first published in the last 48 hours. Addresses are
absolute, from ``NEWSROOM["BASE_URL"]``, whichever host the request came to.
"""

from datetime import timedelta

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, Max, OuterRef, Subquery
from django.utils import timezone

from articles import site, snapshot
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


class StorySitemap(_StoriesSitemap):
    changefreq = "hourly"

    def items(self):
        return (
            Story.objects.published()
            .only("pk", "slug", "first_published_at", "last_published_at")
            .order_by("-first_published_at", "-pk")
        )


class SectionSitemap(_SiteSitemap):
    """Sections with a published story; lastmod is their newest story's publication,
    read from ``story_section_live_idx`` (one short index walk per section)."""

    changefreq = "hourly"

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
    """Authors with a published story. No lastmod: finding each author's newest story
    costs a sort of all their stories, and a wrong lastmod is worse than none."""

    changefreq = "daily"

    def items(self):
        published = Story.objects.published().filter(live_authors=OuterRef("pk"))
        return Author.objects.filter(Exists(published)).order_by("name", "pk")


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
