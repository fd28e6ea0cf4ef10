"""Messages in the story's language: the house rules speak Persian to the writer of a
Persian story (the admin around them stays English), and what the Persian reader pages
say in Python (search notices, kinds of correction) or in shared fragments (the
newsletter box) is Persian there.

The catalogue itself (every reader string translated, the ``.mo`` the ``.po`` compiled)
is checked by ``tests/test_persian_site.py``.
"""

import json
import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from articles import workflow
from articles.brevity import LIMITS, counter_texts
from articles.models import Status
from articles.workflow import gates
from tests.conftest import change_url, messages_of
from tests.factories import make_author, make_section, make_story

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def unsigned(headline, journalist, **fields):
    """A story with no byline: a blocking rule, even at submit."""
    return make_story(headline, created_by=journalist, by=journalist, **fields)


def press(client, story, name):
    story.refresh_from_db()
    url = reverse("admin:articles_story_transition", args=[story.pk, name])
    return client.post(url, {"version": story.version}, follow=True)


def refusal(page) -> str:
    [said] = [m for m in messages_of(page) if m.startswith("Not submitted for review")]
    return said


# --- the house rules, to the writer ------------------------------------------------------


@pytest.mark.house_rules
def test_persian_story_is_refused_at_submit_in_persian(journalist, as_journalist):
    story = unsigned(
        "قیمت نان دوباره بالا رفت",
        journalist,
        language="fa",
        lede="قیمت نان در تهران از دوشنبه ده درصد بالا رفت.",
    )
    said = refusal(press(as_journalist, story, "submit"))
    assert '<a href="#bylines">نام نویسنده را بیفزایید: چه کسی این خبر را نوشته است؟</a>' in said
    assert "Add a byline" not in said
    # The admin's own words stay English.
    assert said.startswith("Not submitted for review: fix these first.")
    story.refresh_from_db()
    assert story.status == Status.DRAFT


@pytest.mark.house_rules
def test_english_story_is_refused_at_submit_in_english(journalist, as_journalist):
    story = unsigned("Council raises bus fares", journalist)
    said = refusal(press(as_journalist, story, "submit"))
    assert '<a href="#bylines">Add a byline: who wrote this?</a>' in said


@pytest.mark.house_rules
def test_persian_story_warnings_at_submit_are_persian(journalist, as_journalist):
    story = make_story(
        "قیمت نان دوباره بالا رفت",
        language="fa",
        lede="قیمت نان در تهران از دوشنبه ده درصد بالا رفت.",
        authors=[make_author("خبرنگار", user=journalist)],
        created_by=journalist,
        by=journalist,
    )
    said = messages_of(press(as_journalist, story, "submit"))  # these two only warn
    story.refresh_from_db()
    assert story.status == Status.IN_REVIEW
    assert '<span dir="auto">بخش این خبر را انتخاب کنید.</span>' in said
    assert any("قسمت «Why it matters» را بیفزایید" in m for m in said)


@pytest.mark.house_rules
def test_persian_counts_are_given_in_persian_digits(journalist):
    # 41 words, each joined by a ZWNJ (می‌گویند): one word apiece, as Persian writes them.
    story = unsigned("خبر", journalist, language="fa", lede=" ".join(["می‌گویند"] * 41))
    [lede] = [f for f in gates.advice(story) if f.code == "lede_words"]
    assert lede.message == "لید ۴۱ واژه دارد؛ آن را به ۴۰ واژه یا کمتر برسانید."


@pytest.mark.house_rules
def test_the_rules_leave_the_active_language_as_they_found_it(journalist):
    story = unsigned("خبر", journalist, language="fa")
    gates.advice(story)
    english = unsigned("Council raises bus fares", journalist)
    assert "Add a byline: who wrote this?" in [f.message for f in gates.advice(english)]


# --- the reader pages ----------------------------------------------------------------


