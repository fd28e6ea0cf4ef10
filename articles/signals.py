"""Failed sign-ins go into the audit log beside the editorial record."""

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from articles.models import AuditEntry


@receiver(user_login_failed)
def record_failed_login(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    AuditEntry.objects.create(
        action=AuditEntry.Action.LOGIN_FAILED,
        actor_name=username,
        message=f"Failed sign-in for “{username}”.",
        ip_address=request.META.get("REMOTE_ADDR") if request is not None else None,
    )
