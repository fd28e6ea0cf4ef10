"""Failed sign-ins go into the audit log; changes to what every page shows refresh the page cache."""

from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from articles import rendering
from articles.cache import invalidate_pages, of_change
from articles.hardening import client_address, sign_in_name
from articles.models import AuditEntry, Author, BriefingLabel, Section, Story, Tag
from articles.models.audit import declare_action
from articles.workflow import corrected, transitioned, translations

LOGIN_FAILED = declare_action("login_failed", "Failed sign-in")


@receiver(user_login_failed)
def record_failed_login(sender, credentials, request=None, **kwargs):
    # The name as typed, made storable: no control characters, no longer than a username.
    username = sign_in_name(None, credentials) or ""
    AuditEntry.record(
        LOGIN_FAILED,
        actor_name=username,
        message=f"Failed sign-in for “{username}”.",
        ip_address=client_address(request) if request is not None else None,
    )


@receiver([post_save, post_delete], sender=Author)
@receiver([post_save, post_delete], sender=Section)
@receiver([post_save, post_delete], sender=Tag)
@receiver([post_save, post_delete], sender=BriefingLabel)
def refresh_pages(sender, created=False, **kwargs):
    # Names, slugs and photos of authors and sections appear on many live pages. A new
    # author, tag or label is on none yet; a new section is in every page's menu.
    # (Corrections refresh pages where the workflow adds them.)
    if created and sender is not Section:
        return
    invalidate_pages(f"{sender._meta.verbose_name} changed")


@receiver(pre_delete, sender=Story)
def forget_deleted_story(sender, instance, **kwargs):
    # Stories linking to it show a plain title from now on (deleting from the trash
    # goes through here too, long after readers last saw it).
    invalidate_pages(
        f"deleted story {instance.pk}",
        of_change(instance.pk, None, None, translations=instance.translation_ids()),
    )


@receiver(transitioned)
def render_when_published(sender, story, transition, revision=None, **kwargs):
    # In the publication's own transaction: readers never meet a story not rendered,
    # and the desk learns at once which translations its new text outdates.
    if transition.name == "publish":
        translations.published(story, revision)
        # Its translations' pages now link to it (hreflang): rendered again too.
        for pk in (story.pk, *story.translation_ids()):
            rendering.refresh(pk)


@receiver(corrected)
def render_when_corrected(sender, story, **kwargs):
    rendering.refresh(story.pk)
