# --- appended by bench/wagtail/build.sh -------------------------------------------
import os as _os

import dj_database_url as _dj_database_url

DEBUG = False
SECRET_KEY = _os.environ.get("DJANGO_SECRET_KEY", "bench-wagtail-not-secret")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {
    "default": _dj_database_url.parse(_os.environ["WAGTAIL_DATABASE_URL"], conn_max_age=60)
}
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.postgres"]  # noqa: F821 (the settings above)
