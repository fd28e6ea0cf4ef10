"""Translations: a story in another language, linked to its original.

A translation is a story of its own, with its own workflow (a Persian draft can be in
review while the English original is live). ``translate`` starts one with the
original's structure; publishing the original again with changed text marks its
translations as possibly out of date until they are published again.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from articles import snapshot
from articles.models import AuditEntry, BriefingSection, Byline, RelatedLink, Story
from articles.models.audit import declare_action

from .editing import save_revision

TRANSLATE = declare_action("translate", "Translation started")

#: What a translator translates: when any of it changes, translations may be out of date.
_TEXT_FIELDS = ("headline", "dek", "lede")


def _text(revision) -> tuple:
    if revision is None:
        return ()
    shown = snapshot.of(revision)
    return (
        *(getattr(shown, name) for name in _TEXT_FIELDS),
        tuple((part.label_slug, part.body) for part in shown.sections),
        tuple(link.title for link in shown.links),
    )


def translate(story: Story, language: str, actor) -> Story:
    """A new draft of ``story`` in ``language``, linked to the original: the same
    section, tags, picture, bylines (in order), Go deeper links and briefing sections
    (their labels in ``language``), and the original's text to translate in place.
    Its headline is provisional: it cannot be published until someone writes one.
    Raises ValidationError for an unknown language, the original's own language, or a
    language that already has a translation."""
    source = story.translation_source or story
    group = source.translation_group().out_of_trash()
    if language == source.language:
        raise ValidationError("That is the original's own language.")
    existing = group.filter(language=language).first()
    if existing is not None:
        raise ValidationError(
            f"There is already a translation in that language: “{existing.headline}”."
        )
    with transaction.atomic():
        draft = Story(
            language=language,
            translation_source=source,
            translation_source_revision=source.live_revision or source.latest_revision(),
            headline=source.headline,
            headline_is_provisional=True,
            dek=source.dek,
            dateline=source.dateline,
            lede=source.lede,
            section=source.section,
            lead_image=source.lead_image.name if source.lead_image else "",
            lead_image_alt=source.lead_image_alt,
            lead_image_caption=source.lead_image_caption,
            lead_image_credit=source.lead_image_credit,
            lead_image_focus_x=source.lead_image_focus_x,
            lead_image_focus_y=source.lead_image_focus_y,
            created_by=actor,
        )
        draft.full_clean(exclude=["slug", "lead_image"])
        draft.save()
        draft.tags.set(source.tags.all())
        Byline.objects.bulk_create(
            Byline(story=draft, author_id=b.author_id, position=b.position, role=b.role)
            for b in source.bylines.all()
        )
        BriefingSection.objects.bulk_create(
            BriefingSection(story=draft, position=s.position, label_id=s.label_id, body=s.body)
            for s in source.sections.all()
        )
        RelatedLink.objects.bulk_create(
            RelatedLink(
                story=draft,
                position=link.position,
                title=link.title,
                target_id=link.target_id,
                url=link.url,
            )
            for link in source.related_links.all()
        )
        save_revision(draft, actor, f"Translation of story {source.pk} into {language}")
        AuditEntry.record(
            TRANSLATE,
            actor=actor,
            story=draft,
            message=f"Translation into {language} started from “{source.headline}”.",
        )
    return draft


def published(story: Story, revision) -> None:
    """After ``story`` is published (in the publication's transaction): a translation
    is up to date with its original's live text again; an original whose text changed
    marks its translations as possibly out of date."""
    if story.translation_source_id:
        original = Story.objects.filter(pk=story.translation_source_id).first()
        Story.objects.filter(pk=story.pk).update(
            translation_outdated=False,
            translation_source_revision=original.live_revision_id if original else None,
        )
        return
    now = _text(revision)
    for translation in story.translations.select_related("translation_source_revision"):
        if _text(translation.translation_source_revision) != now:
            Story.objects.filter(pk=translation.pk).update(translation_outdated=True)
