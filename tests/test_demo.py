"""``manage.py load_demo``: the content and accounts ``make run`` starts with."""

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from articles import demo
from articles.models import (
    Author,
    BriefingSection,
    Byline,
    RelatedLink,
    Revision,
    Section,
    Story,
    Tag,
)

SHARED_SEED = Path("/work/shared/fixtures/seed-story.txt")
COOPERATION_HEADLINE = "Iran, Belarus Sign Three Cooperation Documents"


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def password(username: str) -> str:
    return next(a.password for a in demo.ACCOUNTS if a.username == username)


def counts() -> dict[str, int]:
    models = [Story, Byline, BriefingSection, RelatedLink, Revision, Author, Section, Tag]
    tallies = {m.__name__: m.objects.count() for m in models}
    tallies["User"] = get_user_model().objects.count()
    return tallies


@pytest.fixture
def loaded(demo, db):
    """The demo content, loaded once for this module: what ``load_demo`` printed."""
    return demo


@pytest.fixture
def seed(loaded):
    return Story.objects.get(headline=demo.SEED_HEADLINE)


def test_repository_seed_copy_matches_the_shared_fixture():
    if not SHARED_SEED.exists():
        pytest.skip("no shared seed fixture on this machine")
    assert (demo.STORIES_DIR / "seed-story.txt").read_bytes() == SHARED_SEED.read_bytes()


def test_seed_headline_is_short_enough_for_smart_brevity():
    assert len(demo.SEED_HEADLINE) <= 70


def test_seed_story_is_published_in_world(seed):
    assert seed.is_live
    assert seed in Story.objects.published()
    assert seed.live_section.slug == "world"


def test_seed_story_bylines_follow_the_copy_order(seed):
    names = [b["name"] for b in seed.live_revision.snapshot["bylines"]]
    assert names == ["Hossein Amiri", "Mahboubeh Habibi"]


def test_seed_story_has_five_labelled_sections_in_order(seed):
    labels = [s["label"] for s in seed.live_revision.snapshot["sections"] if s["label"]]
    assert labels == [
        "Why it matters",
        "The big picture",
        "What they're saying",
        "Between the lines",
        "What to watch",
    ]


def test_seed_story_go_deeper_links_to_the_published_cooperation_story(seed):
    link = seed.related_links.get()
    assert link.target.headline == COOPERATION_HEADLINE
    assert link.target in Story.objects.published()
    assert link.url == ""


def test_byline_line_is_in_no_section_body(loaded):
    assert not BriefingSection.objects.filter(body__contains="Hossein Amiri").exists()
    for revision in Revision.objects.all():
        for section in revision.snapshot["sections"]:
            assert "Mahboubeh Habibi" not in section["body"]


def test_at_least_nine_stories_are_published_across_four_sections(loaded):
    published = Story.objects.published()
    assert published.count() >= 9
    assert published.values("live_section").distinct().count() >= 4


def test_every_demo_story_is_published(loaded):
    assert Story.objects.published().count() == Story.objects.count() == len(demo.STORIES)


def test_seed_story_is_the_latest_published(seed):
    # The English edition's lead; its Persian translation leads the Persian edition.
    assert Story.objects.latest_published().in_language("en").first() == seed
    persian = Story.objects.latest_published().in_language("fa").first()
    assert persian.translation_source == seed
    assert [b.author.name for b in persian.bylines.order_by("position")] == [
        "Hossein Amiri",
        "Mahboubeh Habibi",
    ]


def test_publication_times_are_staggered(loaded):
    times = list(Story.objects.values_list("first_published_at", flat=True))
    assert len(set(times)) == len(times)


def test_every_go_deeper_entry_resolves(loaded):
    assert not RelatedLink.objects.filter(target__isnull=True, url="").exists()


def test_demo_stories_are_tagged(loaded):
    assert not Story.objects.filter(tags__isnull=True).exists()


def test_invented_authors_have_a_job_title_and_bio(loaded):
    for item in demo.AUTHORS:
        author = Author.objects.get(name=item.name)
        assert author.job_title and author.bio


def test_second_run_creates_nothing(loaded):
    before = counts()
    output = load_demo()
    assert counts() == before
    assert "already loaded" in output
    assert "Created" not in output


def test_editor_can_sign_in_to_the_admin(loaded, client):
    response = client.post(
        reverse("admin:login"),
        {"username": "editor", "password": password("editor"), "next": "/admin/"},
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_editor_is_in_editors(loaded):
    editor = get_user_model().objects.get(username="editor")
    assert editor.is_staff
    assert list(editor.groups.values_list("name", flat=True)) == ["Editors"]


def test_journalist_is_in_journalists_and_writes_under_a_byline(loaded):
    journalist = get_user_model().objects.get(username="journalist")
    assert journalist.is_staff
    assert list(journalist.groups.values_list("name", flat=True)) == ["Journalists"]
    assert journalist.author.bylines.exists()


def test_admin_is_a_superuser(loaded):
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password("admin"))


def test_prints_the_logins_with_a_demo_credentials_warning(loaded):
    assert "Admin: http://127.0.0.1:8000/admin/" in loaded
    assert f"editor / {password('editor')}" in loaded
    assert "demo credentials" in loaded


def test_existing_account_keeps_its_password(loaded):
    editor = get_user_model().objects.get(username="editor")
    editor.set_password("the editor's own")
    editor.save()
    load_demo()
    assert get_user_model().objects.get(username="editor").check_password("the editor's own")
