"""The ceiling: the smallest Django app worth the name, served like the site.

One view returning a fixed string, with only ``SecurityMiddleware`` and
``CommonMiddleware``: no database, no cache, no templates. ``bench/load.py`` runs it
under the same gunicorn settings as the site, beside it, and alternates rounds
between the two, so each page's requests per second are compared with what Django
itself costs on the same machine at the same moment.

    DJANGO_SETTINGS_MODULE=bench.ceiling_app gunicorn bench.ceiling_app:application

It is its own settings module, URLconf and WSGI application.
"""

import os

from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "bench-ceiling-not-secret"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
INSTALLED_APPS: list[str] = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
DATABASES: dict = {}
USE_TZ = True
LOGGING_CONFIG = None


def ceiling(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("", ceiling), path("bench/ceiling/", ceiling)]

application = get_wsgi_application()
