"""Media in S3-compatible object storage (``AWS_STORAGE_BUCKET_NAME``): uploads through
the admin, renditions, ``prune_media`` and the image checks, against a real S3 HTTP
endpoint (moto_server on loopback), with images linked on a media host of their own.

The settings are the ones settings.py makes from the environment
(``tests.s3_media.s3_storage``); each test has a folder of the bucket of its own.
"""

import io
import os
import subprocess
import sys
import urllib.request

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from articles import renditions, storage, workflow
from articles.live import live_page
from articles.models import ImageRendition, Story
from tests.conftest import change_url, form_values, messages_of
from tests.factories import make_story
from tests.s3_media import MotoServer, media_host, s3_environment, use_s3

pytestmark = [pytest.mark.slow, pytest.mark.django_db]  # a moto_server of the module's own

needs_s3_storage = pytest.mark.skipif(
    not hasattr(storage, "S3MediaStorage"),
    reason="needs articles.storage.S3MediaStorage and the S3 settings (issue 16)",
)


@pytest.fixture(scope="module")
def server():
    with MotoServer() as moto:
        yield moto


@pytest.fixture
def bucket(server, settings, monkeypatch):
    """This test's folder of the bucket, and the storage settings that use it."""
    folder = use_s3(settings, monkeypatch, server)
    return server, folder


def stored(bucket) -> set[str]:
    server, folder = bucket
    return {key.removeprefix(folder + "/") for key in server.keys(folder + "/")}


def photo(colour=(200, 30, 30), size=(1600, 1000), fmt="JPEG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def fetch(url: str):
    """Status, headers (any case) and body of a GET, as a browser would fetch an image."""
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status, answer.headers, answer.read()


# --- uploads ----------------------------------------------------------------------------------


def test_an_image_uploaded_through_the_admin_lands_in_the_bucket(bucket, as_editor, editor):
    story = make_story("Harbour reopens", created_by=editor, by=editor)
    data = form_values(as_editor.get(change_url(story))) | {
        "lead_image": photo(),
        "lead_image_alt": "Ships in the harbour",
    }
    answer = as_editor.post(change_url(story), data)
    assert answer.status_code == 302
    story.refresh_from_db()
    name = story.lead_image.name
    assert name.startswith("stories/") and name.endswith(".jpg")
    assert name in stored(bucket)
    # Linked on the media host, unsigned: the same address for every reader.
    server, folder = bucket
    assert story.lead_image.url == f"{media_host(server)}{folder}/{name}"
    status, headers, body = fetch(story.lead_image.url)
    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(body)).size == (1600, 1000)


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_stored(bucket, as_editor):
    data = form_values(as_editor.get(reverse("admin:articles_story_add"))) | {
        "headline": "Harbour reopens",
        "lede": "Ships are back.",
        "lead_image": SimpleUploadedFile("harbour.png", b"<html><script>alert(1)</script>"),
    }
    answer = as_editor.post(reverse("admin:articles_story_add"), data)
    assert answer.status_code == 200
    assert answer.context["adminform"].form.errors["lead_image"] == [
        "This file is not a JPEG, PNG, WebP or GIF image."
    ]
    assert stored(bucket) == set()


@needs_s3_storage
def test_a_bucket_that_does_not_answer_keeps_the_text(bucket, as_editor, editor, settings):
    """S3 leaves no partial object behind; what is left is to keep what was typed."""
    story = make_story("Storm hits coast", created_by=editor, by=editor)
    data = form_values(as_editor.get(change_url(story))) | {
        "lede": "The storm reached the coast at dawn.",
        "lead_image": photo(),
        "lead_image_alt": "Waves",
    }
    closed = MotoServer()  # a port nothing listens on
    options = settings.STORAGES["default"]["OPTIONS"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**options, "endpoint_url": closed.url},
        },
    }
    answer = as_editor.post(change_url(story), data, follow=True)
    assert answer.status_code == 200
    assert any("could not be stored" in m for m in messages_of(answer))
    story.refresh_from_db()
    assert story.lede == "The storm reached the coast at dawn."
    assert not story.lead_image
    assert stored(bucket) == set()


@needs_s3_storage
def test_a_missing_object_is_a_missing_file(bucket):
    with pytest.raises(FileNotFoundError):
        default_storage.open("stories/none.jpg")
    with pytest.raises(FileNotFoundError):
        default_storage.get_modified_time("stories/none.jpg")
    assert not default_storage.exists("stories/none.jpg")


