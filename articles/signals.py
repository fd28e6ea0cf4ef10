"""Failed sign-ins go into the audit log; changes to what every page shows refresh the page cache."""

from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles.cache import invalidate_pages
from articles.hardening import client_address, sign_in_name
from articles.models import AuditEntry, Author, BriefingLabel, Section, Tag
from articles.models.audit import declare_action

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
def refresh_pages(sender, **kwargs):
    # Names, slugs and photos of authors and sections appear on many live pages.
    # (Corrections refresh pages where the workflow adds them.)
    invalidate_pages()
