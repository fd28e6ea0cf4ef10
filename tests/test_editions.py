"""The Persian edition: stories in a language, translations linked to their original,
Persian copy imported, and every channel aware of the language (pages, feeds, the API)."""

import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.importer import import_copy
from articles.models import AuditEntry, Story
from articles.parser import ParseError
from newsletters import digest, render
from newsletters.models import Newsletter
from tests.conftest import signed_in
from tests.factories import make_author, make_section, make_story

pytestmark = pytest.mark.django_db

PERSIAN_COPY = """ایران و بلاروس بر همکاری امنیتی تأکید کردند

وزیران دو کشور روز دوشنبه در مینسک دیدار کردند و درباره همکاری امنیتی گفت‌وگو کردند.

چرا مهم است: روابط دو کشور وزن راهبردی یافته است.

تصویر بزرگ

دو کشور از سال ۲۰۲۲ همکاری خود را شتاب داده‌اند.

آنچه می‌گویند:

ولفوویچ بر حقوق بین‌الملل تأکید کرد.

بین خطوط – لحن دیدار بازتاب بازآرایی ژئوپلیتیکی است.

آنچه باید دید

آیا همکاری رسمی‌تر می‌شود.

بیشتر بخوانید:

گزارش پیشین https://example.com/earlier

{bylines}
"""

LABELS_IN_ORDER = ["چرا مهم است", "تصویر بزرگ", "آنچه می‌گویند", "بین خطوط", "آنچه باید دید"]


@pytest.mark.parametrize(
    "bylines",
    [
        "حسین امیری - محبوبه حبیبی",
        "حسین امیری، محبوبه حبیبی",
        "حسین امیری, محبوبه حبیبی",
        "حسین امیری و محبوبه حبیبی",
    ],
)
def test_persian_copy_is_imported_with_its_labels_and_bylines_in_order(bylines):
    result = import_copy(PERSIAN_COPY.format(bylines=bylines), language="fa")
    story = result.story
    assert story.language == "fa"
    assert story.headline == "ایران و بلاروس بر همکاری امنیتی تأکید کردند"
    parts = list(story.sections.select_related("label"))
    assert [p.label.name_in("fa") for p in parts] == LABELS_IN_ORDER
    assert [p.label.slug for p in parts][:2] == ["why-it-matters", "the-big-picture"]
    assert [b.author.name for b in story.bylines.select_related("author")] == [
        "حسین امیری",
        "محبوبه حبیبی",
    ]
    # "بیشتر بخوانید" is the Go deeper heading: its entry is a link, not a section.
    (link,) = story.related_links.all()
    assert (link.title, link.url) == ("گزارش پیشین", "https://example.com/earlier")


def test_import_story_command_reads_persian_copy(tmp_path, capsys):
    path = tmp_path / "fa.txt"
    path.write_text(PERSIAN_COPY.format(bylines="حسین امیری - محبوبه حبیبی"), encoding="utf-8")
    call_command("import_story", "--language", "fa", str(path))
    story = Story.objects.get()
    assert story.language == "fa"
    out = capsys.readouterr().out
    # The report names the labels as the copy did.
    assert out.index("چرا مهم است") < out.index("تصویر بزرگ") < out.index("آنچه باید دید")


def test_import_refuses_an_unknown_language():
    with pytest.raises(ParseError, match="not one of the site's languages"):
        import_copy("A headline\n\nA lede that says what happened.", language="xx")


# --- translations -------------------------------------------------------------------------


@pytest.fixture
def original(editor):
    amiri, habibi = make_author("Hossein Amiri"), make_author("Mahboubeh Habibi")
    return make_story(
        "Iran and Belarus pledge closer security ties",
        authors=[amiri, habibi],
        section=make_section("World", slug="world"),
        sections=[
            ("Why it matters", "<p>Relations matter.</p>"),
            ("The big picture", "<p>Big.</p>"),
        ],
        publish=True,
        by=editor,
    )


def test_translate_makes_a_linked_draft_with_the_structure(original, journalist):
    draft = workflow.translate(original, "fa", journalist)
    assert draft.language == "fa"
    assert draft.translation_source == original
    assert draft.status == "draft" and draft.live_revision is None
    assert draft.headline_is_provisional  # cannot be published before it gets its own
    assert [b.author.name for b in draft.bylines.order_by("position")] == [
        "Hossein Amiri",
        "Mahboubeh Habibi",
    ]
    assert [s.label.slug for s in draft.sections.order_by("position")] == [
        "why-it-matters",
        "the-big-picture",
    ]
    # The revision holds the labels in the story's language.
    shown = draft.latest_revision().snapshot
    assert [part["label"] for part in shown["sections"]] == ["چرا مهم است", "تصویر بزرگ"]
    assert AuditEntry.objects.filter(story=draft, action="translate").count() == 1
    with pytest.raises(Exception, match="already a translation"):
        workflow.translate(original, "fa", journalist)
    with pytest.raises(Exception, match="original's own language"):
        workflow.translate(draft, "en", journalist)


