"""The Persian edition for readers: right to left, Persian interface, Solar Hijri dates
in Persian digits, the self-hosted Vazirmatn font, and links between the editions.

The browser's view of the same pages (axe, the Nu HTML Checker, computed direction,
nothing overflowing sideways) is in ``tests/browser/test_persian_pages.py``.
"""

import datetime
import posixpath
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.management import call_command
from django.template import Context, Template
from django.templatetags.static import static
from django.test import Client
from django.utils import translation

from tests.factories import make_author, make_section, make_story

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "fa" / "LC_MESSAGES"
FONT = "fonts/vazirmatn-arabic-400-normal.woff2"
#: 4 October 2025, 14:30 UTC: 12 Mehr 1404 in the Solar Hijri calendar.
WHEN = datetime.datetime(2025, 10, 4, 14, 30, tzinfo=datetime.UTC)


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def html_tag(text: str) -> str:
    return re.search(r"<html[^>]*>", text).group(0)


def persian_story(headline="قیمت نان دوباره بالا رفت", **fields):
    with time_machine.travel(WHEN, tick=False):
        return make_story(headline, language="fa", publish=True, **fields)


def render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load editions %}" + source).render(Context(context))


# --- dates and numbers ----------------------------------------------------------------


def test_persian_date_is_solar_hijri_in_persian_digits():
    assert render("{{ when|edition_date:'N j, Y' }}", "fa", when=WHEN) == "۱۲ مهر ۱۴۰۴"


def test_persian_date_with_time_shows_a_24_hour_clock_and_the_zone():
    shown = render("{{ when|edition_date:'N j, Y, P T' }}", "fa", when=WHEN)
    assert shown == "۱۲ مهر ۱۴۰۴، ساعت ۱۴:۳۰ (UTC)"


def test_persian_new_year_is_the_first_of_farvardin():
    nowruz = datetime.datetime(2025, 3, 21, 12, 0, tzinfo=datetime.UTC)
    assert render("{{ when|edition_date:'N j, Y' }}", "fa", when=nowruz) == "۱ فروردین ۱۴۰۴"


def test_english_date_keeps_the_django_format():
    shown = render("{{ when|edition_date:'N j, Y, P T' }}", "en", when=WHEN)
    assert shown == "Oct. 4, 2025, 2:30 p.m. UTC"


def test_numbers_are_grouped_in_each_editions_digits():
    assert render("{{ n|edition_number }}", "fa", n=12345) == "۱۲٬۳۴۵"
    assert render("{{ n|edition_number }}", "en", n=12345) == "12,345"


# --- the page frame -----------------------------------------------------------------


def test_persian_home_is_right_to_left(client):
    assert html_tag(page(client, "/fa/")) == '<html lang="fa" dir="rtl">'


def test_english_home_stays_left_to_right(client):
    assert html_tag(page(client, "/")) == '<html lang="en" dir="ltr">'


@pytest.mark.parametrize(
    "path", ["/fa/sections/{section}/", "/fa/authors/{author}/", "/fa/search/?q=نان"]
)
def test_persian_listing_pages_are_right_to_left_in_persian(client, path):
    section = make_section("اقتصاد", slug="economy")
    author = make_author("مهبوبه حبیبی", slug="mahboubeh-habibi")
    persian_story(section=section, authors=[author])
    text = page(client, path.format(section=section.slug, author=author.slug))
    assert html_tag(text) == '<html lang="fa" dir="rtl">'
    assert 'placeholder="جست‌وجوی خبرها"' in text
    assert ">رفتن به محتوا</a>" in text


def test_persian_story_page_is_right_to_left_with_solar_hijri_date(client):
    story = persian_story(authors=[make_author("Hossein Amiri")])
    assert story.get_absolute_url().startswith("/fa/2025/10/04/")
    text = page(client, story.get_absolute_url())
    assert html_tag(text) == '<html lang="fa" dir="rtl">'
    # The machine-readable date stays ISO; the reader's is Persian.
    assert '<time datetime="2025-10-04T14:30:00+0000"' in text
    assert ">۱۲ مهر ۱۴۰۴، ساعت ۱۴:۳۰ (UTC)</time>" in text
    # A Latin name in a Persian byline is isolated from the text around it.
    assert 'نوشتهٔ <a class="byline__name"' in text
    assert "><bdi>Hossein Amiri</bdi></a>" in text


def test_persian_search_counts_in_persian_digits(client):
    persian_story("بازار نان در تهران")
    text = page(client, "/fa/search/?q=نان")
    assert "نتیجه‌های «<bdi>نان</bdi>»" in text
    assert ">۱ خبر</h2>" in text


def test_persian_listing_pager_numbers_its_page_in_persian(client):
    section = make_section("اقتصاد", slug="economy")
    for n in range(21):
        persian_story(f"خبر شمارهٔ {n}", section=section)
    text = page(client, "/fa/sections/economy/?page=2")
    assert '<span class="pagination__status">صفحهٔ ۲</span>' in text
    assert 'rel="prev" href="?page=1"' in text
    assert 'rel="next"' not in text


# --- the editions linked both ways ------------------------------------------------------