# --- renditions ---------------------------------------------------------------------------------


def published_with_image(editor) -> Story:
    story = make_story("Harbour reopens", publish=True, by=editor)
    story.lead_image = photo(size=(2000, 1000))
    story.lead_image_alt = "Boats"
    story.save()
    workflow.save_revision(story, editor)
    workflow.transition(story, "publish", editor)
    return story


def test_renditions_are_made_from_the_bucket_into_the_bucket(bucket, editor):
    story = published_with_image(editor)
    made = renditions.make_renditions(story.lead_image.name)
    assert len(made) == 7  # three widths in WebP and JPEG, and the social card
    assert {r.file.name for r in made} <= stored(bucket)
    server, _ = bucket
    image = live_page(Story.objects.latest_published().get(pk=story.pk)).image
    assert image.url.startswith(media_host(server))
    for url in [image.url, image.social_url, *(u.split()[0] for u in image.srcset.split(", "))]:
        status, headers, _body = fetch(url)
        assert status == 200 and headers["Content-Type"] in ("image/jpeg", "image/webp")
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    w800 = next(r for r in made if r.kind == "w800" and r.format == "jpeg")
    assert Image.open(io.BytesIO(fetch(w800.url)[2])).size == (800, 400)
    again = renditions.make_renditions(story.lead_image.name)  # made once only
    assert {r.pk for r in again} == {r.pk for r in made}


# --- prune_media --------------------------------------------------------------------------------


def prune(*args) -> str:
    out = io.StringIO()
    call_command("prune_media", "--older-than", "0", *args, stdout=out)
    return out.getvalue()


def test_prune_media_lists_and_deletes_unused_objects(bucket, editor):
    story = published_with_image(editor)
    live = story.lead_image.name
    renditions.make_renditions(live)
    story.lead_image = photo((30, 30, 200))
    story.save()  # replaced in the working copy, never saved as a revision…
    dropped = story.lead_image.name
    renditions.make_renditions(dropped)
    dropped_renditions = set(
        ImageRendition.objects.filter(source=dropped).values_list("file", flat=True)
    )
    story.lead_image = photo((30, 200, 30))
    story.save()  # …and replaced again
    kept = story.lead_image.name
    default_storage.save("renditions/stray.webp", io.BytesIO(b"left over"))

    listed = prune()
    assert f"  {dropped}" in listed and "  renditions/stray.webp" in listed
    assert f"  {live}" not in listed and f"  {kept}" not in listed
    assert dropped in stored(bucket)  # listing deletes nothing

    prune("--delete")
    left = stored(bucket)
    assert dropped not in left and not dropped_renditions & left
    assert "renditions/stray.webp" not in left
    assert {live, kept} <= left
    assert not ImageRendition.objects.filter(source=dropped).exists()
    assert ImageRendition.objects.filter(source=live).count() == 7


def test_prune_media_leaves_recent_objects_alone(bucket, editor):
    story = make_story("Fresh upload", by=editor)
    story.lead_image = photo()
    story.save()
    fresh = story.lead_image.name
    story.lead_image = ""
    story.save()
    out = io.StringIO()
    call_command("prune_media", "--delete", stdout=out)  # 24 hours by default
    assert fresh in stored(bucket)


# --- settings -----------------------------------------------------------------------------------


def settings_of(env: dict) -> subprocess.CompletedProcess:
    """What a process configured by ``env`` stores media with, and where it links them."""
    code = (
        "import django; django.setup(); from django.core.files.storage import storages; "
        "media = storages['default']; print(type(media).__name__, media.url('stories/a.jpg'))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MEDIA_"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "newsroom.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@needs_s3_storage
def test_a_bucket_in_the_environment_stores_media_there(server):
    env = s3_environment(server, "") | {"MEDIA_URL": "https://media.example.org/"}
    done = settings_of(env)
    assert done.returncode == 0, done.stderr
    assert "S3MediaStorage https://media.example.org/stories/a.jpg" in done.stdout


@needs_s3_storage
def test_a_bucket_needs_a_media_host(server):
    env = s3_environment(server, "") | {"MEDIA_URL": "media/"}
    done = settings_of(env)
    assert done.returncode != 0
    assert "set MEDIA_URL to the full URL" in done.stderr
