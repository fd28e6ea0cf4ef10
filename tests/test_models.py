import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from articles import workflow
from articles.models import RelatedLink, Status, Story
from tests.factories import make_author, make_story

pytestmark = pytest.mark.django_db


def test_every_save_revision_is_numbered_per_story():
    story = make_story("Numbered")
    workflow.save_revision(story, None, "second")
    assert list(story.revisions.values_list("number", flat=True)) == [2, 1]
    assert story.version == 2


def test_published_story_keeps_live_copy_while_working_copy_changes():
    story = make_story("Original headline", authors=[make_author("A")], publish=True)
    story.headline = "Edited headline"
    story.save()
    workflow.save_revision(story, None, "edit")

    story.refresh_from_db()
    assert story.live_revision.snapshot["headline"] == "Original headline"
    assert story.has_unpublished_changes

    workflow.transition(story, "publish", None)
    assert story.live_revision.snapshot["headline"] == "Edited headline"
    assert not story.has_unpublished_changes


def test_published_excludes_drafts_and_unpublished():
    live = make_story("Live", publish=True)
    make_story("Draft")
    gone = make_story("Gone", publish=True)
    workflow.transition(gone, "unpublish", None)
    assert list(Story.objects.published()) == [live]
    assert gone.status == Status.UNPUBLISHED


def test_related_link_cannot_have_both_story_and_url():
    story = make_story()
    other = make_story()
    with pytest.raises(IntegrityError), transaction.atomic():
        RelatedLink.objects.create(story=story, title="x", target=other, url="https://example.com")


def test_related_link_refuses_javascript_url_in_database():
    story = make_story()
    with pytest.raises(IntegrityError), transaction.atomic():
        RelatedLink.objects.create(story=story, title="x", url="javascript:alert(1)")


def test_slug_is_unique_and_never_empty():
    first = make_story("Same headline")
    second = make_story("Same headline")
    persian = make_story("ایران و بلاروس")
    emoji = make_story("🎉")
    assert first.slug == "same-headline"
    assert second.slug == "same-headline-2"
    assert persian.slug == "ایران-و-بلاروس"
    assert emoji.slug == "story"


def test_long_headlines_still_get_unique_slugs():
    headline = "A very long headline " * 8
    slugs = {make_story(headline[:200]).slug for _ in range(3)}
    assert len(slugs) == 3
    assert all(len(slug) <= 100 for slug in slugs)


def test_lead_image_needs_a_description():
    story = make_story("Pictured")
    story.lead_image = "stories/example.jpg"
    with pytest.raises(ValidationError) as error:
        story.full_clean()
    assert "lead_image_alt" in error.value.message_dict
    story.lead_image_alt = "Two ministers shake hands"
    story.full_clean()
