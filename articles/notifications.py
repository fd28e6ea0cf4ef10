"""Who hears about a workflow transition, by email (the desk on the admin index shows it too).

Each transition declares its subject and its audience ("editors" or "writers"); see
``articles.workflow.steps``.
"""

import logging

from django.contrib.auth import get_user_model
from django.core.mail import send_mail

logger = logging.getLogger(__name__)


def _recipients(story, audience: str, actor) -> list[str]:
    if audience == "editors":
        people = get_user_model().objects.filter(groups__name="Editors", is_active=True)
    else:
        people = story.writers().filter(is_active=True)
    if actor is not None:
        people = people.exclude(pk=actor.pk)
    return sorted({u.email for u in people if u.email})


def notify(story, step, actor, message: str) -> None:
    """Email the people a transition concerns; called after the transaction commits."""
    if not step.notify_subject:
        return
    recipients = _recipients(story, step.notify, actor)
    if not recipients:
        return
    who = actor.get_username() if actor else "The schedule"
    body = f"{who}: {step.label} — “{story.headline}”.\n"
    if message:
        body += f"\n{message}\n"
    body += f"\nOpen it: /admin/articles/story/{story.pk}/change/\n"
    try:
        send_mail(step.notify_subject.format(headline=story.headline), body, None, recipients)
    except Exception:
        # Mail is a courtesy: the transition has happened; the desk shows it too.
        logger.exception("Could not send workflow email for story %s", story.pk)
