"""Who hears about a workflow transition, by email (the desk on the admin index shows it too)."""

import logging

from django.contrib.auth import get_user_model
from django.core.mail import send_mail

logger = logging.getLogger(__name__)

_SUBJECTS = {
    "submit": "Ready for review: {headline}",
    "request_changes": "Changes requested: {headline}",
    "approve": "Approved: {headline}",
    "schedule": "Scheduled: {headline}",
    "publish": "Published: {headline}",
    "unpublish": "Unpublished: {headline}",
}


def _recipients(story, step, actor) -> list[str]:
    User = get_user_model()
    if step.name == "submit":
        people = User.objects.filter(groups__name="Editors", is_active=True)
    else:
        people = User.objects.filter(is_active=True).filter(
            pk__in=[story.created_by_id, *story.bylines.values_list("author__user", flat=True)]
        )
    if actor is not None:
        people = people.exclude(pk=actor.pk)
    return sorted({u.email for u in people if u.email})


def notify(story, step, actor, message: str) -> None:
    """Email the people a transition concerns; called after the transaction commits."""
    subject = _SUBJECTS.get(step.name)
    if subject is None:
        return
    recipients = _recipients(story, step, actor)
    if not recipients:
        return
    who = actor.get_username() if actor else "The schedule"
    body = f"{who}: {step.label} — “{story.headline}”.\n"
    if message:
        body += f"\n{message}\n"
    body += f"\nOpen it: /admin/articles/story/{story.pk}/change/\n"
    try:
        send_mail(subject.format(headline=story.headline), body, None, recipients)
    except Exception:
        # Mail is a courtesy: the transition has happened; the desk shows it too.
        logger.exception("Could not send workflow email for story %s", story.pk)
