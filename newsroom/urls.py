from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from articles import editions, errors, feeds, hardening, site, staff_views
from articles.cache import tag
from articles.sitemaps import SITEMAPS

admin.site.site_header = "Newsroom"
admin.site.site_title = "Newsroom admin"
admin.site.index_title = "Newsroom desk"


@require_GET
@cache_control(public=True, max_age=3600)
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        f"Sitemap: {site.absolute('/sitemap.xml')}",
    ]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    # It shows no story: only a change to everything makes it stale.
    return tag(response, "robots")


_sitemap = cache_control(public=True, max_age=300)(sitemap_views.sitemap)

urlpatterns = [
    # Revision history, compare, restore and preview links, beside the story's admin pages.
    path("admin/articles/story/<int:story_id>/", include("articles.staff_urls")),
    path("admin/articles/story/<int:story_id>/comments/", include("articles.comment_urls")),
    # Before the admin's own: "view on site" only for what readers can see.
    path(
        "admin/r/<int:content_type_id>/<path:object_id>/",
        hardening.view_on_site,
    ),
    path(
        "admin/articles/notices/read/",
        admin.site.admin_view(staff_views.notices_read),
        name="notices-read",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include("interchange.urls")),
    path("newsletter/webhooks/", include("newsletters.webhook_urls")),
    path("p/", include("articles.preview_urls")),
    path("robots.txt", robots_txt, name="robots-txt"),
    path(
        "sitemap.xml",
        cache_control(public=True, max_age=300)(sitemap_views.index),
        {
            "sitemaps": SITEMAPS,
            "sitemap_url_name": "sitemap-section",
            "template_name": "articles/sitemap_index.xml",
        },
        name="sitemap",
    ),
    path(
        "sitemap-news.xml",
        _sitemap,
        {"sitemaps": SITEMAPS, "section": "news", "template_name": "sitemaps/news.xml"},
        name="sitemap-news",
    ),
    path(
        "sitemap-<section>.xml",
        _sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
]

# The reading site, once per edition: the default language's at the root, every other
# language's under its prefix (/fa/, /fa/sections/world/, /fa/feed/…). The language
# comes from the address alone (articles.middleware.EditionMiddleware).
urlpatterns += i18n_patterns(
    path("feed/", feeds.LatestStoriesFeed(), name="feed"),
    path("sections/<str:slug>/feed/", feeds.SectionFeed(), name="section-feed"),
    path("authors/<str:slug>/feed/", feeds.AuthorFeed(), name="author-feed"),
    path("tags/<str:slug>/feed/", feeds.TagFeed(), name="tag-feed"),
    path("newsletter/", include("newsletters.urls")),
    path("", include("articles.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)


def not_found(request, exception=None):
    # A missing address may become a story's: every publication makes it stale.
    return tag(errors.not_found(request, exception), "notfound")


handler404 = not_found


@requires_csrf_token
def server_error(request):
    """Django's 500, with the way back to the home page of the page's edition. Made
    without the context processors (they query the database, which may be what broke)."""
    body = render_to_string("500.html", {"home": editions.home_path()})
    return HttpResponseServerError(body)


handler500 = server_error
