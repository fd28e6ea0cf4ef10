"""RSS 2.0 feeds of published stories: the latest, per section, per author and per tag.

Every byline is a ``dc:creator``; the description is the lede plus "Why it matters";
``content:encoded`` carries the whole story. Items are built from the live revisions
with a fixed number of queries, however many items and bylines.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed, Stylesheet
from django.utils.html import escape
from django.utils.translation import gettext as _

from articles import editions, live, snapshot
from articles.cache import tag
from articles.hardening import xml_text
from articles.models import Author, Section, Story, Tag
from articles.site import absolute, tagline

FEED_LENGTH = 30


def _xml_safe(value):
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, list | tuple):
        return [_xml_safe(item) for item in value]
    return value


class NewsroomRssFeed(Rss201rev2Feed):
    """RSS 2.0 with every byline and the whole story, and without the control characters
    a pasted headline or name may carry: XML cannot, and Django refuses the feed."""

    # Browsers apply the feed's stylesheet (static/feed.xsl: a page for a person who
    # opened the feed) only to a document served as XML: Chromium shows an
    # application/rss+xml one as raw text, and Firefox offers to download it. Feed
    # readers tell RSS by its content, and pages announce it with
    # <link rel="alternate" type="application/rss+xml">.
    content_type = "application/xml; charset=utf-8"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.feed = {key: _xml_safe(value) for key, value in self.feed.items()}

    def add_item(self, *args, **kwargs):
        super().add_item(*args, **kwargs)
        self.items[-1] = {key: _xml_safe(value) for key, value in self.items[-1].items()}

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:dc": "http://purl.org/dc/elements/1.1/",
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def add_item_elements(self, handler, item):
        creators = item.pop("creators", [])
        content = item.pop("content_encoded", "")
        super().add_item_elements(handler, item)
        for name in creators:
            handler.addQuickElement("dc:creator", name)
        if content:
            handler.addQuickElement("content:encoded", content)


class LatestStoriesFeed(Feed):
    feed_type = NewsroomRssFeed
    #: The listing a scoped feed shares its page cache tag with ("section", "author"…).
    scope = ""

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # The feed generator writes the XML in about 1,500 small pieces; join them once,
        # or the server sends each piece in its own call, cached or not.
        response.content = response.content
        response["Cache-Control"] = "public, max-age=300"
        # What the feed lists: a publication there makes it stale (articles.cache.tags).
        scope = f"{self.scope}-{kwargs['slug']}" if self.scope else "feed"
        return tag(response, "feed", scope)

    def stylesheets(self, obj=None):
        # Worked out per request: the static files' hashed names exist once collected.
        return [Stylesheet(static("feed.xsl"), mimetype="text/xsl")]

    def title(self, obj=None):
        return settings.NEWSROOM["SITE_NAME"]

    def link(self, obj=None):
        return absolute(reverse("articles:home"))

    def feed_url(self, obj=None):
        return absolute(reverse("feed"))

    def description(self, obj=None):
        return tagline()

    def stories(self, obj):
        return Story.objects.latest_published()

    def items(self, obj=None):
        stories = list(self.stories(obj).in_language(editions.current())[:FEED_LENGTH])
        self._contents = {story.pk: snapshot.of(story.live_revision) for story in stories}
        # One query resolves every "Go deeper" story across all items.
        target_ids = set().union(*(content.linked_story_ids for content in self._contents.values()))
        self._targets = (
            Story.objects.published().addresses().in_bulk(target_ids) if target_ids else {}
        )
        # Each byline as the story's page shows it (in the edition's name): one query.
        self._authors = live.authors_of(list(self._contents.values()))
        return stories

    def item_title(self, item):
        return self._contents[item.pk].headline

    def item_link(self, item):
        return absolute(item.get_absolute_url())

    def item_guid(self, item):
        return absolute(item.get_absolute_url())

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at

    def item_categories(self, item):
        content = self._contents[item.pk]
        section = [content.section.name] if content.section else []
        return section + [tag.name for tag in content.tags]

    def item_description(self, item):
        content = self._contents[item.pk]
        parts = [content.lede]
        why = content.part(snapshot.WHY_IT_MATTERS)
        if why:
            parts.append(f"{why.label}: {why.text}")
        return escape("\n\n".join(p for p in parts if p))

    def item_extra_kwargs(self, item):
        content = self._contents[item.pk]
        links = []
        for link in content.links:
            target = self._targets.get(link.story_id) if link.story_id else None
            url = absolute(target.get_absolute_url()) if target else link.url or None
            links.append({"title": link.title, "url": url})
        rendered = render_to_string(
            "feeds/story_content.html", {"snapshot": content, "links": links}
        )
        return {
            "creators": [byline.name for byline in live.bylines(content, self._authors)],
            "content_encoded": rendered,
        }


class _ScopedFeed(LatestStoriesFeed):
    """The latest stories of one section or author, found by slug."""

    model = None

    def get_object(self, request, slug):
        return get_object_or_404(self.model, slug=slug)

    def title(self, obj=None):
        return f"{super().title()}: {self.name_of(obj)}"

    def name_of(self, obj) -> str:
        """What the feed's title calls ``obj``: in the edition's language where it has a
        name there (sections, authors), else its name."""
        return getattr(obj, "local_name", obj.name)

    def link(self, obj=None):
        return absolute(obj.get_absolute_url())

    def feed_url(self, obj=None):
        return absolute(obj.get_absolute_url() + "feed/")


class SectionFeed(_ScopedFeed):
    model = Section
    scope = "section"

    def stories(self, obj):
        return Story.objects.latest_published().filter(live_section=obj)

    def description(self, obj=None):
        return obj.local_description or _("The latest %(section)s stories.") % {
            "section": obj.local_name
        }


class AuthorFeed(_ScopedFeed):
    model = Author
    scope = "author"

    def stories(self, obj):
        return Story.objects.by_author(obj)

    def description(self, obj=None):
        return _("Stories by %(name)s.") % {"name": obj.local_name}


class TagFeed(_ScopedFeed):
    model = Tag
    scope = "tag"

    def stories(self, obj):
        return Story.objects.by_tag(obj)

    def description(self, obj=None):
        return _("Stories about %(tag)s.") % {"tag": obj.name}
