"""Uploaded images: checked by what they contain, cleaned and re-encoded before they are stored.

An upload is decoded by Pillow as a JPEG, PNG, WebP or GIF only, after its byte
size, its declared pixel size, its shape and its number of frames have been checked,
so a small file that declares a huge picture (or a long sliver, or ten thousand
frames) is refused before anything is allocated. It is then turned upright
(EXIF orientation), converted to sRGB and **re-encoded** under a generated name.
Re-encoding is what makes an upload safe to serve: whatever was appended to a
valid image (a script, a zip archive) and all metadata (EXIF with its GPS
position, XMP, comments, colour profiles) stay behind.

Before any of that, a request body larger than one upload and its form is refused
unread (``max_request_bytes``, checked by ``articles.hardening``), and no more than
``MAX_BYTES`` of a file is ever written to disk (:class:`CappedUploadHandler`).

What is stored: JPEG, PNG and WebP keep their format, whatever the file was
called (a PNG named ``.jpg`` is stored as a ``.png``); a GIF keeps its first frame
only, stored as a PNG, since a still picture is all a story page shows.

A helper: it imports no model, so the models can use its fields. The resized copies
readers get are made by :mod:`articles.renditions`, with the same decoding steps.
"""

import contextlib
import io
import os
import uuid
from functools import cache

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import models
from PIL import Image, ImageCms, ImageOps

#: What Pillow may decode; every other format (SVG, TIFF, PSD, ICO…) is refused.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
MAX_PIXELS = 40_000_000
MAX_BYTES = 15 * 1024 * 1024
#: The long side at most this many times the short one: a panorama fits, a sliver does not.
MAX_ASPECT_RATIO = 20
#: Frames of an animation: only the first is kept, the rest only cost time to read.
MAX_FRAMES = 500
ACCEPT = "image/jpeg,image/png,image/webp,image/gif"

#: Detected format → stored format.
STORED_FORMAT = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "PNG"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}

MESSAGES = {
    "empty": "The file is empty.",
    "too_big": "This file is larger than 15 MB. Export a smaller copy (about 3000 pixels "
    "wide is plenty) and upload that.",
    "not_image": "This file is not a JPEG, PNG, WebP or GIF image.",
    "too_many_pixels": "This image has too many pixels. Upload one of at most 40 megapixels "
    "(for example 8000 × 5000 pixels).",
    "too_narrow": "This image is too long and thin to show in a story: one side is more than "
    "20 times the other. Crop it and upload the crop.",
    "too_many_frames": "This animation has too many frames (more than 500). Only its first "
    "frame would be shown: export that as a still picture and upload it.",
    "damaged": "This image file is damaged or incomplete. Export it again and upload the new copy.",
}


def _refuse(code: str):
    raise ValidationError(MESSAGES[code], code=code)


# --- reading untrusted files ---------------------------------------------------------------


def open_image(file) -> Image.Image:
    """Read the header only: format and declared size. Nothing is decoded yet."""
    file.seek(0)
    try:
        image = Image.open(file, formats=FORMATS)
    except Image.DecompressionBombError:
        # Pillow's own guard, for sizes far past ours; it fires before any allocation.
        _refuse("too_many_pixels")
    except Exception:
        # Pillow raises many exception types on bytes that are no image of these formats.
        _refuse("not_image")
    width, height = image.size
    if width < 1 or height < 1:
        _refuse("damaged")
    if width * height > MAX_PIXELS:
        _refuse("too_many_pixels")
    return image


def check_shape(image: Image.Image) -> None:
    """Refuse slivers and long animations, from the header (and the frame headers)."""
    width, height = image.size
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        _refuse("too_narrow")
    try:
        frames = getattr(image, "n_frames", 1)
    except Exception:
        # Counting walks the frame headers; a broken one is a damaged file.
        _refuse("damaged")
    if frames > MAX_FRAMES:
        _refuse("too_many_frames")


def decode(image: Image.Image) -> None:
    """Decode the pixels (the first frame of an animation); refuse truncated files."""
    try:
        image.seek(0)
        image.load()
    except Exception:
        # Truncated and corrupt data surface as OSError, SyntaxError, ValueError…
        _refuse("damaged")


def turn_upright(image: Image.Image) -> None:
    # In place: a 40-megapixel picture should not be held in memory more than twice.
    with contextlib.suppress(Exception):
        # Unreadable EXIF: keep the pixels as they are rather than refuse the photo.
        ImageOps.exif_transpose(image, in_place=True)


