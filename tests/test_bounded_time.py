"""Bounded time for any input: hostile text where it enters, answered in time.

Through a production app server whose workers are killed after five seconds, as
gunicorn's ``--timeout`` kills them in production after thirty: a lede, pasted copy, a
compare page and a reader's search that each took from thirteen seconds to hours. Then,
in process, what made them linear (the work a diff may do is counted, not timed) and
that the counts journalists see did not change, here and in the admin's live counter.
"""

import http.client
import json
import os
import re
import urllib.error
from pathlib import Path
from urllib.parse import quote

import pytest
from django.urls import reverse

from articles import diff, workflow
from articles.parser import parse_copy
from articles.snapshot import Snapshot
from articles.text import sentence_count
from tests.conftest import form_values, signed_in
from tests.factories import make_story
from tests.servers import AppServer, Browser, Response, production_password

ROOT = Path(__file__).resolve().parent.parent
ADD_URL = reverse("admin:articles_story_add")
IMPORT_URL = reverse("admin:articles_story_import")
#: Seconds a request may take before its worker is killed.
WORKER_TIMEOUT = 5


@pytest.fixture(scope="module")
def app(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), AppServer(timeout=WORKER_TIMEOUT) as server:
        yield server


def answered(request) -> Response:
    """What ``request()`` got. A worker killed for taking too long answers gunicorn's own
    500, or just closes the connection: a 502 from the load balancer in production."""
    try:
        return request()
    except (http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError) as error:
        return Response(502, {}, f"the worker was killed: {error}".encode(), "")


def errors(answer: Response) -> str:
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', answer.text, re.S))


def desk_of(app, user) -> Browser:
    browser = Browser(app.url)
    browser.sign_in(user.username, production_password(user))
    return browser


def opened(browser: Browser, answer: Response) -> Response:
    """Where a redirect leads, as a browser would follow it; any other answer as it is."""
    if answer.status != 302:
        return answer
    return answered(lambda: browser.get(answer.headers["Location"]))


# --- through the app server ----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lede_of_25000_dots_is_saved_or_refused_in_time(app, journalist):
    # The form as the page shows it, read in process by the same person (first: signing
    # in on the server brings the password's hash up to date, which ends other sessions).
    form = form_values(signed_in(journalist).get(ADD_URL)) | {
        "headline": "Dots",
        "lede": "Wait" + "." * 25_000 + " what",
    }
    desk = desk_of(app, journalist)
    answer = answered(lambda: desk.post(ADD_URL, form))
    assert answer.status in (200, 302), answer.text[:500]
    if answer.status == 200:  # the lede's length limit, said on the form
        assert errors(answer)
    assert opened(desk, answer).status == 200


