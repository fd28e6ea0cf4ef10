from django.conf import settings
from django.utils.functional import SimpleLazyObject

from articles.models import Section


def site(request):
    """Site name, tagline, base URL and the section menu for every template.

    The menu is fetched only when a template uses it, so responses that render no
    page (redirects, feeds, JSON) cost no query for it.
    """
    return {
        "site": settings.NEWSROOM,
        "nav_sections": SimpleLazyObject(lambda: list(Section.objects.all())),
    }
