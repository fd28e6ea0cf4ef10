"""Filters for the reading site's templates."""

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def machine_time(value):
    """A ``<time datetime>`` value: local time to the second, with its UTC offset.

    The same text as ``date:'Y-m-d\\TH:i:sO'`` at a tenth of the cost: cards show
    one each, and the home page shows forty cards.
    """
    if not value:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M:%S%z")


@register.filter(expects_localtime=True)
def iso_time(value):
    """ISO 8601 with microseconds and the UTC offset: the same text as ``date:'c'`` at a
    fraction of the cost (the sitemap index dates a thousand pages at a million
    stories)."""
    return value.isoformat() if value else ""