#: Just under the 200 KB the importer reads: all of it is parsed.
IMPORT_CAP = 200 * 1024 - 100
HOSTILE_COPY = {
    "dots": "." * IMPORT_CAP + " and",
    "one go-deeper title": "A lede.\n\nGo deeper:\n" + "A title\n" * (IMPORT_CAP // 8),
    "one label": "A lede.\n\n" + "Why it matters: yes.\n\n" * (IMPORT_CAP // 22),
    "parentheses": "A lede.\n\nGo deeper:\nA page - https://example.org/" + ")" * IMPORT_CAP,
}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("copy", HOSTILE_COPY)
def test_200_kb_of_hostile_copy_is_imported_or_refused_in_time(app, journalist, copy):
    desk = desk_of(app, journalist)
    # With a headline: copy without one is sent back for it before it is imported.
    data = {"text": HOSTILE_COPY[copy], "headline": "Hostile copy"}
    answer = answered(lambda: desk.post(IMPORT_URL, data))
    assert answer.status in (200, 302), answer.text[:500]
    if answer.status == 200:
        assert "at most" in errors(answer), answer.text[:2000]
    assert opened(desk, answer).status == 200


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_comparing_revisions_of_20000_repeated_words_answers_in_time(app, journalist):
    story = make_story(
        "Repeated words",
        created_by=journalist,
        by=journalist,
        lede=" ".join(["news"] * 20_000),
        sections=[("Why it matters", "<p>" + " ".join(["a"] * 1_500) + "</p>")],
    )
    story.lede = " ".join(["news", "today"] * 10_000)
    story.save()
    section = story.sections.get()
    section.body = "<p>" + " ".join(["a", "b"] * 750) + "</p>"
    section.save()
    workflow.save_revision(story, journalist, "Edited")
    desk = desk_of(app, journalist)
    compare = reverse("history:compare", args=[story.pk]) + "?a=1&b=2"
    answer = answered(lambda: desk.get(compare))
    assert answer.status == 200, answer.text[:500]
    assert "Lede rewritten" in answer.text
    assert "Why it matters rewritten" in answer.text


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_phrase_search_over_repetitive_stories_answers_in_time(app, editor):
    words = "council budget vote rates taxes roads parks police schools water"
    body = "<p>" + f"{words} " * 100 + "</p>"
    make_story(
        "Council sets its budget",
        lede=f"The {words} housing plan passed.",
        sections=[("Why it matters", body), ("The big picture", body)],
        publish=True,
        by=editor,
    )
    query = f'"{words} housing"'
    answer = answered(lambda: Browser(app.url).get("/search/?q=" + quote(query)))
    assert answer.status == 200, answer.text[:500]
    assert "Council sets its budget" in answer.text
    assert "<mark>" in answer.text


# --- what made them linear, in process ---------------------------------------------------


def snapshot(lede: str, body: str) -> Snapshot:
    return Snapshot.from_json(
        {
            "headline": "Repeated words",
            "slug": "repeated-words",
            "dek": "",
            "dateline": "",
            "lede": lede,
            "section": None,
            "tags": [],
            "image": None,
            "bylines": [],
            "sections": [
                {"id": 1, "label": "Why it matters", "label_slug": "why-it-matters", "body": body}
            ],
            "links": [],
        }
    )


def test_a_diff_of_repetitive_text_stops_at_its_budget_and_says_rewritten():
    # Difflib's search on these is cubic: 1,000 words against 1,000 took 8 s.
    old, new = " ".join(["a"] * 1_000), " ".join(["a", "b"] * 500)
    budget = diff.Budget()
    marked = diff.word_diff(old, new, budget)
    assert budget.left < 0
    assert marked == f"<del>{old}</del> <ins>{new}</ins>"


def test_a_compare_page_spends_one_budget_over_all_its_texts():
    old = snapshot(" ".join(["a"] * 1_000), "<p>" + " ".join(["a"] * 1_000) + "</p>")
    new = snapshot(" ".join(["a", "b"] * 500), "<p>" + " ".join(["a", "b"] * 500) + "</p>")
    summaries = [change.summary for change in diff.diff_snapshots(old, new)]
    assert summaries == ["Lede rewritten", "Why it matters rewritten"]


def test_texts_longer_than_the_word_cap_are_rewritten_without_comparing_a_word():
    old, new = " ".join(["news"] * 20_000), " ".join(["news", "today"] * 10_000)
    budget = diff.Budget()
    assert diff.similarity(old, new, budget) == 0.0
    assert budget.left == diff.MAX_COMPARISONS


def test_ordinary_revisions_are_diffed_word_by_word_well_within_the_budget():
    prose = [
        word
        for name in ("README.md", "docs/architecture.md")
        for word in (ROOT / name).read_text(encoding="utf-8").split()
    ][:2_000]
    edited = [f"{word}§" if n % 20 == 0 else word for n, word in enumerate(prose)]
    budget = diff.Budget()
    marked = diff.word_diff(" ".join(prose), " ".join(edited), budget)
    assert marked.count("<ins>") == marked.count("§") == 100
    # A page shows several texts: a lede and sections of this length fit in one budget.
    assert diff.MAX_COMPARISONS - budget.left < diff.MAX_COMPARISONS // 5


TRICKY_LEDES = {
    "abbreviations": ("J. Smith met U.S. officials. They agreed.", 2),
    "ellipsis before a lower-case word": ("Wait... what happened? Nobody knows.", 2),
    "ellipsis character": ("Officials said… Then they left.", 2),
    "quote after the stop": ('He said "no." Then he left.', 2),
    "parenthesis after the stop": ("He said (it was late.) Then he left.", 2),
    "runs of ?!": ("Really?! Yes!!! Fine.", 3),
    "ellipsis after a lone capital": ("Plan B... Then we left.", 2),
    "Persian": ("ایران و بلاروس سه سند امضا کردند. چرا این مهم است؟ «پاسخ روشن است.» بله", 4),
    "Urdu full stop": ("آیا یہ درست ہے؟ جی ہاں۔", 2),
    "25,000 dots inside": ("Wait" + "." * 25_000 + " what", 1),
    "12,500 ?!": ("!?" * 12_500, 1),
    "only dots": ("...", 1),
}


@pytest.mark.parametrize(("lede", "sentences"), TRICKY_LEDES.values(), ids=TRICKY_LEDES)
def test_sentences_are_counted_at_stops_not_at_abbreviations_or_inside_runs(lede, sentences):
    assert sentence_count(lede) == sentences


def test_an_empty_lede_has_no_sentences():
    assert sentence_count("") == sentence_count(" \n ") == 0


def test_an_address_followed_by_any_number_of_parentheses_keeps_only_its_own():
    copy = (
        "A lede.\n\nGo deeper:\n"
        "Wiki - https://en.wikipedia.org/wiki/Bus_(disambiguation)).;)\n"
        "A page (https://example.org/a)" + ")" * 50_000 + "\n"
    )
    entries = parse_copy(copy, []).go_deeper
    assert [entry.url for entry in entries] == [
        "https://en.wikipedia.org/wiki/Bus_(disambiguation)",
        "https://example.org/a",
    ]


def test_blank_and_zero_width_characters_are_stripped_in_any_order():
    blanks = " \u200b\t\u2060\u00a0\ufeff\u3000" * 5_000
    copy = f"{blanks}A lede.{blanks}\n\nWhy it matters:{blanks}\n{blanks}Yes."
    story = parse_copy(copy, ["Why it matters"])
    assert story.lede == "A lede."
    assert story.sections[0].blocks == ["Yes."]


def test_a_bullet_wrapped_over_many_lines_is_one_item():
    story = parse_copy("A lede.\n\n• first\n" + "and more\n" * 20_000 + "• second", [])
    (items,) = story.sections[0].blocks
    assert items == ["first" + " and more" * 20_000, "second"]


def test_a_label_repeated_with_nothing_under_it_is_reported_once():
    story = parse_copy(
        "A lede.\n\n" + "Why it matters\n" * 10_000 + "\nAll of it.", ["Why it matters"]
    )
    assert story.warnings.count("“Why it matters” has no text under it, so it was left out.") == 1


# --- the admin's live counter agrees, and keeps up --------------------------------------


@pytest.fixture
def counter_page():
    """The lede's field and the counter's script on a blank page, in Debian's Chromium (or
    ``NEWSROOM_CHROMIUM``), as tests/browser/ drives it. One per test: while Playwright
    runs, Django takes the test thread for async code and refuses database calls."""
    chromium = os.environ.get("NEWSROOM_CHROMIUM") or "/usr/bin/chromium"
    from playwright.sync_api import sync_playwright

    limits = {"headline_chars": 70, "lede_words": 40, "lede_sentences": 1}
    limits |= {"section_words": 80, "story_words": 300}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        page.set_default_timeout(WORKER_TIMEOUT * 1000)
        page.set_content(
            '<div class="form-row"><textarea id="id_lede"></textarea></div>'
            f'<script id="brevity-limits" type="application/json">{json.dumps(limits)}</script>'
        )
        page.add_script_tag(path=str(ROOT / "static" / "js" / "admin" / "brevity.js"))
        try:
            yield page
        finally:
            browser.close()


def live_count(page, lede: str) -> int:
    """The sentences the counter under the lede shows once ``lede`` is typed in."""
    page.eval_on_selector("#id_lede_brevity", "counter => { counter.textContent = ''; }")
    page.fill("#id_lede", lede)
    shown = page.wait_for_function(
        "document.getElementById('id_lede_brevity').textContent"
    ).json_value()
    return int(re.search(r"(\d+) sentences?", shown)[1])


@pytest.mark.slow
@pytest.mark.browser
def test_the_live_counter_counts_sentences_as_the_server_does(counter_page):
    for lede, sentences in TRICKY_LEDES.values():
        assert live_count(counter_page, lede) == sentences, lede[:80]


@pytest.mark.slow
@pytest.mark.browser
def test_the_live_counter_keeps_up_with_a_lede_of_200000_dots(counter_page):
    # The old expression took minutes on it, and the tab froze at every keystroke.
    assert live_count(counter_page, "Wait" + "." * 200_000 + " what") == 1
