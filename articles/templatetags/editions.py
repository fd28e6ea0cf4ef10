"""Dates, numbers and language links as each edition writes them.

The Persian edition (``fa``) shows dates in the Solar Hijri calendar (jdatetime) and
every number in Persian digits; the others keep Django's ``date`` formats and Western
digits. A ``<time datetime>`` attribute stays ISO whatever the edition
(``reader.machine_time``): that is for machines.
"""

import datetime

import jdatetime
from django import template
from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation

from articles import persian

register = template.Library()

#: Django ``date`` format characters that show the time of day.
TIME_CHARACTERS = frozenset("aAfgGhHiPsu")


def solar_hijri(value: datetime.datetime | datetime.date, *, with_time: bool, zone: bool) -> str:
    """``value`` in the Solar Hijri calendar, in Persian: "۱۲ مهر ۱۴۰۴", and with the
    time "۱۲ مهر ۱۴۰۴، ساعت ۱۴:۳۰" (24-hour clock, as Persian papers print it)."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        day = jdatetime.datetime.fromgregorian(datetime=value)
    else:
        day = jdatetime.date.fromgregorian(date=value)
        with_time = zone = False
    text = f"{day.day} {jdatetime.date.j_months_fa[day.month - 1]} {day.year}"
    if with_time:
        text += f"، ساعت {day.hour:02d}:{day.minute:02d}"
        if zone:
            text += f" ({value.strftime('%Z') or timezone.get_current_timezone_name()})"
    return persian.persian_digits(text)


@register.filter(expects_localtime=True)
def edition_date(value, format: str = "N j, Y") -> str:
    """A date for readers in the page's language: ``format`` (Django's ``date``) in
    the English edition; day, month and year of the Solar Hijri calendar in Persian
    digits in the Persian edition, with the time when ``format`` shows one."""
    if not value:
        return ""
    if not persian.is_active():
        return date_filter(value, format)
    return solar_hijri(value, with_time=bool(TIME_CHARACTERS & set(format)), zone="T" in format)


@register.filter
def edition_number(value) -> str:
    """A whole number with its thousands grouped: "1,234" in English, "۱٬۲۳۴" in Persian."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return value
    if persian.is_active():
        return persian.persian_digits(f"{number:,}".replace(",", "٬"))
    return f"{number:,}"


@register.simple_tag(takes_context=True)
def edition_links(context, alternates=None) -> dict | None:
    """The page in each edition that has it, for ``hreflang`` and the language switcher:
    ``{"links": [{"language", "name", "url", "current"}…], "x_default": url}``, or None
    when the page exists in one language only.

    ``alternates`` (the view's, as ``articles.editions`` makes them) may list the page
    in its own language too; when it does not, the current address stands for it.
    """
    alternates = list(alternates or ())
    current = translation.get_language() or settings.LANGUAGE_CODE
    if not any(a["language"] != current for a in alternates):
        return None
    links = [{**a, "current": a["language"] == current} for a in alternates]
    if not any(link["current"] for link in links):
        request = context.get("request")
        here = request.build_absolute_uri() if request is not None else ""
        names = dict(settings.LANGUAGES)
        links.append(
            {"language": current, "name": names.get(current, current), "url": here, "current": True}
        )
    order = [code for code, _ in settings.LANGUAGES]
    links.sort(key=lambda link: order.index(link["language"]) if link["language"] in order else 99)
    x_default = next(
        (link["url"] for link in links if link["language"] == settings.LANGUAGE_CODE), None
    )
    return {"links": links, "x_default": x_default}
