"""Independent checks of what the reading site serves, on the demo content.

- HTML: every kind of reading page passes the Nu HTML Checker (``vnu.jar`` from the
  npm package ``vnu-jar``, run with the machine's ``java``). The JVM takes seconds
  to start, so the pages are fetched once, written to ``test-artifacts/html/``, and
  checked in a single run; each test then looks up its own page's messages.
- Feeds: every section and author feed parses with feedparser without a "bozo"
  (malformed feed) flag.
- Sitemaps: the index and every sitemap validate against the sitemaps.org schemas,
  and the Google News sitemap also against Google's news schema (see
  ``tests/schemas/README.md``).

The demo content is loaded once for the module; ``tests/browser/demo_site.py``
explains how it is shared and cleaned up.
"""

import copy
import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from django.test import Client
from lxml import etree

from tests.browser.demo_site import (
    ARTIFACTS,
    PAGE_NAMES,
    ROOT,
    demo_content,
)

pytestmark = pytest.mark.django_db

VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCHEMAS = Path(__file__).resolve().parent / "schemas"

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
NS = {"sm": SITEMAP_NS, "news": NEWS_NS}


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    with demo_content(django_db_blocker) as content:
        yield content


@pytest.fixture(scope="module")
def vnu_messages(demo_site, django_db_blocker) -> dict[str, list[dict]]:
    """The Nu HTML Checker's messages for each page, by page name, from one run."""
    java = shutil.which("java")
    if java is None:
        pytest.fail(
            "java is missing: the HTML checks run vnu.jar (apt-get install default-jre-headless)."
        )
    if not VNU_JAR.exists():
        pytest.fail(f"{VNU_JAR.relative_to(ROOT)} is missing: run `npm ci` in {ROOT}.")

    folder = ARTIFACTS / "html"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    client = Client()
    with django_db_blocker.unblock():
        for name, path in demo_site.paths.items():
            response = client.get(path)
            expected = 404 if name == "not-found" else 200
            assert response.status_code == expected, f"{path} answered {response.status_code}"
            (folder / f"{name}.html").write_bytes(response.content)

    files = sorted(folder.glob("*.html"))
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"vnu.jar failed (exit {result.returncode}):\n{result.stderr[-2000:]}")
    (ARTIFACTS / "vnu.json").write_text(json.dumps(report, indent=2), encoding="utf-8")

    messages = {file.stem: [] for file in files}
    for message in report["messages"]:
        messages.setdefault(Path(urlsplit(message.get("url", "")).path).stem, []).append(message)
    return messages


def _describe(message: dict) -> str:
    where = f"line {message.get('lastLine', '?')}"
    extract = (message.get("extract") or "").replace("\n", " ").strip()
    return f"  {where}: {message['message']}\n    {extract}"


@pytest.mark.slow  # vnu.jar in a Java process
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_is_valid_html(name, vnu_messages):
    messages = vnu_messages[name]
    # Type "info" with subType "warning" is advice; "error" and "non-document-error"
    # (the checker could not read the page) fail.
    errors = [m for m in messages if m["type"] != "info"]
    warnings = [m for m in messages if m["type"] == "info" and m.get("subType") == "warning"]
    for warning in warnings:
        print(f"warning on {name}:\n{_describe(warning)}")
    assert not errors, f"The Nu HTML Checker found {len(errors)} error(s) in {name}:\n" + "\n".join(
        map(_describe, errors)
    )


# --- feeds ---------------------------------------------------------------------------


def _feed_problem(client, url: str) -> str | None:
    response = client.get(url)
    if response.status_code != 200:
        return f"status {response.status_code}"
    feed = feedparser.parse(response.content)
    if feed.bozo:
        return f"not well-formed: {feed.bozo_exception}"
    if feed.version != "rss20":
        return f"not RSS 2.0 but {feed.version!r}"
    if not feed.entries:
        return "no entries"
    return None


def test_every_section_feed_parses_cleanly(client, demo_site):
    assert demo_site.section_feeds
    problems = {url: _feed_problem(client, url) for url in demo_site.section_feeds}
    assert not {url: p for url, p in problems.items() if p}


def test_every_author_feed_parses_cleanly(client, demo_site):
    assert demo_site.author_feeds
    problems = {url: _feed_problem(client, url) for url in demo_site.author_feeds}
    assert not {url: p for url, p in problems.items() if p}


# --- sitemaps ------------------------------------------------------------------------


