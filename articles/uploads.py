"""Uploaded images: checked by what they contain, cleaned and re-encoded before they are stored.

An upload is decoded by Pillow as a JPEG, PNG, WebP or GIF only, after its byte
size and its declared pixel size have been checked, so a small file that declares
a huge picture is refused before anything is allocated. It is then turned upright
(EXIF orientation), converted to sRGB and **re-encoded** under a generated name.
Re-encoding is what makes an upload safe to serve: whatever was appended to a
valid image (a script, a zip archive) and all metadata (EXIF with its GPS
position, XMP, comments, colour profiles) stay behind.

What is stored: JPEG, PNG and WebP keep their format, whatever the file was
called (a PNG named ``.jpg`` is stored as a ``.png``); a GIF keeps its first frame
only, stored as a PNG, since a still picture is all a story page shows.

A helper: it imports no model, so the models can use its fields. The resized copies
readers get are made by :mod:`articles.renditions`, with the same decoding steps.
"""

import contextlib
import io
import uuid
from functools import cache

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from PIL import Image, ImageCms, ImageOps

#: What Pillow may decode; every other format (SVG, TIFF, PSD, ICO…) is refused.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
MAX_PIXELS = 40_000_000
MAX_BYTES = 15 * 1024 * 1024
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


# --- fields: what the admin forms use -------------------------------------------------------


class CleanImageFormField(forms.ImageField):
    """An image upload checked by its content and replaced by its cleaned copy."""

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
