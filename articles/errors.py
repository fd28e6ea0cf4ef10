"""The site's 404: a page for readers, problem details for the API, and a page even
while the database is down."""

import json

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string


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
        return render(request, "404.html", status=404)
    except DatabaseError:
        # The section menu queries the database: without it, the page without the menu.
        body = render_to_string("404.html", {"site": settings.NEWSROOM, "nav_sections": []})
        return HttpResponse(body, status=404)