def _schema(filename: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / filename)))


SITEINDEX = _schema("siteindex.xsd")
SITEMAP = _schema("sitemap.xsd")
#: sitemap.xsd with the xhtml:link language alternates (tests/schemas/README.md).
HREFLANG_SITEMAP = _schema("hreflang-sitemap.xsd")
NEWS_SITEMAP = _schema("news-sitemap.xsd")


def _xml(client, path: str) -> etree._Element:
    response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    return etree.fromstring(response.content)


def _assert_valid(schema: etree.XMLSchema, doc: etree._Element, what: str) -> None:
    valid = schema.validate(doc)
    errors = "\n".join(f"  line {e.line}: {e.message}" for e in schema.error_log)
    assert valid, f"{what} does not match its schema:\n{errors}"


def _listed_sitemaps(client) -> list[str]:
    index = _xml(client, "/sitemap.xml")
    return [urlsplit(loc).path for loc in index.xpath("sm:sitemap/sm:loc/text()", namespaces=NS)]


def test_sitemap_index_is_valid(client, demo_site):
    _assert_valid(SITEINDEX, _xml(client, "/sitemap.xml"), "/sitemap.xml")


def test_sitemap_index_lists_stories_sections_authors_and_news(client, demo_site):
    assert set(_listed_sitemaps(client)) >= {
        "/sitemap-stories.xml",
        "/sitemap-sections.xml",
        "/sitemap-authors.xml",
        "/sitemap-news.xml",
    }


def test_every_listed_sitemap_is_valid(client, demo_site):
    for path in _listed_sitemaps(client):
        doc = _xml(client, path)
        _assert_valid(NEWS_SITEMAP if path == "/sitemap-news.xml" else HREFLANG_SITEMAP, doc, path)
        assert doc.xpath("sm:url", namespaces=NS), f"{path} lists nothing"


def test_news_sitemap_has_a_valid_news_entry_for_every_url(client, demo_site):
    doc = _xml(client, "/sitemap-news.xml")
    urls = doc.xpath("sm:url", namespaces=NS)
    assert urls
    assert all(len(url.xpath("news:news", namespaces=NS)) == 1 for url in urls)
    _assert_valid(NEWS_SITEMAP, doc, "/sitemap-news.xml")


def test_sitemaps_carry_reciprocal_language_alternates(client, demo_site):
    """The demo's Persian story and its English original list each other (and
    themselves) with x-default on the original; the schema checks every alternate."""
    doc = _xml(client, "/sitemap-stories.xml")
    xhtml = {**NS, "x": "http://www.w3.org/1999/xhtml"}
    linked = {}
    for url in doc.xpath("sm:url[x:link]", namespaces=xhtml):
        (loc,) = url.xpath("sm:loc/text()", namespaces=xhtml)
        linked[loc] = {
            link.get("hreflang"): link.get("href") for link in url.xpath("x:link", namespaces=xhtml)
        }
    assert len(linked) >= 2
    for loc, alternates in linked.items():
        assert loc in alternates.values()
        assert set(alternates) >= {"en", "fa", "x-default"}
        assert alternates["x-default"] == alternates["en"]
        # Reciprocal: every alternate lists the same set.
        for other in alternates.values():
            if other in linked:
                assert linked[other] == alternates
    _assert_valid(HREFLANG_SITEMAP, doc, "/sitemap-stories.xml")


def test_hreflang_schema_rejects_an_alternate_without_an_address(client, demo_site):
    doc = copy.deepcopy(_xml(client, "/sitemap-stories.xml"))
    (link, *_) = doc.xpath("//x:link", namespaces={"x": "http://www.w3.org/1999/xhtml"})
    del link.attrib["href"]
    assert not HREFLANG_SITEMAP.validate(doc)


def test_news_sitemap_names_each_story_language(client, demo_site):
    doc = _xml(client, "/sitemap-news.xml")
    languages = doc.xpath("//news:language/text()", namespaces=NS)
    assert set(languages) == {"en", "fa"}


def test_news_schema_rejects_a_news_entry_without_title(client, demo_site):
    """The news elements really are checked: a required one missing is an error."""
    doc = copy.deepcopy(_xml(client, "/sitemap-news.xml"))
    (title,) = doc.xpath("sm:url[1]/news:news/news:title", namespaces=NS)
    title.getparent().remove(title)
    assert not NEWS_SITEMAP.validate(doc)
    assert "title" in str(NEWS_SITEMAP.error_log)
