"""Uploaded images: checked by what they contain, cleaned, and resized for readers.

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

Readers get renditions made in the background (``make_renditions``): 480, 800
and 1200 pixels wide in WebP and JPEG, never wider than the original, and a
1200 × 630 link-preview card cropped around the editor's focal point.
"""

import contextlib
import io
import logging
import math
import uuid
from functools import cache
from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from PIL import ExifTags, Image, ImageCms, ImageOps

from articles.cache import invalidate_pages

logger = logging.getLogger(__name__)

#: What Pillow may decode; every other format (SVG, TIFF, PSD, ICO…) is refused.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
MAX_PIXELS = 40_000_000
MAX_BYTES = 15 * 1024 * 1024
ACCEPT = "image/jpeg,image/png,image/webp,image/gif"

#: Detected format → stored format.
STORED_FORMAT = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "PNG"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}

#: Rendition kind → the widest it may be.
WIDTHS = {"w480": 480, "w800": 800, "w1200": 1200}
SOCIAL = "social"
SOCIAL_SIZE = (1200, 630)
#: Rendition format name (as stored on ImageRendition) → Pillow format.
RENDITION_FORMATS = {"webp": "WEBP", "jpeg": "JPEG"}

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


def _open(file) -> Image.Image:
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


def _decode(image: Image.Image) -> None:
    """Decode the pixels (the first frame of an animation); refuse truncated files."""
    try:
        image.seek(0)
        image.load()
    except Exception:
        # Truncated and corrupt data surface as OSError, SyntaxError, ValueError…
        _refuse("damaged")


def _turn_upright(image: Image.Image) -> None:
    # In place: a 40-megapixel picture should not be held in memory more than twice.
    with contextlib.suppress(Exception):
        # Unreadable EXIF: keep the pixels as they are rather than refuse the photo.
        ImageOps.exif_transpose(image, in_place=True)


@cache
def _srgb():
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _pixels(image: Image.Image) -> Image.Image:
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


def _encode(image: Image.Image, fmt: str, quality: int) -> bytes:
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
    image = _open(file)
    stored = STORED_FORMAT[image.format]
    try:
        _decode(image)
        try:
            _turn_upright(image)
            pixels = _pixels(image)
            image.close()
            data = _encode(pixels, stored, quality=90)
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


def rendition_sizes(width: int, height: int) -> list[tuple[str, int, int]]:
    """(kind, width, height) of each width rendition: never upscaled, no two alike."""
    sizes, seen = [], set()
    for kind, widest in WIDTHS.items():
        w = min(widest, width)
        if w not in seen:
            seen.add(w)
            sizes.append((kind, w, max(1, round(height * w / width))))
    return sizes


def social_box(width: int, height: int, focus: tuple[float, float]) -> tuple[int, int, int, int]:
    """The largest 1200:630 box inside the image, centred on ``focus`` as far as the
    edges allow (``focus`` is a fraction of the width and of the height)."""
    card_w, card_h = SOCIAL_SIZE
    if width * card_h > height * card_w:
        box_w, box_h = min(width, max(1, round(height * card_w / card_h))), height
    else:
        box_w, box_h = width, min(height, max(1, round(width * card_h / card_w)))
    left = round(min(max(focus[0] * width - box_w / 2, 0), width - box_w))
    top = round(min(max(focus[1] * height - box_h / 2, 0), height - box_h))
    return left, top, left + box_w, top + box_h


def _clamp(value: float) -> float:
    value = float(value)
    return min(max(value, 0.0), 1.0) if math.isfinite(value) else 0.5


def _oriented_size(image: Image.Image) -> tuple[int, int]:
    # Images cleaned on upload carry no EXIF; older uploads may still need turning.
    width, height = image.size
    if image.getexif().get(ExifTags.Base.Orientation) in (5, 6, 7, 8):
        return height, width
    return width, height


def _planned(width: int, height: int) -> dict[tuple[str, str], tuple[int, int]]:
    plan = {}
    for kind, w, h in rendition_sizes(width, height):
        for fmt in RENDITION_FORMATS:
            plan[kind, fmt] = (w, h)
    left, top, right, bottom = social_box(width, height, (0.5, 0.5))
    box_w, box_h = right - left, bottom - top
    plan[SOCIAL, "jpeg"] = SOCIAL_SIZE if box_w > SOCIAL_SIZE[0] else (box_w, box_h)
    return plan


def _same_focus(rendition, focus: tuple[float, float]) -> bool:
    return math.isclose(rendition.focus_x, focus[0], abs_tol=1e-6) and math.isclose(
        rendition.focus_y, focus[1], abs_tol=1e-6
    )


def _render(pixels: Image.Image, kind: str, size, focus) -> Image.Image:
    if kind == SOCIAL:
        box = social_box(*pixels.size, focus)
        return pixels.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    if size == pixels.size:
        return pixels
    return pixels.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def make_renditions(name: str, focus: tuple[float, float] = (0.5, 0.5)) -> list:
    """Make whatever renditions of the stored image ``name`` are missing; return all.

    Idempotent: existing renditions are kept, except the link-preview card, which
    is cropped again when the focal point moved. Safe to run on several workers at
    once. An original that is missing or unreadable gets no renditions (logged), and
    the pages keep serving the original.
    """
    # Imported here: the models import this module for its fields.
    from articles.models import ImageRendition

    focus = (_clamp(focus[0]), _clamp(focus[1]))
    existing = {(r.kind, r.format): r for r in ImageRendition.objects.filter(source=name)}
    try:
        with default_storage.open(name, "rb") as file:
            image = _open(file)
            plan = _planned(*_oriented_size(image))
            todo = [
                key
                for key in plan
                if key not in existing
                or (key[0] == SOCIAL and not _same_focus(existing[key], focus))
            ]
            if not todo:
                return list(existing.values())
            _decode(image)
            _turn_upright(image)
            pixels = _pixels(image)
            image.close()
    except (OSError, ValueError, ValidationError) as error:
        logger.warning("No renditions for %s: %s", name, error)
        return list(existing.values())

    stem = PurePath(name).stem
    made = {}
    for kind, fmt in todo:
        size = plan[kind, fmt]
        picture = made.get(kind) or _render(pixels, kind, size, focus)
        made[kind] = picture
        data = _encode(picture, RENDITION_FORMATS[fmt], quality=82 if fmt == "jpeg" else 80)
        existing[kind, fmt] = _store(
            ImageRendition,
            existing.get((kind, fmt)),
            dict(source=name, kind=kind, format=fmt),
            f"{stem}-{kind}.{'jpg' if fmt == 'jpeg' else fmt}",
            data,
            dict(width=size[0], height=size[1], focus_x=focus[0], focus_y=focus[1]),
        )
    invalidate_pages()
    return list(existing.values())


def _store(model, current, key: dict, filename: str, data: bytes, fields: dict):
    """Save one rendition; when another worker got there first, keep theirs."""
    rendition = model(**key, **fields)
    rendition.file.save(filename, ContentFile(data), save=False)
    storage = rendition.file.storage
    if current is None:
        try:
            with transaction.atomic():
                rendition.save()
        except IntegrityError:
            storage.delete(rendition.file.name)
            return model.objects.get(**key)
        return rendition
    # A new crop replaces the old one only if nobody replaced it meanwhile.
    updated = model.objects.filter(pk=current.pk, file=current.file.name).update(
        file=rendition.file.name, **fields
    )
    if not updated:
        storage.delete(rendition.file.name)
        return model.objects.get(pk=current.pk)
    old = current.file.name
    transaction.on_commit(lambda: storage.delete(old))
    return model.objects.get(pk=current.pk)
