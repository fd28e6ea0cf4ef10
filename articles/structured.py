"""What a story page tells search engines and social networks about itself.

Structured data (schema.org ``NewsArticle`` and ``BreadcrumbList`` as JSON-LD),
OpenGraph and Twitter card values and the meta description, all built here in
Python from the live page (``articles.live.LiveStory``) so templates only print
them. Every address is absolute, from ``NEWSROOM["BASE_URL"]``.
"""

import json
from dataclasses import dataclass, field

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from articles import editions
from articles.live import LiveStory
from articles.site import absolute

#: Search engines cut descriptions at about this length.
DESCRIPTION_LENGTH = 160

# As django.utils.html.json_script does: inside <script>, "</script>" or "<!--" in a
# headline must not end the element, so <, > and & never appear literally.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003C", ">": "\\u003E", "&": "\\u0026"})


def describe(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + "…"


def ld_json(data) -> SafeString:
    """JSON for a ``<script type="application/ld+json">`` element, safe inside HTML."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.translate(_SCRIPT_SAFE))


def site_logo_url() -> str:
    return absolute(static(settings.NEWSROOM.get("LOGO") or "img/logo.png"))


@dataclass
class PageMeta:
    """Canonical address, description and OpenGraph type of a page that is not a story."""

    canonical: str
    title: str
    description: str
    og_type: str = "website"
    image: str = field(default_factory=lambda: site_logo_url())


def page_meta(title: str, description: str, path: str, page_number: int = 1, **kw) -> PageMeta:
    """``path`` made absolute; pages after the first of a listing are their own canonical."""
    canonical = absolute(path) + (f"?page={page_number}" if page_number > 1 else "")
    return PageMeta(canonical=canonical, title=title, description=describe(description), **kw)


@dataclass
class ShareImage:
    url: str
    alt: str
    width: int | None = None
    height: int | None = None


@dataclass
class StoryMeta:
    """Everything the ``<head>`` of a story page says about the story."""

    canonical: str
    title: str
    description: str
    published: str | None
    modified: str | None
    author_urls: list[str]
    section: str
    tags: list[str]
    image: ShareImage | None
    structured_data: list[dict] = field(default_factory=list)

    @property
    def twitter_card(self) -> str:
        return "summary_large_image" if self.image else "summary"

    @property
    def ld_json(self) -> SafeString:
        return ld_json(self.structured_data)


def _share_image(page: LiveStory) -> ShareImage | None:
    image = page.image
    if image is None:
        return None
    # The 1200 × 630 link-preview card once it is made; the original until then.
    return ShareImage(
        url=absolute(image.social_url or image.url),
        alt=image.alt,
        width=image.social_width,
        height=image.social_height,
    )


def story_meta(page: LiveStory) -> StoryMeta:
    site = settings.NEWSROOM
    canonical = absolute(page.url)
    description = describe(page.lede or page.dek or page.headline)
    published = page.published_at.isoformat(timespec="seconds") if page.published_at else None
    modified = (
        (page.updated_at or page.published_at).isoformat(timespec="seconds")
        if page.published_at
        else None
    )
    section = page.section
    image = _share_image(page)
    authors = [
        {"@type": "Person", "name": b.name, **({"url": absolute(b.url)} if b.url else {})}
        for b in page.bylines
    ]

    article = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": page.headline,
        "description": description,
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "url": canonical,
        "inLanguage": editions.current(),  # the story's: it is rendered in its language
        "author": authors,
        "publisher": {
            "@type": "Organization",
            "name": site["SITE_NAME"],
            "url": absolute("/"),
            "logo": {"@type": "ImageObject", "url": site_logo_url()},
        },
    }
    if published:
        article["datePublished"] = published
        article["dateModified"] = modified
    if image:
        picture = {"@type": "ImageObject", "url": image.url}
        if image.width and image.height:
            picture.update(width=image.width, height=image.height)
        article["image"] = [picture]
    if section:
        article["articleSection"] = section.name
    if page.tags:
        article["keywords"] = [tag.name for tag in page.tags]

    crumbs = [("Home", absolute("/"))]
    if section:
        crumbs.append(
            (section.name, absolute(reverse("articles:section-detail", args=[section.slug])))
        )
    crumbs.append((page.headline, canonical))
    breadcrumbs = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": url}
            for i, (name, url) in enumerate(crumbs, start=1)
        ],
    }

    return StoryMeta(
        canonical=canonical,
        title=page.headline,
        description=description,
        published=published,
        modified=modified,
        author_urls=[absolute(b.url) for b in page.bylines if b.url],
        section=section.name if section else "",
        tags=[tag.name for tag in page.tags],
        image=image,
        structured_data=[article, breadcrumbs],
    )
