"""Editions: what ``build_digest`` prints on the demo content, what an edition carries
(the editor's order, sections, corrections since the last edition), what it never
carries (a story taken down), and the HTML mail checked by the Nu HTML Checker."""

import json
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from articles import demo, workflow
from articles.models import Story
from newsletters import digest, editions, guards, render
from newsletters.models import Edition, EditionItem, Newsletter, Subscriber
from tests.conftest import module_rows
from tests.factories import make_section, make_story
from tests.servers import production_env
from tests.test_validity import VNU_JAR, _describe

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
COUNT_LINE = re.compile(r"^Smart Brevity count: (\d+) words, (\d+) minutes?$")
SEED_LEDE = "Iranian Foreign Minister Abbas Araghchi met on Monday with Alexander Volfovich"
SEED_WHY = "Iran-Belarus relations have gained strategic weight as both countries face"


def build(*args: str) -> str:
    out = StringIO()
    call_command("build_digest", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture(scope="class")
def demo_content(django_db_setup, django_db_blocker):
    """The demo content, loaded once for the tests of a class."""
    with module_rows(django_db_blocker, lambda: call_command("load_demo", stdout=StringIO())):
        yield


@pytest.fixture
def daily():
    return Newsletter.objects.get(slug="daily")


def story(headline, *, why="It matters because it changes things.", ago=1, **fields):
    made = make_story(
        headline, sections=[("Why it matters", f"<p>{why}</p>")] if why else [], **fields
    )
    workflow.transition(made, "publish", None, at=timezone.now() - timedelta(hours=ago))
    made.refresh_from_db()
    return made


class Links(HTMLParser):
    """Every link and picture of a page."""

    def __init__(self):
        super().__init__()
        self.hrefs, self.images = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.hrefs.append(attrs.get("href"))
        if tag == "img":
            self.images.append(attrs)


# --- build_digest on the demo --------------------------------------------------------------------


def _last_day():
    now = timezone.now()
    return now - timedelta(hours=24), now


class TestTheEditionOfTheDemo:
    """``build_digest`` on the demo content, loaded once for these tests."""

    def test_build_digest_prints_the_count_line_then_the_seed_story(self, demo_content):
        text = build()
        first = text.splitlines()[0]
        words, minutes = map(int, COUNT_LINE.match(first).groups())
        assert words > 100 and minutes == -(-words // digest.WORDS_PER_MINUTE)
        assert demo.SEED_HEADLINE in text
        assert SEED_LEDE in text
        assert "Why it matters: " + SEED_WHY in text
        assert "1 BIG THING" in text and text.index("1 BIG THING") < text.index(demo.SEED_HEADLINE)

    def test_the_count_is_the_words_of_the_edition(self, demo_content, daily):
        content = digest.for_window(daily, timezone.localdate(), *_last_day())
        lead = content.lead
        assert lead.headline == demo.SEED_HEADLINE
        by_hand = sum(
            len(re.findall(r"\w[\w'’-]*", f"{e.headline} {e.lede} {e.why_text}"))
            + (sum(len(link.title.split()) for link in e.links) if e is lead else 0)
            for e in content.entries
        )
        assert (
            abs(content.words - by_hand) <= len(content.entries) * 3
        )  # tokenizers differ on "5-4"

    def test_the_html_edition_has_the_same_stories_as_the_text(self, demo_content, tmp_path):
        text = build("--format", "text")
        out = build("--format", "html", "--output", str(tmp_path / "edition.html"))
        html = (tmp_path / "edition.html").read_text()
        assert COUNT_LINE.match(out.splitlines()[0])
        content = digest.for_window(Newsletter.objects.first(), timezone.localdate(), *_last_day())
        headlines = [entry.headline for entry in content.entries]
        assert len(headlines) >= 4
        for headline in headlines:
            assert headline in text
            assert headline in unescape(html)
        assert out.splitlines()[0] in html and out.splitlines()[0] == text.splitlines()[0]

    def test_the_html_edition_printed_starts_with_the_count_line(self, demo_content):
        out = build("--format", "html")
        first, second = out.splitlines()[:2]
        assert COUNT_LINE.match(first)
        assert second.lower().startswith("<!doctype html>")

    def test_the_html_edition_is_under_gmails_clip_with_absolute_links_and_described_images(
        self, demo_content, tmp_path
    ):
        build("--format", "html", "--output", str(tmp_path / "edition.html"))
        html = (tmp_path / "edition.html").read_text()
        assert len(html.encode()) < render.GMAIL_CLIP_BYTES
        page = Links()
        page.feed(html)
        assert page.hrefs and all(href.startswith(("https://", "http://")) for href in page.hrefs)
        assert page.images
        for image in page.images:
            assert image.get("width") and image.get("height") and image.get("alt") is not None
        assert "prefers-color-scheme: dark" in html  # the dark scheme survives the inlining
        assert '<meta name="color-scheme" content="light dark">' in html
        assert 'style="' in html  # CSS inlined for mail apps that drop <style>


@pytest.mark.slow  # vnu.jar in a Java process
def test_the_html_edition_and_the_newsletter_pages_pass_the_nu_html_checker(
    demo_content, tmp_path, client
):
    java = shutil.which("java")
    if java is None or not VNU_JAR.exists():
        pytest.fail("java and node_modules/vnu-jar are needed (see tests/test_validity.py).")
    build("--format", "html", "--output", str(tmp_path / "edition.html"))
    subscriber = Subscriber.objects.create(email="valid@example.org")
    pages = {
        "signup": "/newsletter/",
        "confirm": reverse("newsletters:confirm", args=[guards.confirm_token(subscriber)]),
        "preferences": reverse("newsletters:preferences", args=[subscriber.key]),
        "unsubscribe": reverse("newsletters:unsubscribe", args=[subscriber.key, "daily"]),
        "data": reverse("newsletters:data", args=[guards.data_token(subscriber)]),
        "broken-link": "/newsletter/preferences/no-such-key/",
    }
    for name, path in pages.items():
        (tmp_path / f"{name}.html").write_bytes(client.get(path).content)
    files = sorted(tmp_path.glob("*.html"))
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    messages = json.loads(result.stdout)["messages"]
    errors = [m for m in messages if m["type"] != "info"]
    assert not errors, "The Nu HTML Checker found errors:\n" + "\n".join(
        f"{m.get('url', '').rpartition('/')[2]}: {_describe(m)}" for m in errors
    )


# --- bad options ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, says",
    [
        (["--date", "2026-02-30"], "--date must be a day written YYYY-MM-DD"),
        (["--date", "yesterday"], "--date must be a day written YYYY-MM-DD"),
        (["--newsletter", "no-such-thing"], "There is no newsletter 'no-such-thing'"),
        (["--format", "pdf"], "--format must be html or text"),
        (["--output", "/proc/no/such/folder/edition.html"], "Cannot write /proc/no/such/folder"),
    ],
)
def test_bad_options_are_refused_in_plain_words(args, says):
    with pytest.raises(CommandError, match=re.escape(says)):
        build(*args)


@pytest.mark.slow  # three `manage.py` processes (they read what the migrations wrote)
def test_bad_options_exit_1_with_one_line_on_stderr():
    env = production_env(DJANGO_DEBUG="1")
    for args in (
        ["--date", "2026-13-01"],
        ["--newsletter", "nope"],
        ["--output", "/proc/no/such/folder/x.html"],
    ):
        run = subprocess.run(
            [sys.executable, "manage.py", "build_digest", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert run.returncode == 1, run.stderr
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert run.stdout == ""


# --- what an edition carries ---------------------------------------------------------------------


def test_a_story_taken_down_is_not_in_the_edition(daily, editor):
    story("Kept story", ago=2)
    gone = story("Gone story", ago=1)
    edition = editions.draft(daily, timezone.localdate() + timedelta(days=1))
    edition.window_start, edition.window_end = _last_day()
    edition.save()
    editions.fill(edition)
    assert [e.headline for e in digest.for_edition(edition).entries] == ["Gone story", "Kept story"]
    workflow.transition(gone, "unpublish", editor)
    content = digest.for_edition(edition)
    assert [e.headline for e in content.entries] == ["Kept story"]
    assert "Gone story" not in render.render(content).html


def test_the_editors_order_and_drops_are_kept_and_grouped_by_section(daily):
    world, sports = make_section("World news"), make_section("Sport news")
    a = story("Alpha", section=world, ago=3)
    b = story("Bravo", section=sports, ago=2)
    c = story("Charlie", section=world, ago=1)
    d = story("Delta", section=sports, ago=1)
    edition = Edition.objects.create(
        newsletter=daily,
        date=timezone.localdate(),
        window_start=_last_day()[0],
        window_end=timezone.now(),
    )
    for position, (item, kept) in enumerate([(b, True), (a, True), (d, False), (c, True)]):
        EditionItem.objects.create(edition=edition, story=item, position=position, included=kept)
    content = digest.for_edition(edition)
    assert content.lead.headline == "Bravo"
    assert [(g.name, [e.headline for e in g.entries]) for g in content.groups] == [
        ("World news", ["Alpha", "Charlie"])
    ]


def test_a_new_edition_leads_with_the_newest_story_and_later_ones_go_last_once_arranged(daily):
    story("Older", ago=3)
    story("Newer", ago=2)
    edition = Edition.objects.create(
        newsletter=daily,
        date=timezone.localdate(),
        window_start=_last_day()[0],
        window_end=timezone.now() + timedelta(hours=1),
    )
    editions.fill(edition)
    assert [e.headline for e in digest.for_edition(edition).entries] == ["Newer", "Older"]
    Edition.objects.filter(pk=edition.pk).update(curated=True)
    edition.refresh_from_db()
    story("Newest", ago=0)
    assert editions.fill(edition) == 1
    assert [e.headline for e in digest.for_edition(edition).entries] == ["Newer", "Older", "Newest"]


def test_corrections_since_the_last_edition_are_listed(daily, editor):
    old = story("Corrected long ago", ago=30)
    workflow.correct(old, "correction", "An earlier correction, already sent.", editor)
    Edition.objects.create(
        newsletter=daily,
        date=timezone.localdate() - timedelta(days=1),
        window_start=_last_day()[0],
        window_end=timezone.now(),
        status=Edition.Status.SENT,
        send_started_at=timezone.now(),
    )
    workflow.correct(old, "correction", "The bridge is 40 metres long, not 400.", editor)
    story("Today's news", ago=1)
    content = digest.for_window(daily, timezone.localdate(), *_last_day())
    assert [fix.text for fix in content.fixes] == ["The bridge is 40 metres long, not 400."]
    text = render.render(content).text
    assert 'Correction to "Corrected long ago"' in text and "not 400" in text


def test_a_correction_to_a_story_taken_down_is_not_listed(daily, editor):
    gone = story("Taken down later", ago=2)
    workflow.correct(gone, "correction", "A detail fixed.", editor)
    workflow.transition(gone, "unpublish", editor)
    content = digest.for_window(daily, timezone.localdate(), *_last_day())
    assert content.fixes == () and content.entries == ()


def test_a_subscriber_who_chose_sections_gets_only_those_the_first_leading(daily):
    world, sports = make_section("Worldwide"), make_section("Sporting")
    story("Sport first", section=sports, ago=1)
    story("World second", section=world, ago=2)
    content = digest.for_window(daily, timezone.localdate(), *_last_day())
    mine = content.for_sections(frozenset({world.pk}))
    assert [e.headline for e in mine.entries] == ["World second"]
    assert content.for_sections(frozenset()) is content
    assert mine.words < content.words


def test_a_newsletter_of_some_sections_carries_only_their_stories(daily):
    world, sports = make_section("Globe"), make_section("Games")
    story("Globe story", section=world)
    story("Games story", section=sports)
    daily.sections.set([sports])
    content = digest.for_window(daily, timezone.localdate(), *_last_day())
    assert [e.headline for e in content.entries] == ["Games story"]


def test_links_inside_why_it_matters_are_made_absolute(daily, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "BASE_URL": "https://news.example.org"}
    story("Linked", why='See <a href="/corrections/">our corrections</a>.')
    html = render.render(digest.for_window(daily, timezone.localdate(), *_last_day())).html
    assert 'href="https://news.example.org/corrections/"' in html
    assert 'href="/' not in html


def test_an_edition_too_big_for_gmail_cannot_be_approved(daily, editor, monkeypatch):
    story("Big one")
    edition = editions.draft(daily, timezone.localdate() + timedelta(days=1))
    edition.window_start, edition.window_end = _last_day()
    edition.save()
    editions.fill(edition)
    monkeypatch.setattr(render, "GMAIL_CLIP_BYTES", 1000)
    with pytest.raises(editions.EditionError, match="Gmail cuts mails above 1 KB"):
        editions.approve(edition, editor)
    edition.refresh_from_db()
    assert edition.status == Edition.Status.DRAFT


def test_an_empty_edition_cannot_be_approved(daily, editor):
    edition = editions.draft(daily, timezone.localdate() + timedelta(days=1))
    with pytest.raises(editions.EditionError, match="no story"):
        editions.approve(edition, editor)


def test_only_editors_may_approve(daily, journalist):
    story("Some news")
    edition = editions.draft(daily, timezone.localdate() + timedelta(days=1))
    with pytest.raises(Exception, match="may not approve"):
        editions.approve(edition, journalist)


def test_story_queryset_is_the_one_rule(daily):
    """The digest reads stories only through ``published()``: a scheduled story is out."""
    future = make_story("Not yet")
    workflow.transition(future, "publish", None, at=timezone.now() + timedelta(hours=1))
    assert not Story.objects.published().filter(pk=future.pk).exists()
    assert digest.live_stories([future.pk]) == []


def test_the_lead_picture_has_its_size_and_description():
    lead = digest.Entry(
        story_id=1,
        revision_id=1,
        headline="With a picture",
        lede="A lede.",
        url="https://news.example.org/a/",
        section_id=None,
        section_name="",
        image=digest.Image("https://media.example.org/a.jpg", "Divers at the harbour", 560, 315),
    )
    html = render.render(digest.Digest("Daily", timezone.localdate(), entries=(lead,))).html
    page = Links()
    page.feed(html)
    picture = next(i for i in page.images if i["src"] == "https://media.example.org/a.jpg")
    assert (picture["width"], picture["height"]) == ("560", "315")
    assert picture["alt"] == "Divers at the harbour"
