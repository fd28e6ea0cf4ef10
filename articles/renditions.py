"""Resized copies of stored images for readers, made in the background.

``make_renditions`` makes 480, 800 and 1200 pixels wide in WebP and JPEG, never wider
than the original, and a 1200 × 630 link-preview card cropped around the editor's
focal point. The original is read with the same careful steps as an upload
(:mod:`articles.uploads`).
"""

import logging
import math
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from PIL import ExifTags, Image

from articles.cache import invalidate_pages, story_tag
from articles.models import Author, ImageRendition, Story
from articles.uploads import decode, encode, open_image, to_srgb, turn_upright

logger = logging.getLogger(__name__)

#: The live revision's lead image, as a query path (its snapshot's ``image.name``).
SHOWN_IMAGE = "live_revision__snapshot__image__name"

#: Rendition kind → the widest it may be.
WIDTHS = {"w480": 480, "w800": 800, "w1200": 1200}
SOCIAL = "social"
SOCIAL_SIZE = (1200, 630)
#: Rendition format name (as stored on ImageRendition) → Pillow format.
RENDITION_FORMATS = {"webp": "WEBP", "jpeg": "JPEG"}


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
    focus = (_clamp(focus[0]), _clamp(focus[1]))
    existing = {(r.kind, r.format): r for r in ImageRendition.objects.filter(source=name)}
    try:
        with default_storage.open(name, "rb") as file:
            image = open_image(file)
            plan = _planned(*_oriented_size(image))
            todo = [
                key
                for key in plan
                if key not in existing
                or (key[0] == SOCIAL and not _same_focus(existing[key], focus))
            ]
            if not todo:
                return list(existing.values())
            decode(image)
            turn_upright(image)
            pixels = to_srgb(image)
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
        data = encode(picture, RENDITION_FORMATS[fmt], quality=82 if fmt == "jpeg" else 80)
        existing[kind, fmt] = _store(
            ImageRendition,
            existing.get((kind, fmt)),
            dict(source=name, kind=kind, format=fmt),
            f"{stem}-{kind}.{'jpg' if fmt == 'jpeg' else fmt}",
            data,
            dict(width=size[0], height=size[1], focus_x=focus[0], focus_y=focus[1]),
        )
    shown_on = [
        story_tag(pk)
        for pk in Story.objects.filter(**{SHOWN_IMAGE: name}).values_list("pk", flat=True)
    ]
    shown_on += [
        f"author-{slug}"
        for slug in Author.objects.filter(photo=name).values_list("slug", flat=True)
    ]
    if shown_on:  # pages showing the original now show the renditions
        invalidate_pages(f"renditions of {name}", shown_on)
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
