"""Telling people: a notice in their inbox on the desk, and an email when they have an address.

Notices are written in the transaction of what they report (a transition, a comment),
so nobody is told of something that did not happen. Mail cannot be un-sent, so it is
not sent there: each notice to mail waits in the table (``email_state`` "pending") and
a job sends it after the commit, retrying until the mail server takes it (at least
once; a notice is marked sent as soon as it is). ``notify`` returns who was told, so
the person who acted reads the truth ("2 editors were told on their desk, 1 by email"),
not a promise.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from articles.models import Notice, Story

logger = logging.getLogger(__name__)

#: A notice whose mail fails this many times is marked "could not be mailed".
MAIL_ATTEMPTS = 8


@dataclass
class Told:
    """Who was told of something: on their desk, and which of them by email."""

    people: list = field(default_factory=list)
    emailed: int = 0

    def sentence(self, audience: str) -> str:
        """ "2 editors were told on their desk, 1 by email." — the truth, for the screen."""
        if not self.people:
            return f"Nobody was told: no {audience} has an account here. Tell them yourself."
        count = len(self.people)
        who = f"{count} {audience}{'' if count == 1 else 's'}"
        mail = {0: "none by email", count: "and by email"}.get(
            self.emailed, f"{self.emailed} by email"
        )
        return f"{who} {'was' if count == 1 else 'were'} told on their desk, {mail}."


def editors():
    return get_user_model().objects.filter(groups__name="Editors", is_active=True)


def notify_people(people, story: Story | None, kind: str, text: str, *, actor=None) -> Told:
    """Tell ``people`` (but not ``actor``) about ``story``; call inside the transaction of
    what happened. Returns who was told."""
    told = Told()
    for person in people:
        if actor is not None and person.pk == actor.pk:
            continue
        mail = Notice.Email.PENDING if person.email else Notice.Email.NONE
        Notice.objects.create(recipient=person, story=story, kind=kind, text=text, email_state=mail)
        told.people.append(person)
        told.emailed += bool(person.email)
    if told.emailed:
        send_pending_mail.enqueue()
    return told


def notify(story: Story, step, actor, message: str) -> Told:
    """Tell the people a transition concerns (``step.notify``: "editors" or "writers")."""
    if not step.notify_subject:
        return Told()
    people = editors() if step.notify == "editors" else story.writers().filter(is_active=True)
    who = actor.get_username() if actor else "The schedule"
    text = f"{step.notify_subject.format(headline=story.headline)}\n\n{who}: {step.label}."
    if message:
        text += f"\n\n{message}"
    return notify_people(people.distinct(), story, step.name, text, actor=actor)


@task()
def send_pending_mail() -> int:
    """Mail every notice waiting to be mailed; queue itself again for the ones that failed.

    Several workers may run it at once: each claims its notices with ``SKIP LOCKED``.
    """
    sent = failed = 0
    while True:
        with transaction.atomic():
            notice = (
                Notice.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient", "story")
                .filter(email_state=Notice.Email.PENDING)
                .order_by("pk")
                .first()
            )
            if notice is None:
                break
            if _mail(notice):
                notice.email_state = Notice.Email.SENT
                sent += 1
            else:
                notice.email_attempts += 1
                failed += 1
                if notice.email_attempts >= MAIL_ATTEMPTS:
                    notice.email_state = Notice.Email.FAILED
            notice.save(update_fields=["email_state", "email_attempts"])
        if failed and not sent:
            break  # the mail server is away: try again later, not in a loop now
    if Notice.objects.filter(email_state=Notice.Email.PENDING).exists():
        wait = timedelta(minutes=1)
        send_pending_mail.using(run_after=timezone.now() + wait).enqueue()
    return sent


def _mail(notice: Notice) -> bool:
    # A notice's first line is its subject ("Ready for review: …").
    subject = notice.text.splitlines()[0][:150]
    body = notice.text
    if notice.story_id:
        body += "\n\nOpen it: " + reverse("admin:articles_story_change", args=[notice.story_id])
    try:
        send_mail(subject, body, None, [notice.recipient.email])
    except Exception:  # an SMTP server can fail in many ways; the job retries
        logger.exception("Could not mail notice %s", notice.pk)
        return False
    return True