@cache
def _srgb():
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def to_srgb(image: Image.Image) -> Image.Image:
    """A new RGB or RGBA image in sRGB, with no metadata at all."""
    alpha = image.has_transparency_data
    icc = image.info.get("icc_profile")
    if image.mode in ("I", "I;16", "I;16B", "I;16L"):
        # 16-bit greys: a plain conversion would clip them to white.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode not in ("RGB", "RGBA", "CMYK"):
        image = image.convert("RGBA" if alpha else "RGB")
    mode = "RGBA" if image.mode == "RGBA" else "RGB"
    converted = None
    # An unreadable profile: the pixels are taken to be sRGB already.
    with contextlib.suppress(ImageCms.PyCMSError, OSError, ValueError, TypeError):
        if icc:
            converted = ImageCms.profileToProfile(
                image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), _srgb(), outputMode=mode
            )
    result = converted or image.convert(mode)
    result.info = {}
    return result


def _flatten(image: Image.Image) -> Image.Image:
    """JPEG has no transparency: lay the picture on white."""
    if image.mode != "RGBA":
        return image
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.getchannel("A"))
    return background


def encode(image: Image.Image, fmt: str, quality: int) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        _flatten(image).save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=quality, method=4)
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def clean_upload(file) -> ContentFile:
    """Check an uploaded file by its content and return a cleaned copy to store.

    Raises ValidationError with a message for the uploader. The returned file has a
    generated name whose extension is the stored format's.
    """
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
    if not size:
        _refuse("empty")
    if size > MAX_BYTES:
        _refuse("too_big")
    image = open_image(file)
    stored = STORED_FORMAT[image.format]
    try:
        check_shape(image)
        decode(image)
        try:
            turn_upright(image)
            pixels = to_srgb(image)
            image.close()
            data = encode(pixels, stored, quality=90)
        except (OSError, ValueError):
            _refuse("damaged")
    finally:
        image.close()
    return ContentFile(data, name=f"{uuid.uuid4().hex}.{EXTENSIONS[stored]}")


def stored_size(field_file) -> tuple[int | None, int | None]:
    """Width and height of a stored image, or (None, None) when it cannot be read."""
    try:
        return field_file.width, field_file.height
    except (OSError, ValueError):
        return None, None


# --- receiving uploads ---------------------------------------------------------------------


def max_request_bytes() -> int:
    """The largest request body worth reading: one image at its cap and the form's text."""
    return MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class OversizedUpload(InMemoryUploadedFile):
    """What is kept of a file past ``MAX_BYTES``: its name and size, none of its bytes,
    so the form says it is too big and keeps the rest of what was typed."""

    def __init__(self, name: str, size: int):
        super().__init__(io.BytesIO(), None, name, "application/octet-stream", size, None)


class CappedUploadHandler(TemporaryFileUploadHandler):
    """Django's handler for uploads too big to keep in memory, with two bounds.

    It writes no more than ``MAX_BYTES`` of a file to disk: past that, the rest is
    read and dropped. And the temporary file is named by a short version of the
    uploader's name (the stored name is generated anyway), since a 300-character
    name would make the file system refuse it.
    """

    def new_file(self, field_name, file_name, *args, **kwargs):
        stem, extension = os.path.splitext(file_name)
        super().new_file(field_name, stem[:50] + extension[:10], *args, **kwargs)
        self.original_name = file_name
        self.oversized = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > MAX_BYTES:
            if not self.oversized:
                self.oversized = True
                self.file.close()
            return None
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        if self.oversized:
            return OversizedUpload(self.original_name, file_size)
        return super().file_complete(file_size)


# --- fields: what the admin forms use -------------------------------------------------------


class CleanImageFormField(forms.ImageField):
    """An image upload checked by its content and replaced by its cleaned copy."""

    def __init__(self, *, max_length=None, **kwargs):
        # The model field's max_length bounds the stored name, which is generated:
        # the uploader's own file name may be any length.
        super().__init__(**kwargs)

    def to_python(self, data):
        # forms.ImageField's own check would decode any format Pillow knows, uncapped.
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        return clean_upload(upload)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if "accept" in attrs:
            attrs["accept"] = ACCEPT
        return attrs


class CleanImageField(models.ImageField):
    """An ImageField whose form field accepts only cleaned images (see ``clean_upload``)."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": CleanImageFormField, **kwargs})


# --- renditions -------------------------------------------------------------------------------
