"""manage.py prune_media: images no story, revision or author uses, and nothing else."""

import io
import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from articles import renditions, workflow
from articles.models import ImageRendition
from tests.factories import make_author, make_story

pytestmark = pytest.mark.django_db

DAY = 24 * 3600


def photo(colour):
    buffer = io.BytesIO()
    Image.new("RGB", (1000, 600), colour).save(buffer, "JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def age_media(settings, seconds=2 * DAY):
    """Make every stored file look ``seconds`` old."""
    then = time.time() - seconds
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if path.is_file():
            os.utime(path, (then, then))


def prune(*args):
    out = io.StringIO()
    call_command("prune_media", *args, stdout=out)
    return out.getvalue()


def stored(settings):
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def replaced(editor):
    """A live story whose image was replaced in the working copy, and never published:
    the old image is in the live revision, the new one only in the working copy."""
    story = make_story("Harbour reopens", publish=True, by=editor)
    story.lead_image = photo((200, 30, 30))
    story.lead_image_alt = "Boats in the harbour"
    story.save()
    workflow.save_revision(story, editor)
    workflow.transition(story, "publish", editor)
    first = story.lead_image.name
    renditions.make_renditions(first)
    story.lead_image = photo((30, 30, 200))
    story.save()
    return story, first


def test_images_of_revisions_and_working_copies_are_kept(settings, replaced):
    story, first = replaced
    age_media(settings)
    before = stored(settings)
    output = prune("--delete")
    assert stored(settings) == before
    assert "Deleting 0 unused originals, 0 of their renditions and 0 stray" in output
    assert first in before and story.lead_image.name in before


def test_an_image_no_revision_uses_goes_with_its_renditions(settings, editor):
    story = make_story("Ferry timetable", by=editor)
    story.lead_image = photo((200, 30, 30))
    story.lead_image_alt = "A ferry"
    story.save()  # never saved as a revision, then replaced
    dropped = story.lead_image.name
    renditions.make_renditions(dropped)
    rendition_files = set(
        ImageRendition.objects.filter(source=dropped).values_list("file", flat=True)
    )
    assert rendition_files
    story.lead_image = photo((30, 200, 30))
    story.save()
    workflow.save_revision(story, editor)
    kept = story.lead_image.name
    (Path(settings.MEDIA_ROOT) / "renditions" / "stray.webp").write_bytes(b"left over")
    age_media(settings)

    listed = prune()
    assert f"  {dropped}" in listed and "renditions/stray.webp" in listed
    assert "run again with --delete" in listed
    assert dropped in stored(settings)  # listing deletes nothing

    prune("--delete")
    left = stored(settings)
    assert dropped not in left and kept in left
    assert not rendition_files & left
    assert "renditions/stray.webp" not in left
    assert not ImageRendition.objects.filter(source=dropped).exists()


def test_recent_files_are_left_alone(settings, editor):
    story = make_story("Fresh upload", by=editor)
    story.lead_image = photo((200, 30, 30))
    story.save()
    fresh = story.lead_image.name
    story.lead_image = ""
    story.save()
    prune("--delete")
    assert fresh in stored(settings)
    age_media(settings)
    prune("--delete", "--older-than", "1")
    assert fresh not in stored(settings)


def test_author_photos_are_kept(settings):
    author = make_author("Lena Hartmann")
    author.photo = photo((90, 90, 90))
    author.photo_alt = "Lena Hartmann"
    author.save()
    age_media(settings)
    prune("--delete")
    assert author.photo.name in stored(settings)


def test_a_negative_age_is_a_command_error():
    with pytest.raises(CommandError, match="zero or more hours"):
        prune("--older-than", "-1")
