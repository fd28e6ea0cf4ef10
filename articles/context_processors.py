from django.conf import settings
from django.utils.functional import SimpleLazyObject

from articles import editions
from articles.models import Section
from articles.site import tagline


def site(request):
    """Site name, tagline (the edition's), base URL and the section menu for every template.

    The menu is fetched only when a template uses it, so responses that render no
    page (redirects, feeds, JSON) cost no query for it.
    """
    return {
        "site": {**settings.NEWSROOM, "TAGLINE": tagline()},
        "nav_sections": SimpleLazyObject(lambda: list(Section.objects.all())),
    }


def edition(request):
    """The page's language and its alternates in the other editions (for ``hreflang``
    and the language switcher). Listing pages exist in every edition; a story page
    passes its own ``alternates`` (its published translations), which win."""
    return {
        "alternates": SimpleLazyObject(lambda: editions.page_alternates(request)),
        "default_language": settings.LANGUAGE_CODE,
    }
