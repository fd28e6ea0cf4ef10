"""The site's URLs plus ``/bench/ceiling/``: the cheapest response Django can give.

It runs through the same middleware as every page, so its requests per second
under a server are the most any page can reach under that server.
"""

from django.http import HttpResponse
from django.urls import include, path


def ceiling(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/ceiling/", ceiling, name="bench-ceiling"),
    path("", include("newsroom.urls")),
]
