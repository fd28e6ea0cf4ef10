from django.conf import settings


def site(request):
    """Site name, tagline and base URL for every template."""
    return {"site": settings.NEWSROOM}
