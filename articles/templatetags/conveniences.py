"""Filters for the reader conveniences on a story page (``articles.conveniences``)."""

from django import template

from articles import conveniences
from articles.site import absolute

register = template.Library()


@register.filter
def reading(page) -> conveniences.Reading:
    """The reading time of a story page (``articles.live.LiveStory``)."""
    return conveniences.reading_of(page.lede, [section.body for section in page.sections])


@register.filter
def sharing(page) -> conveniences.Sharing:
    """The links that share a story page at its public address."""
    return conveniences.sharing(absolute(page.url), page.headline)


@register.filter
def correction_flag(page) -> str:
    return conveniences.correction_flag(page.corrections)
