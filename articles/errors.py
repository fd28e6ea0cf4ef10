"""The site's 404: a page for readers, problem details for the API, and a page even
while the database is down."""

import json

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control


def revalidated(response):
    """A page saying something is not there (404, 410) is asked for again every time:
    a browser keeps a 410 without caching instructions for good, and what is missing
    may come back (a story restored from the trash and published again)."""
    if not response.has_header("Cache-Control"):
        patch_cache_control(response, max_age=0)
    return response


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        problem = {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "There is nothing at this address. The API is described at "
            "/api/v1/openapi.json.",
        }
        return HttpResponse(
            json.dumps(problem), status=404, content_type="application/problem+json"
        )
    try:
        response = render(request, "404.html", status=404)
    except DatabaseError:
        # The section menu queries the database: without it, the page without the menu.
        body = render_to_string("404.html", {"site": settings.NEWSROOM, "nav_sections": []})
        response = HttpResponse(body, status=404)
    return revalidated(response)
