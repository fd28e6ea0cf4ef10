"""Importing plain-text copy: articles.importer and ``manage.py import_story``."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from articles.importer import import_copy
from articles.models import Author, RelatedLink, Revision, Status, Story
from articles.parser import ParseError
from tests.factories import make_author, make_section, make_story

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(__file__).parent / "data" / "import" / "seed-story.txt"
SEED_LINK = "Iran, Belarus Sign Three Cooperation Documents"
SEED_LABELS = [
    "Why it matters",
    "The big picture",
    "What they're saying",
    "Between the lines",
    "What to watch",
]

pytestmark = pytest.mark.django_db


def write(tmp_path, content, name="story.txt") -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def import_story(*args) -> str:
    out = io.StringIO()
    call_command("import_story", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def manage(*args, database=None) -> subprocess.CompletedProcess:
    """``manage.py`` in a subprocess; ``database`` is the database it may use."""
    env = dict(os.environ)
    if database:
        settings = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{database}"
        )
    else:
        # Bad input must be refused before any connection: a closed port proves it.
        env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:1/newsroom"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def seed_path():
    return str(SEED)


@pytest.fixture
def seed(seed_path):
    import_story(seed_path)
    return Story.objects.get()


# --- the seed story ---------------------------------------------------------------------


def test_seed_story_import_creates_one_draft_story(seed):
    assert Story.objects.count() == 1
    assert seed.status == Status.DRAFT
    assert not seed.is_live


def test_seed_story_without_headline_gets_provisional_headline(seed):
    assert seed.headline_is_provisional
    assert seed.headline.startswith("Draft: Iranian Foreign Minister Abbas Araghchi met")
    assert len(seed.headline) <= 100


def test_seed_story_lede_is_saved(seed):
    assert seed.lede.startswith("Iranian Foreign Minister Abbas Araghchi met on Monday")


def test_seed_story_has_two_bylines_in_order(seed):
    names = [b.author.name for b in seed.bylines.select_related("author")]
    assert names == ["Hossein Amiri", "Mahboubeh Habibi"]
    assert [b.position for b in seed.bylines.all()] == [0, 1]


def test_seed_story_has_five_labelled_sections_in_order(seed):
    sections = list(seed.sections.select_related("label"))
    assert [s.label.name for s in sections] == SEED_LABELS
    assert sections[3].body.startswith("<p>The tone of the meeting reflects")
    assert sections[3].body.count("<p>") == 4


def test_byline_line_is_in_no_section_body(seed):
    for section in seed.sections.all():
        assert "Hossein Amiri" not in section.body
        assert "Mahboubeh Habibi" not in section.body
    assert "Mahboubeh" not in seed.lede


def test_import_saves_a_revision(seed):
    revision = Revision.objects.get(story=seed)
    assert revision.message == "Imported from text"
    assert [s["label"] for s in revision.snapshot["sections"]] == SEED_LABELS


def test_go_deeper_links_to_published_story_with_that_headline(seed_path):
    target = make_story(SEED_LINK, publish=True)
    import_story(seed_path)
    link = RelatedLink.objects.get(story__headline__startswith="Draft:")
    assert (link.title, link.target, link.url) == (SEED_LINK, target, "")


def test_go_deeper_stays_a_title_when_no_story_has_that_headline(seed):
    link = seed.related_links.get()
    assert (link.title, link.target, link.url) == (SEED_LINK, None, "")


def test_go_deeper_prefers_the_published_story():
    make_story(SEED_LINK.upper())
    published = make_story(SEED_LINK, publish=True)
    make_story(SEED_LINK)
    result = import_copy(SEED.read_text(encoding="utf-8"))
    assert result.story.related_links.get().target == published
    assert result.linked == [SEED_LINK]


def test_go_deeper_matches_headline_whatever_its_quotes_and_case():
    target = make_story("Belarus’s “new” partner", publish=True)
    result = import_copy('Lede.\n\nGo deeper:\n\nbelarus\'s "NEW" partner\n\nJane Doe')
    assert result.story.related_links.get().target == target


def test_go_deeper_entry_with_web_address_is_saved_as_url():
    result = import_copy("Lede.\n\nGo deeper: Explainer - https://example.org/x\n\nJane Doe")
    link = result.story.related_links.get()
    assert (link.title, link.url, link.target) == ("Explainer", "https://example.org/x", None)


def test_import_result_lists_unresolved_titles():
    result = import_copy(SEED.read_text(encoding="utf-8"))
    assert (result.linked, result.unresolved) == ([], [SEED_LINK])


def test_javascript_address_in_go_deeper_is_not_linked(tmp_path):
    path = write(tmp_path, "Lede.\n\nGo deeper:\n\nClick here - javascript:alert(1)\n\nJane Doe")
    output = import_story(path)
    link = RelatedLink.objects.get()
    assert (link.title, link.url, link.target) == ("Click here", "", None)
    assert "not an http:// or https:// web address" in output


# --- authors -------------------------------------------------------------------------------


def test_existing_author_is_reused_whatever_the_case(seed_path):
    existing = make_author("hossein amiri")
    result = import_copy(SEED.read_text(encoding="utf-8"))
    assert result.story.bylines.first().author == existing
    assert [a.name for a in result.created_authors] == ["Mahboubeh Habibi"]
    assert Author.objects.count() == 2


def test_author_named_twice_gets_one_byline():
    result = import_copy("Lede.\n\nJane Doe and Jane Doe")
    assert result.story.bylines.count() == 1
    assert any("named twice" in w for w in result.warnings)


# --- headline and publishing -------------------------------------------------------------


def test_headline_line_in_copy_becomes_the_headline():
    result = import_copy("Iran and Belarus pledge closer ties\n\nThe lede.\n\nJane Doe")
    assert result.story.headline == "Iran and Belarus pledge closer ties"
    assert not result.story.headline_is_provisional
    assert result.story.slug == "iran-and-belarus-pledge-closer-ties"


def test_publish_with_headline_publishes(seed_path):
    output = import_story(seed_path, "--publish", "--headline", "Iran and Belarus pledge ties")
    story = Story.objects.get()
    assert story.headline == "Iran and Belarus pledge ties"
    assert story.status == Status.PUBLISHED
    assert Story.objects.published().get() == story
    assert "created published story" in output


def test_publish_without_headline_stays_draft_and_says_so(seed_path):
    output = import_story(seed_path, "--publish")
    story = Story.objects.get()
    assert story.status == Status.DRAFT
    assert not Story.objects.published().exists()
    assert "Not published: the copy has no headline" in output


def test_empty_headline_option_is_refused(seed_path):
    with pytest.raises(CommandError, match="The headline is empty"):
        import_story(seed_path, "--headline", "  ")
    assert Story.objects.count() == 0


def test_ten_thousand_character_headline_is_refused_and_nothing_saved(seed_path):
    with pytest.raises(CommandError, match="at most 200 characters") as error:
        import_story(seed_path, "--headline", "H" * 10_000)
    assert "\n" not in str(error.value)
    assert Story.objects.count() == 0
    assert Author.objects.count() == 0


def test_headline_option_with_several_files_is_refused(seed_path):
    with pytest.raises(CommandError, match="--headline is for one story"):
        import_story(seed_path, seed_path, "--headline", "One headline")


# --- sections, output, dry run ------------------------------------------------------------


def test_section_option_puts_the_story_in_that_section(seed_path):
    world = make_section("World", slug="world")
    import_story(seed_path, "--section", "world")
    assert Story.objects.get().section == world


def test_unknown_section_is_refused_with_the_available_slugs(seed_path):
    make_section("World", slug="world")
    with pytest.raises(CommandError, match=r"No section with the slug “nope”\. Sections: world\."):
        import_story(seed_path, "--section", "nope")
    assert Story.objects.count() == 0


def test_output_names_what_was_created(seed_path):
    output = import_story(seed_path)
    story = Story.objects.get()
    assert f"created draft story {story.pk}" in output
    assert "Hossein Amiri (new author), Mahboubeh Habibi (new author)" in output
    assert "4. Between the lines" in output
    assert f"“{SEED_LINK}”: no story with this headline" in output
    assert f"/admin/articles/story/{story.pk}/change/" in output
    assert "Headline: provisional" in output


def test_dry_run_saves_nothing_and_shows_what_would_be_created(seed_path):
    output = import_story(seed_path, "--dry-run")
    assert Story.objects.count() == 0
    assert Author.objects.count() == 0
    assert "would create a draft story" in output
    assert "1. Why it matters" in output
    assert "Dry run: nothing was saved." in output


# --- unsafe text --------------------------------------------------------------------------


def test_script_in_copy_is_escaped_in_the_saved_section(tmp_path):
    path = write(tmp_path, "Lede.\n\nWhy it matters: <script>alert(1)</script> <b>x</b>\n\nAl Roe")
    import_story(path)
    body = Story.objects.get().sections.get().body
    assert "<script" not in body
    assert "<b>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_html_in_lede_is_kept_as_plain_text():
    result = import_copy("Lede with <em>tags</em>.\n\nJane Doe")
    assert result.story.lede == "Lede with <em>tags</em>."


def test_emoji_and_rtl_text_survive_the_database():
    lede = "Talks in Minsk 🇮🇷🇧🇾 — «گفت‌وگو» در مینسک."
    result = import_copy(f"{lede}\n\nWhy it matters: می‌خواهم 🤝\n\nJane Doe")
    story = Story.objects.get(pk=result.story.pk)
    assert story.lede == lede
    assert story.sections.get().body == "<p>می‌خواهم 🤝</p>"


# --- bad copy, several files --------------------------------------------------------------


def test_importer_raises_parse_error_and_saves_nothing():
    with pytest.raises(ParseError, match="no lede"):
        import_copy("Why it matters: x\n\nJane Doe")
    assert Story.objects.count() == 0


def test_several_files_are_imported_together(seed_path, tmp_path):
    other = write(tmp_path, "Port deal ends strike\n\nDockworkers voted.\n\nPriya Raman")
    import_story(seed_path, other)
    assert Story.objects.count() == 2


def test_several_files_where_one_is_bad_save_nothing(seed_path, tmp_path):
    good = write(tmp_path, "Port deal ends strike\n\nDockworkers voted.\n\nPriya Raman", "a.txt")
    empty = write(tmp_path, "", "b.txt")
    with pytest.raises(CommandError, match=r"b\.txt: the file is empty"):
        import_story(good, seed_path, empty)
    assert Story.objects.count() == 0


def test_several_files_where_last_has_no_lede_save_nothing(seed_path, tmp_path):
    bad = write(tmp_path, "Why it matters: no lede here.\n\nJane Doe", "bad.txt")
    with pytest.raises(CommandError, match=r"bad\.txt: The copy has no lede"):
        import_story(seed_path, bad)
    assert Story.objects.count() == 0
    assert Author.objects.count() == 0


def test_second_file_links_to_the_first_in_the_same_run(tmp_path):
    first = write(tmp_path, f"{SEED_LINK}\n\nThree documents.\n\nLena Hartmann", "a.txt")
    import_story(first, str(SEED))
    seed = Story.objects.get(headline__startswith="Draft:")
    assert seed.related_links.get().target.headline == SEED_LINK


# --- bad files: exit 1, one line on stderr, no traceback, nothing saved ---------------------

BAD_FILES = {
    "empty": (b"", "the file is empty"),
    "whitespace": (b"  \n\n\t \r\n", "only blank space"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
    "control bytes": (bytes(range(1, 9)) * 50, "binary file"),
    "latin-1": ("Caf\xe9 au lait.\n\nJane Doe".encode("latin-1"), "not UTF-8 text"),
    "utf-16": ("Lede.\n\nJane Doe".encode("utf-16"), "UTF-16"),
    "too large": (b"Lede.\n\n" + b"x" * (200 * 1024), "larger than 200 KB"),
}


def assert_refused(result, message):
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("CommandError: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow  # manage.py in a child process
@pytest.mark.parametrize("kind", BAD_FILES)
def test_bad_file_is_refused_by_the_command(kind, tmp_path):
    content, message = BAD_FILES[kind]
    assert_refused(manage("import_story", write(tmp_path, content)), message)


@pytest.mark.slow  # manage.py in a child process
def test_missing_path_is_refused_by_the_command(tmp_path):
    assert_refused(manage("import_story", str(tmp_path / "nope.txt")), "no such file")


@pytest.mark.slow  # manage.py in a child process
def test_directory_is_refused_by_the_command(tmp_path):
    assert_refused(manage("import_story", str(tmp_path)), "is a folder")


def test_utf8_file_with_byte_order_mark_is_accepted(tmp_path):
    path = write(tmp_path, "\ufeffPort deal ends strike\n\nDockworkers voted.\n\nPriya Raman")
    import_story(path)
    assert Story.objects.get().headline == "Port deal ends strike"


@pytest.mark.slow  # manage.py in a child process
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_command_imports_seed_story_in_a_real_process(seed_path):
    result = manage("import_story", seed_path, database=connection.settings_dict["NAME"])
    assert result.returncode == 0, result.stderr
    story = Story.objects.get()
    assert story.bylines.count() == 2
    assert f"/admin/articles/story/{story.pk}/change/" in result.stdout


@pytest.mark.slow  # manage.py in a child process
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_long_headline_in_a_real_process_exits_1_and_saves_nothing(seed_path):
    database = connection.settings_dict["NAME"]
    result = manage("import_story", seed_path, "--headline", "H" * 10_000, database=database)
    assert_refused(result, "at most 200 characters")
    assert Story.objects.count() == 0
    assert Author.objects.count() == 0


@pytest.mark.slow  # manage.py in a child process
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bad_second_file_in_a_real_process_saves_nothing(seed_path, tmp_path):
    bad = write(tmp_path, "Why it matters: no lede here.\n\nJane Doe", "bad.txt")
    result = manage("import_story", seed_path, bad, database=connection.settings_dict["NAME"])
    assert_refused(result, "bad.txt: The copy has no lede")
    assert Story.objects.count() == 0


@pytest.mark.slow  # manage.py in a child process
def test_unreachable_database_is_one_clear_line(seed_path):
    assert_refused(manage("import_story", seed_path), "the database is not reachable")