def hreflangs(text: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', text))


def test_listing_pages_link_their_other_edition_both_ways(client):
    english, persian = hreflangs(page(client, "/")), hreflangs(page(client, "/fa/"))
    assert english == persian
    assert {code: urlsplit(url).path for code, url in english.items()} == {
        "en": "/",
        "fa": "/fa/",
        "x-default": "/",
    }
    assert all(urlsplit(url).scheme in ("http", "https") for url in english.values())


def test_language_switcher_links_the_page_in_the_other_language(client):
    english = page(client, "/")
    assert '<nav class="language-switcher" aria-label="Languages">' in english
    assert re.search(r'<a href="https?://[^"/]+/fa/" hreflang="fa" lang="fa">فارسی</a>', english)
    assert '<span class="language-switcher__current" lang="en" aria-current="page">' in english
    persian = page(client, "/fa/")
    assert '<nav class="language-switcher" aria-label="زبان‌ها">' in persian
    assert re.search(r'<a href="https?://[^"/]+/" hreflang="en" lang="en">English</a>', persian)


def test_translated_story_links_its_translation_both_ways(client, settings):
    base = settings.NEWSROOM["BASE_URL"]
    with time_machine.travel(WHEN, tick=False):
        original = make_story("Bread prices rise again", publish=True)
    translated = persian_story(translation_source=original)
    en_url, fa_url = original.get_absolute_url(), translated.get_absolute_url()
    expected = {"en": base + en_url, "fa": base + fa_url, "x-default": base + en_url}
    assert hreflangs(page(client, en_url)) == expected
    assert hreflangs(page(client, fa_url)) == expected
    assert f'<a href="{base}{fa_url}" hreflang="fa" lang="fa">فارسی</a>' in page(client, en_url)


def test_story_without_translation_has_no_switcher(client):
    with time_machine.travel(WHEN, tick=False):
        story = make_story("Harbour reopens", publish=True)
    text = page(client, story.get_absolute_url())
    assert 'class="language-switcher"' not in text
    assert "hreflang=" not in text


def test_english_story_page_keeps_english_dates_and_labels(client):
    with time_machine.travel(WHEN, tick=False):
        story = make_story("Harbour reopens", publish=True, authors=[make_author("Ana Ruiz")])
    text = page(client, story.get_absolute_url())
    assert '<html lang="en" dir="ltr">' in text
    assert ">Oct. 4, 2025, 2:30 p.m. UTC</time>" in text
    assert 'By <a class="byline__name"' in text


# --- the font and the stylesheet ----------------------------------------------------------


def test_pages_allow_the_self_hosted_font(client):
    policy = client.get("/fa/")["Content-Security-Policy"]
    assert "font-src 'self'" in policy


def test_font_licence_is_committed_beside_the_fonts():
    licence = (ROOT / "static" / "fonts" / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Vazirmatn" in licence


def test_stylesheet_uses_logical_properties_only():
    css = (ROOT / "static" / "css" / "site.css").read_text()
    without_comments = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    physical = [
        line.strip()
        for line in without_comments.splitlines()
        if re.search(r"\b(left|right)\b", line)
    ]
    assert physical == []


def test_stylesheet_font_urls_name_committed_files():
    css = (ROOT / "static" / "css" / "site.css").read_text()
    urls = re.findall(r'url\("\.\./(fonts/[^"]+)"\)', css)
    assert urls and all((ROOT / "static" / url).is_file() for url in urls)


@pytest.mark.slow  # collectstatic: seconds
def test_font_is_served_as_woff2_and_cached_for_a_year_in_production(settings, tmp_path):
    """As deployed: collected, named by its hash (the stylesheet's url() rewritten to
    match) and served by WhiteNoise, immutable, to this site's pages (CORS for fonts)."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        # As in production less the compressed copies (which cost half a minute here).
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    browser = Client()  # a new handler: WhiteNoise reads the folder at start
    css = b"".join(browser.get(static("css/site.css")).streaming_content).decode()
    hashed = re.search(
        r'url\("(\.\./fonts/vazirmatn-arabic-400-normal\.[0-9a-f]{12}\.woff2)"\)', css
    )
    assert hashed, "the stylesheet should name the font by its hashed name"
    response = browser.get(posixpath.normpath(static("css/") + hashed.group(1)))
    assert response.status_code == 200
    assert response["Content-Type"] == "font/woff2"
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert b"".join(response.streaming_content)[:4] == b"wOF2"


# --- the translations ------------------------------------------------------------------------


@pytest.mark.slow  # gettext's tools in subprocesses
def test_committed_catalogue_is_the_po_compiled(tmp_path):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "gettext is missing: apt-get install gettext (scripts/test-prerequisites does)"
    compiled = tmp_path / "django.mo"
    subprocess.run(
        [msgfmt, "--check", "-o", str(compiled), str(CATALOGUE / "django.po")], check=True
    )
    assert compiled.read_bytes() == (CATALOGUE / "django.mo").read_bytes(), (
        "locale/fa/LC_MESSAGES/django.mo is stale: run manage.py compilemessages -l fa"
    )


@pytest.mark.slow  # gettext's tools in subprocesses
def test_every_reader_template_string_has_a_persian_translation():
    msgattrib = shutil.which("msgattrib")
    assert msgattrib, (
        "gettext is missing: apt-get install gettext (scripts/test-prerequisites does)"
    )
    untranslated = subprocess.run(
        [msgattrib, "--untranslated", "--no-obsolete", str(CATALOGUE / "django.po")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    reader = [
        entry
        for entry in untranslated.split("\n\n")
        if re.search(r"^#: .*(templates/base\.html|templates/articles/)", entry, re.M)
    ]
    assert reader == []