def test_persian_search_says_a_bad_date_in_persian(client):
    make_story("بازار نان در تهران", language="fa", publish=True)
    response = client.get("/fa/search/", {"q": "نان", "from": "yesterday"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "تاریخ «از» را نتوانستیم بخوانیم (به شکل YYYY-MM-DD بنویسید)؛ نادیده گرفته شد." in text
    assert "was not a date we understand" not in text


def test_persian_search_says_a_long_search_in_persian_digits(client):
    response = client.get("/fa/search/", {"q": " ".join(["نان"] * 30)})
    assert "جست‌وجوی شما بلند بود، پس ۱۲ واژهٔ نخست آن را به کار بردیم" in (response.content.decode())


def test_english_search_keeps_its_english_notice(client):
    response = client.get("/search/", {"q": "bread", "from": "yesterday"})
    assert (
        "The “From” date was not a date we understand (use YYYY-MM-DD): ignored."
        in response.content.decode()
    )


def test_persian_story_names_its_kind_of_correction_in_persian(client):
    story = make_story("قیمت نان دوباره بالا رفت", language="fa", publish=True)
    workflow.correct(story, "clarification", "نام وزیر در نسخهٔ پیشین درست نبود.", None)
    text = client.get(story.get_absolute_url()).content.decode()
    assert "<strong>توضیح</strong>" in text
    assert "Clarification" not in text


def test_persian_pages_offer_the_newsletter_in_persian(client):
    make_section("اقتصاد", slug="economy")
    text = client.get("/fa/").content.decode()
    assert ">خبرها را کوتاه و با ایمیل بگیرید</h2>" in text
    assert ">مشترک شوید</button>" in text
    assert 'placeholder="نشانی ایمیل شما"' in text


def test_the_live_counters_of_a_persian_story_speak_persian(journalist, as_journalist):
    story = unsigned("خبر", journalist, language="fa")
    texts = as_journalist.get(change_url(story)).context["brevity_texts"]
    assert texts["language"] == "fa"
    assert texts["headline"] == "%(count)s / %(limit)s نویسه"
    assert texts["lede_words"] == ["%(count)s واژه (هدف: %(limit)s یا کمتر)"] * 2


def test_the_live_counters_of_an_english_story_speak_english(journalist, as_journalist):
    story = unsigned("Council raises bus fares", journalist)
    texts = as_journalist.get(change_url(story)).context["brevity_texts"]
    assert texts["lede_words"] == [
        "%(count)s word (aim for %(limit)s or fewer)",
        "%(count)s words (aim for %(limit)s or fewer)",
    ]


@pytest.mark.slow
@pytest.mark.browser
def test_the_live_counter_counts_a_persian_lede_in_persian():
    """static/js/admin/brevity.js with a Persian story's words: a ZWNJ joins a word, as
    the server counts (articles/text.py), and the counts are in Persian digits."""
    from playwright.sync_api import sync_playwright

    with translation.override("fa"):
        texts = counter_texts()
    lede = " ".join(["می‌گویند"] * 41) + "."
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("NEWSROOM_CHROMIUM") or "/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu"],
        )
        try:
            page = browser.new_page()
            page.set_content(
                '<div class="form-row"><textarea id="id_lede"></textarea></div>'
                f'<script id="brevity-limits" type="application/json">{json.dumps(LIMITS)}'
                "</script>"
                f'<script id="brevity-texts" type="application/json">{json.dumps(texts)}'
                "</script>"
            )
            page.add_script_tag(path=str(ROOT / "static" / "js" / "admin" / "brevity.js"))
            page.fill("#id_lede", lede)
            page.wait_for_function(
                "document.getElementById('id_lede_brevity').textContent.includes('۴۱')"
            )
            shown = page.text_content("#id_lede_brevity")
        finally:
            browser.close()
    assert shown == "۴۱ واژه (هدف: ۴۰ یا کمتر) · ۱ جمله (هدف: ۱)"
