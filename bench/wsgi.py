"""The site's WSGI application for benchmark servers, with one switch of its own.

``BENCH_RENDER_ONCE=0`` turns off the stored renderings (``articles.rendering``):
every request renders the story's article and cards from their templates, and
nothing is stored. With ``NEWSROOM_PAGE_CACHE_SECONDS=0`` as well, no cache of the
project's is left: the "uncached" figures of ``bench/load.py``. Otherwise this is
``newsroom.wsgi`` unchanged.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

if os.environ.get("BENCH_RENDER_ONCE", "1") == "0":
    from articles import rendering

    def _never_fresh(story, stored) -> bool:
        return False

    def _keep_nothing(made):
        return [made_rendering for made_rendering, _ in made]

    rendering.is_fresh = _never_fresh
    rendering._store = _keep_nothing
