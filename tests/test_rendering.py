"""A story is rendered once, when it is published, and again only when something it
shows changes (articles.rendering): what readers get always equals a fresh render."""

import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from articles import rendering, workflow
from articles.models import Author, Rendering, Story
from tests.factories import make_author, make_section, make_story

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
#: What a rendering stores that a fresh render must equal.
STORED = (
    "revision_id",
    "version",
    "section_slug",
    "title",
    "description",
    "canonical",
    "head",
    "article",
    "card",
    "card_in_section",
    "lead",
    "linked",
)


def stored(story) -> Rendering:
    return Rendering.objects.get(story=story)


def fresh(story) -> Rendering:
    story = Story.objects.select_related("live_revision").get(pk=story.pk)
    return rendering.render(story, generation=0)[0]


def differences(story) -> list[str]:
    kept, made = stored(story), fresh(story)
    return [name for name in STORED if getattr(kept, name) != getattr(made, name)]


def test_every_demo_story_is_stored_as_a_fresh_render_would_make_it(client):
    call_command("load_demo", verbosity=0)
    stories = list(Story.objects.published())
    assert len(stories) >= 10
    for story in stories:
        assert differences(story) == [], story.headline
        # And that is what readers get, between the site's header and footer.
        page = client.get(story.get_absolute_url()).content.decode()
        assert stored(story).article in page


def test_publishing_renders_the_story_in_its_own_transaction():
    story = make_story("Rendered at once")
    assert not Rendering.objects.filter(story=story).exists()
    with transaction.atomic():
        workflow.transition(story, "publish", None)
        assert stored(story).revision_id == Story.objects.get(pk=story.pk).live_revision_id
    assert "Rendered at once" in stored(story).article


def test_a_reader_page_is_two_queries(client, django_assert_num_queries):
    story = make_story("Cheap to read", section=make_section("World"), publish=True)
    with django_assert_num_queries(2):  # the story with its rendering; the section menu
        response = client.get(story.get_absolute_url())
    assert response.status_code == 200


def test_a_correction_renders_the_story_again():
    story = make_story("Corrected", publish=True)
    workflow.correct(story, "correction", "An earlier version misnamed the port.", None)
    assert "misnamed the port" in stored(story).article
    assert differences(story) == []


def test_a_linked_story_going_live_and_away_renders_the_linking_story_again(client):
    target = make_story("Background piece")
    story = make_story("Main story", links=[("Background piece", target)], publish=True)
    assert 'class="go-deeper__title">Background piece' in stored(story).article

    workflow.transition(target, "publish", None)
    target.refresh_from_db()
    page = client.get(story.get_absolute_url()).content.decode()
    assert f'href="{target.get_absolute_url()}"' in page

    workflow.transition(target, "unpublish", None)
    page = client.get(story.get_absolute_url()).content.decode()
    assert f'href="{target.get_absolute_url()}"' not in page
    assert differences(story) == []


def test_renaming_an_author_renders_every_story_again(client):
    author = make_author("Hossein Amiri")
    story = make_story("Bylined", authors=[author], publish=True)
    Author.objects.filter(pk=author.pk).update(name="H. Amiri")
    author.refresh_from_db()
    author.save()  # as the admin does: the change goes out to every page
    page = client.get(story.get_absolute_url()).content.decode()
    assert "H. Amiri" in page
    assert differences(story) == []


def test_a_template_change_renders_again(client, settings, tmp_path):
    story = make_story("Templates move on", publish=True)
    before = stored(story).version
    # A deploy that changes the article's template.
    override = tmp_path / "articles" / "includes"
    override.mkdir(parents=True)
    source = ROOT / "templates" / "articles" / "includes" / "story_article.html"
    shutil.copy(source, override / "story_article.html")
    changed = (
        (override / "story_article.html")
        .read_text()
        .replace('<article class="story">', '<article class="story" data-edition="winter">')
    )
    (override / "story_article.html").write_text(changed)
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    rendering.forget_version()
    try:
        page = client.get(story.get_absolute_url()).content.decode()
        assert 'data-edition="winter"' in page
        assert stored(story).version != before
    finally:
        rendering.forget_version()


def test_a_rendering_made_before_a_change_is_not_kept():
    story = make_story("Raced", publish=True)
    Rendering.objects.filter(story=story).delete()
    old = Story.objects.select_related("live_revision").get(pk=story.pk)
    started = rendering.readable(Story.objects.all()).get(pk=story.pk).newest_change
    made = rendering.render(old, started)
    # A correction commits while that render was in progress.
    workflow.correct(story, "correction", "Fixed while rendering.", None)
    Rendering.objects.filter(story=story).delete()  # the correction's own render, aside
    assert rendering._store([made]) == []
    assert not Rendering.objects.filter(story=story).exists()


def test_rerender_renders_what_is_stale_with_progress(capsys):
    stories = [make_story(f"Story {i}", publish=True) for i in range(3)]
    Rendering.objects.filter(story=stories[0]).delete()
    Rendering.objects.filter(story=stories[1]).update(version="old")
    call_command("rerender", batch=1)
    out, err = capsys.readouterr()
    assert "2 stories with missing or stale HTML to render." in out
    assert "Rendered 2 of 2 (100%)" in err
    for story in stories:
        assert differences(story) == []
    call_command("rerender")
    assert "0 stories" in capsys.readouterr().out


def test_a_card_template_change_renders_the_listings_again(client, settings, tmp_path):
    section = make_section("World")
    story = make_story("Cards move on", section=section, publish=True)
    make_story("The home page's lead", section=section, publish=True)
    client.get(section.get_absolute_url())  # the cards, rendered and stored
    before = stored(story).version
    override = tmp_path / "articles" / "includes"
    override.mkdir(parents=True)
    source = ROOT / "templates" / "articles" / "includes" / "card.html"
    (override / "card.html").write_text(
        source.read_text().replace('<article class="card">', '<article class="card winter">', 1)
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    rendering.forget_version()
    try:
        for path in ("/", section.get_absolute_url()):
            assert '<article class="card winter">' in client.get(path).content.decode(), path
        assert stored(story).version != before
        assert differences(story) == []
    finally:
        rendering.forget_version()
