"""Image uploads checked by content and cleaned; renditions for readers and link previews.

Test images are made with Pillow at run time. Uploads go through the admin's author
form over HTTP, the simplest form with an image field; MEDIA_ROOT is a temporary
folder (tests/conftest.py), listed to prove that refused files leave nothing behind.
"""

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from PIL import ExifTags, Image, ImageStat

from articles import renditions, snapshot, tasks, uploads, workflow
from articles.live import live_cards, live_page
from articles.models import Author, ImageRendition, Story
from tests.conftest import form_values
from tests.factories import make_author, make_story

pytestmark = pytest.mark.django_db

AUTHOR_ADD_URL = reverse("admin:articles_author_add")
STORY_ADD_URL = reverse("admin:articles_story_add")
RED, BLUE = (220, 20, 20), (20, 20, 220)


# --- making test files -------------------------------------------------------------------


def picture(size=(64, 48), color=RED) -> Image.Image:
    return Image.new("RGB", size, color)


def halves(size=(64, 48), left=RED, right=BLUE) -> Image.Image:
    image = Image.new("RGB", size, left)
    image.paste(right, (size[0] // 2, 0, size[0], size[1]))
    return image


def encode(image: Image.Image, fmt="JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_declaring(width: int, height: int, padding: int = 900) -> bytes:
    """A small PNG whose header claims ``width`` × ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", b"Comment\x00" + b"x" * padding)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def upload(name: str, data: bytes, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as file:
        return file.read()


def stored_image(name: str) -> Image.Image:
    image = Image.open(io.BytesIO(stored(name)))
    image.load()
    return image


def mean_color(image: Image.Image) -> tuple[float, ...]:
    return tuple(ImageStat.Stat(image.convert("RGB")).mean)


# --- the admin author form ---------------------------------------------------------------


def add_author(client, photo, name="Jane Doe"):
    data = {"name": name, "slug": "", "job_title": "", "bio": "", "photo_alt": "Jane Doe"}
    data["photo"] = photo
    data["user"] = ""
    return client.post(AUTHOR_ADD_URL, data)


def photo_errors(response) -> list[str]:
    assert response.status_code == 200, "the form should have been shown again"
    return response.context["adminform"].form.errors.get("photo", [])


def saved_photo(response) -> str:
    assert response.status_code == 302, photo_errors(response)
    return Author.objects.get(name="Jane Doe").photo.name


# --- refused uploads ---------------------------------------------------------------------------


def test_svg_with_script_is_refused_and_leaves_no_file(as_editor, settings):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = add_author(as_editor, upload("face.svg", svg, "image/svg+xml"))
    assert photo_errors(response) == ["This file is not a JPEG, PNG, WebP or GIF image."]
    assert not Author.objects.exists()
    assert media_files(settings) == []


def test_svg_named_png_is_refused(as_editor, settings):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = add_author(as_editor, upload("face.png", svg, "image/png"))
    assert photo_errors(response) == ["This file is not a JPEG, PNG, WebP or GIF image."]
    assert media_files(settings) == []


def test_html_named_png_is_refused(as_editor, settings):
    html = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
    response = add_author(as_editor, upload("face.png", html, "image/png"))
    assert photo_errors(response) == ["This file is not a JPEG, PNG, WebP or GIF image."]
    assert media_files(settings) == []


def test_tiff_is_refused_although_pillow_could_read_it(as_editor, settings):
    response = add_author(as_editor, upload("face.jpg", encode(picture(), "TIFF"), "image/jpeg"))
    assert photo_errors(response) == ["This file is not a JPEG, PNG, WebP or GIF image."]
    assert media_files(settings) == []


def test_zero_byte_file_is_refused(as_editor, settings):
    response = add_author(as_editor, upload("face.jpg", b"", "image/jpeg"))
    assert photo_errors(response) == ["The submitted file is empty."]
    assert media_files(settings) == []


def test_truncated_jpeg_is_refused(as_editor, settings):
    data = encode(Image.effect_noise((200, 200), 64).convert("RGB"), quality=90)
    response = add_author(as_editor, upload("face.jpg", data[: len(data) // 2], "image/jpeg"))
    assert photo_errors(response) == [uploads.MESSAGES["damaged"]]
    assert media_files(settings) == []


def test_small_png_declaring_30000_pixels_square_is_refused(as_editor, settings):
    data = png_declaring(30_000, 30_000)
    assert len(data) < 1100
    response = add_author(as_editor, upload("face.png", data, "image/png"))
    assert photo_errors(response) == [uploads.MESSAGES["too_many_pixels"]]
    assert media_files(settings) == []


def test_pixel_cap_is_checked_from_the_header_before_decoding():
    # 45 megapixels: under Pillow's own guard, over ours. The file holds almost no
    # pixel data, so refusing it with this message proves the header was read alone.
    with pytest.raises(ValidationError) as refused:
        uploads.clean_upload(ContentFile(png_declaring(9000, 5000), name="big.png"))
    assert refused.value.code == "too_many_pixels"


def test_file_over_the_byte_cap_is_refused(as_editor, settings):
    data = encode(picture()) + b"\x00" * uploads.MAX_BYTES
    response = add_author(as_editor, upload("face.jpg", data, "image/jpeg"))
    assert photo_errors(response) == [uploads.MESSAGES["too_big"]]
    assert media_files(settings) == []


def test_upload_field_offers_only_the_accepted_types(as_editor):
    response = as_editor.get(AUTHOR_ADD_URL)
    assert b'accept="image/jpeg,image/png,image/webp,image/gif"' in response.content


# --- accepted uploads are cleaned ------------------------------------------------------------


def test_jpeg_is_stored_under_a_generated_name(as_editor, settings):
    name = saved_photo(add_author(as_editor, upload("Jane at home.jpg", encode(picture()))))
    assert name.startswith("authors/") and name.endswith(".jpg")
    assert "Jane" not in name
    assert stored_image(name).format == "JPEG"
    assert [p.name for p in media_files(settings)] == [Path(name).name]


def test_png_named_jpg_is_stored_as_png(as_editor):
    name = saved_photo(add_author(as_editor, upload("face.jpg", encode(picture(), "PNG"))))
    assert name.endswith(".png")
    assert stored_image(name).format == "PNG"


def test_webp_is_stored_as_webp(as_editor):
    name = saved_photo(add_author(as_editor, upload("face.webp", encode(picture(), "WEBP"))))
    assert name.endswith(".webp")
    assert stored_image(name).format == "WEBP"


def test_animated_gif_keeps_its_first_frame_as_a_png(as_editor):
    frames = [picture(color=RED).convert("P"), picture(color=BLUE).convert("P")]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    name = saved_photo(add_author(as_editor, upload("face.gif", data, "image/gif")))
    image = stored_image(name)
    assert name.endswith(".png")
    assert getattr(image, "n_frames", 1) == 1
    red, _, blue = mean_color(image)
    assert red > 200 and blue < 40


def test_polyglot_jpeg_is_stored_without_its_payload(as_editor):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zip_file:
        zip_file.writestr("run.html", "<script>alert(1)</script>")
    data = encode(picture()) + b"<script>alert(document.cookie)</script>" + archive.getvalue()
    name = saved_photo(add_author(as_editor, upload("face.jpg", data, "image/jpeg")))
    content = stored(name)
    assert b"<script>" not in content
    assert b"PK\x03\x04" not in content
    assert content.endswith(b"\xff\xd9")


def gps_photo() -> bytes:
    """Red on the left, blue on the right, tagged to be shown turned 90° clockwise."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneCo"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (53.0, 54.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (27.0, 33.0, 56.0)
    return encode(halves((80, 40)), exif=exif, quality=95)


def test_photo_with_gps_is_stored_without_exif(as_editor):
    original = gps_photo()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    name = saved_photo(add_author(as_editor, upload("face.jpg", original, "image/jpeg")))
    content = stored(name)
    assert b"Exif" not in content
    assert b"PhoneCo" not in content
    assert not stored_image(name).getexif()


def test_photo_is_turned_upright_per_its_exif_orientation(as_editor):
    name = saved_photo(add_author(as_editor, upload("face.jpg", gps_photo(), "image/jpeg")))
    image = stored_image(name)
    assert image.size == (40, 80)
    # Turned clockwise, the left (red) half is now on top.
    top = image.crop((0, 0, 40, 30))
    bottom = image.crop((0, 50, 40, 80))
    assert mean_color(top)[0] > 180 and mean_color(top)[2] < 60
    assert mean_color(bottom)[2] > 180 and mean_color(bottom)[0] < 60


def test_clean_upload_returns_a_renamed_clean_copy_for_other_callers():
    cleaned = uploads.clean_upload(ContentFile(encode(picture(), "PNG"), name="x.jpg"))
    assert cleaned.name.endswith(".png") and cleaned.name != "x.png"
    assert Image.open(io.BytesIO(cleaned.read())).format == "PNG"


def test_story_lead_image_upload_is_cleaned_in_the_story_admin(as_editor):
    data = form_values(as_editor.get(STORY_ADD_URL)) | {
        "headline": "Harbour reopens",
        "lede": "Ships are back.",
        "lead_image": upload("harbour.jpg", encode(picture(), "PNG")),
        "lead_image_alt": "Ships in the harbour",
    }
    response = as_editor.post(STORY_ADD_URL, data)
    assert response.status_code == 302
    story = Story.objects.get(headline="Harbour reopens")
    assert story.lead_image.name.startswith("stories/")
    assert story.lead_image.name.endswith(".png")


def test_story_admin_refuses_html_as_lead_image(as_editor, settings):
    data = form_values(as_editor.get(STORY_ADD_URL)) | {
        "headline": "Harbour reopens",
        "lede": "Ships are back.",
        "lead_image": upload("harbour.png", b"<html><script>alert(1)</script>"),
    }
    response = as_editor.post(STORY_ADD_URL, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["lead_image"] == [
        "This file is not a JPEG, PNG, WebP or GIF image."
    ]
    assert not Story.objects.exists()
    assert media_files(settings) == []


# --- snapshot ----------------------------------------------------------------------------------


def story_with_image(image: Image.Image, headline=None, **fields) -> Story:
    fields.setdefault("lead_image_alt", "A picture")
    upload = uploads.clean_upload(ContentFile(encode(image), name="photo.jpg"))
    return make_story(headline, lead_image=upload, **fields)


def test_snapshot_records_image_size_and_focal_point():
    story = story_with_image(picture((300, 200)), lead_image_focus_x=0.2, lead_image_focus_y=0.7)
    image = snapshot.build(story).image
    assert (image.width, image.height) == (300, 200)
    assert (image.focus_x, image.focus_y) == (0.2, 0.7)


def test_snapshot_of_a_missing_image_file_has_no_size():
    story = story_with_image(picture())
    default_storage.delete(story.lead_image.name)
    story = Story.objects.get(pk=story.pk)
    image = snapshot.build(story).image
    assert (image.width, image.height) == (None, None)


def test_restoring_a_revision_restores_the_focal_point(editor):
    story = story_with_image(picture(), lead_image_focus_x=0.2)
    first = story.latest_revision()
    story.lead_image_focus_x = 0.9
    story.save()
    workflow.save_revision(story, editor)
    workflow.restore(story, first, editor)
    story.refresh_from_db()
    assert story.lead_image_focus_x == 0.2


# --- renditions ----------------------------------------------------------------------------------


def stored_original(image: Image.Image) -> str:
    cleaned = uploads.clean_upload(ContentFile(encode(image, quality=95), name="photo.jpg"))
    return default_storage.save(f"stories/{cleaned.name}", cleaned)


def renditions_of(name: str) -> dict[tuple[str, str], ImageRendition]:
    return {(r.kind, r.format): r for r in ImageRendition.objects.filter(source=name)}


def test_renditions_come_in_three_widths_in_webp_and_jpeg_and_a_social_card():
    name = stored_original(picture((2000, 1000)))
    renditions.make_renditions(name)
    made = renditions_of(name)
    assert {key: (r.width, r.height) for key, r in made.items()} == {
        ("w480", "webp"): (480, 240),
        ("w480", "jpeg"): (480, 240),
        ("w800", "webp"): (800, 400),
        ("w800", "jpeg"): (800, 400),
        ("w1200", "webp"): (1200, 600),
        ("w1200", "jpeg"): (1200, 600),
        ("social", "jpeg"): (1200, 630),
    }


def test_rendition_files_have_their_format_and_size():
    name = stored_original(picture((2000, 1000)))
    renditions.make_renditions(name)
    for (kind, fmt), rendition in renditions_of(name).items():
        image = stored_image(rendition.file.name)
        assert image.format == fmt.upper(), kind
        assert image.size == (rendition.width, rendition.height), kind


def test_renditions_are_never_wider_than_the_original():
    name = stored_original(picture((600, 400)))
    renditions.make_renditions(name)
    widths = {key: r.width for key, r in renditions_of(name).items() if key[0] != "social"}
    assert widths == {
        ("w480", "webp"): 480,
        ("w480", "jpeg"): 480,
        ("w800", "webp"): 600,
        ("w800", "jpeg"): 600,
    }


def test_social_card_of_a_small_image_is_not_upscaled():
    name = stored_original(picture((600, 400)))
    renditions.make_renditions(name)
    social = renditions_of(name)["social", "jpeg"]
    assert (social.width, social.height) == (600, 315)


def test_social_card_is_cropped_around_the_focal_point():
    name = stored_original(halves((4000, 1000)))
    renditions.make_renditions(name, focus=(0.1, 0.5))
    card = stored_image(renditions_of(name)["social", "jpeg"].file.name)
    red, _, blue = mean_color(card)
    assert card.size == (1200, 630)
    assert red > 180 and blue < 60


def test_social_card_is_cropped_again_when_the_focal_point_moves(
    settings, django_capture_on_commit_callbacks
):
    name = stored_original(halves((4000, 1000)))
    renditions.make_renditions(name, focus=(0.1, 0.5))
    old_file = renditions_of(name)["social", "jpeg"].file.name
    with_old_card = len(media_files(settings))

    # The old card's file goes once the new one is committed.
    with django_capture_on_commit_callbacks(execute=True):
        renditions.make_renditions(name, focus=(0.9, 0.5))
    social = renditions_of(name)["social", "jpeg"]
    red, _, blue = mean_color(stored_image(social.file.name))
    assert blue > 180 and red < 60
    assert not default_storage.exists(old_file)
    assert len(media_files(settings)) == with_old_card


def test_making_renditions_twice_changes_nothing(settings):
    name = stored_original(picture((2000, 1000)))
    renditions.make_renditions(name, focus=(0.3, 0.3))
    rows = sorted(ImageRendition.objects.values_list("pk", "file"))
    files = media_files(settings)

    renditions.make_renditions(name, focus=(0.3, 0.3))
    assert sorted(ImageRendition.objects.values_list("pk", "file")) == rows
    assert media_files(settings) == files


def test_missing_original_gets_no_renditions():
    assert renditions.make_renditions("stories/gone.jpg") == []
    assert not ImageRendition.objects.exists()


def test_rendition_task_makes_the_renditions():
    name = stored_original(picture((1000, 600)))
    assert tasks.make_image_renditions.call(name, 0.5, 0.5) == 7
    assert len(renditions_of(name)) == 7


def test_publishing_enqueues_renditions_of_the_lead_image(
    editor, django_capture_on_commit_callbacks
):
    story = story_with_image(picture(), lead_image_focus_x=0.25, lead_image_focus_y=0.75)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(story, "publish", editor)
    job = DBTaskResult.objects.get(task_path="articles.tasks.make_image_renditions")
    assert job.args_kwargs["args"] == [story.lead_image.name, 0.25, 0.75]


def test_publishing_a_story_without_image_enqueues_nothing(
    editor, django_capture_on_commit_callbacks
):
    story = make_story()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(story, "publish", editor)
    assert not DBTaskResult.objects.filter(
        task_path="articles.tasks.make_image_renditions"
    ).exists()


# --- what reader pages get -------------------------------------------------------------------------


def published_with_image(size=(2000, 1000), resized=True, **fields) -> Story:
    story = story_with_image(picture(size), authors=[make_author()], publish=True, **fields)
    if resized:
        renditions.make_renditions(story.lead_image.name)
    return Story.objects.latest_published().get(pk=story.pk)


def test_page_serves_the_original_with_its_size_until_renditions_exist():
    story = published_with_image((900, 600), resized=False)
    image = live_page(story).image
    assert image.url == default_storage.url(story.lead_image.name)
    assert (image.width, image.height) == (900, 600)
    assert image.srcset == "" and image.webp_srcset == ""
    assert image.social_url == image.url


def test_page_offers_renditions_in_srcsets_once_made():
    story = published_with_image((2000, 1000))
    made = renditions_of(story.lead_image.name)
    image = live_page(story).image
    assert image.webp_srcset == ", ".join(
        f"{made[kind, 'webp'].url} {width}w"
        for kind, width in (("w480", 480), ("w800", 800), ("w1200", 1200))
    )
    assert image.srcset == ", ".join(
        f"{made[kind, 'jpeg'].url} {width}w"
        for kind, width in (("w480", 480), ("w800", 800), ("w1200", 1200))
    )
    assert image.url == made["w1200", "jpeg"].url
    assert (image.width, image.height) == (1200, 600)


def test_page_offers_the_social_card_for_link_previews():
    story = published_with_image((2000, 1000))
    image = live_page(story).image
    assert image.social_url == renditions_of(story.lead_image.name)["social", "jpeg"].url
    assert (image.social_width, image.social_height) == (1200, 630)


@pytest.mark.parametrize("count", [1, 4])
def test_cards_cost_two_queries_whatever_the_number_of_images(count, django_assert_num_queries):
    for _ in range(count):
        published_with_image((600, 400))
    stories = list(Story.objects.latest_published())
    # One query for the bylines' authors, one for every image's renditions.
    with django_assert_num_queries(2):
        cards = live_cards(stories)
    assert all(card.image.webp_srcset for card in cards)