def test_translate_button_in_the_admin(original, editor):
    browser = signed_in(editor)
    page = browser.get(reverse("admin:articles_story_change", args=[original.pk]))
    assert "Translate into فارسی" in page.content.decode()
    response = browser.post(reverse("history:translate", args=[original.pk]), {"language": "fa"})
    draft = Story.objects.get(language="fa")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:articles_story_change", args=[draft.pk])
    form = browser.get(response["Location"]).content.decode()
    # The Persian story is written right to left, its labels named in Persian.
    (headline,) = re.findall(r'<input[^>]*name="headline"[^>]*>', form)
    (lede,) = re.findall(r'<textarea[^>]*name="lede"[^>]*>', form)
    assert 'dir="rtl"' in headline and 'dir="rtl"' in lede
    assert "چرا مهم است" in form
    bad = browser.post(reverse("history:translate", args=[original.pk]), {"language": "xx"})
    assert bad.status_code == 302 and Story.objects.count() == 2


def _publish_translation(original, editor):
    draft = workflow.translate(original, "fa", editor)
    draft.headline = "ایران و بلاروس بر پیوندهای امنیتی تأکید کردند"
    draft.headline_is_provisional = False
    draft.save()
    workflow.save_revision(draft, editor, "Translated")
    workflow.transition(draft, "publish", editor)
    draft.refresh_from_db()
    return draft


def test_republishing_the_original_with_new_text_flags_its_translation(original, editor):
    persian = _publish_translation(original, editor)
    assert not persian.translation_outdated
    # Republished after a change that is not text (the dateline): still up to date.
    original.dateline = "MINSK"
    original.save()
    workflow.save_revision(original, editor, "Dateline")
    workflow.transition(original, "publish", editor)
    persian.refresh_from_db()
    assert not persian.translation_outdated
    original.lede = "A new lede, with news the translation does not have."
    original.save()
    workflow.save_revision(original, editor, "New lede")
    workflow.transition(original, "publish", editor)
    persian.refresh_from_db()
    assert persian.translation_outdated
    desk = signed_in(editor).get(reverse("admin:index")).content.decode()
    assert "Translations to update" in desk and "Translation possibly out of date" in desk
    # Publishing the translation again brings it up to date.
    workflow.save_revision(persian, editor, "Updated from the original")
    persian.lede = "یک لید تازه."
    persian.save()
    workflow.save_revision(persian, editor, "Updated from the original")
    workflow.transition(persian, "publish", editor)
    persian.refresh_from_db()
    assert not persian.translation_outdated


# --- reader pages and channels -------------------------------------------------------------


def test_each_edition_lists_its_own_stories(client, original, editor):
    persian = _publish_translation(original, editor)
    assert persian.get_absolute_url().startswith("/fa/")
    english_home = client.get("/").content.decode()
    persian_home = client.get("/fa/").content.decode()
    assert original.headline in english_home and persian.headline not in english_home
    assert persian.headline in persian_home and original.headline not in persian_home
    section = client.get("/fa/sections/world/").content.decode()
    assert persian.headline in section and original.headline not in section
    # A Persian story asked for outside its edition is sent to its own address.
    elsewhere = persian.get_absolute_url().removeprefix("/fa")
    response = client.get(elsewhere)
    assert response.status_code == 301 and response["Location"] == persian.get_absolute_url()


def test_story_pages_link_their_translations_both_ways(client, original, editor):
    before = client.get(original.get_absolute_url()).content.decode()
    assert 'hreflang="fa"' not in before
    persian = _publish_translation(original, editor)
    english = client.get(original.get_absolute_url()).content.decode()
    farsi = client.get(persian.get_absolute_url()).content.decode()
    for page in (english, farsi):
        assert 'hreflang="en"' in page and 'hreflang="fa"' in page
        assert 'hreflang="x-default"' in page
    assert '<html lang="fa" dir="rtl"' in farsi
    assert re.search(r'"inLanguage":\s*"fa"', farsi)
    # Taken down, the translation leaves the original's page again.
    workflow.transition(persian, "unpublish", editor)
    assert 'hreflang="fa"' not in client.get(original.get_absolute_url()).content.decode()


def test_feeds_per_edition(client, original, editor):
    persian = _publish_translation(original, editor)
    feed = client.get("/fa/feed/").content.decode()
    assert "<language>fa</language>" in feed
    assert persian.headline in feed and original.headline not in feed
    english = client.get("/feed/").content.decode()
    assert "<language>en</language>" in english and persian.headline not in english


def test_api_carries_the_language_and_filters_by_it(client, original, editor):
    persian = _publish_translation(original, editor)
    url = reverse("api:story-list")
    every = json.loads(client.get(url).content)["items"]
    assert {item["language"] for item in every} == {"en", "fa"}
    only = json.loads(client.get(url, {"language": "fa"}).content)["items"]
    assert [item["headlines"][0]["value"] for item in only] == [persian.headline]
    detail = json.loads(client.get(reverse("api:story-detail", args=[persian.pk])).content)
    assert detail["language"] == "fa"
    bad = client.get(url, {"language": "xx"})
    assert bad.status_code == 400 and "language" in json.loads(bad.content)["detail"]


def test_a_persian_newsletter_carries_the_persian_edition(original, editor):
    persian = _publish_translation(original, editor)
    now = timezone.now()
    start = now - timedelta(days=1)
    letter = Newsletter.objects.create(name="خبرنامه روزانه", slug="daily-fa", language="fa")
    edition = digest.for_window(letter, timezone.localdate(), start, now)
    assert [entry.story_id for entry in edition.entries] == [persian.pk]
    made = render.render(edition)
    assert '<html lang="fa" dir="rtl">' in made.html
    assert persian.headline in made.html and original.headline not in made.html
    english = Newsletter.objects.create(name="Daily English", slug="daily-en", language="en")
    assert [
        e.story_id for e in digest.for_window(english, timezone.localdate(), start, now).entries
    ] == [original.pk]
