"""Mail to one subscriber outside the editions: the confirmation link, "you are subscribed
already", the data-download link.

As with the desk's notices (``articles.notifications``), the request that calls for a
mail only writes a :class:`SubscriberMail` row, in its own transaction, and queues a
job; the job mails it after the commit, so nobody is mailed about a sign-up that
rolled back, and a mail server that is away delays the mail instead of failing the
page. Signed links are made when the mail is sent, so their time runs from then.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from articles import site
from newsletters import conf, guards
from newsletters.models import SubscriberMail
from newsletters.render import listed, preferences_url

logger = logging.getLogger(__name__)

#: A mail that fails this many times is marked "could not be mailed".
MAIL_ATTEMPTS = 8

_SUBJECTS = {
    SubscriberMail.Kind.CONFIRM: _("Confirm your subscription to %(newsletters)s"),
    SubscriberMail.Kind.ALREADY: _("You are already subscribed to %(newsletters)s"),
    SubscriberMail.Kind.DATA: _("Your data at %(site)s"),
}


def queue(subscriber, kind: str) -> SubscriberMail:
    """Owe ``subscriber`` a mail of ``kind``; it goes once the caller's transaction commits."""
    mail = SubscriberMail.objects.create(subscriber=subscriber, kind=kind)
    send_subscriber_mail.enqueue()
    return mail


@task()
def send_subscriber_mail() -> int:
    """Mail every waiting :class:`SubscriberMail`; queue itself again for the ones that
    failed. Several workers may run it: each claims its rows with ``SKIP LOCKED``."""
    sent = failed = 0
    while True:
        with transaction.atomic():
            mail = (
                SubscriberMail.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("subscriber")
                .filter(state=SubscriberMail.State.PENDING)
                .order_by("pk")
                .first()
            )
            if mail is None:
                break
            if _send(mail):
                mail.state = SubscriberMail.State.SENT
                mail.sent_at = timezone.now()
                sent += 1
            else:
                mail.attempts += 1
                failed += 1
                if mail.attempts >= MAIL_ATTEMPTS:
                    mail.state = SubscriberMail.State.FAILED
            mail.save(update_fields=["state", "sent_at", "attempts"])
        if failed and not sent:
            break  # the mail server is away: try again in a minute, not in a loop now
    if SubscriberMail.objects.filter(state=SubscriberMail.State.PENDING).exists():
        send_subscriber_mail.using(run_after=timezone.now() + timedelta(minutes=1)).enqueue()
    return sent


def compose(mail: SubscriberMail) -> EmailMessage:
    """The mail, in the language of the edition the subscriber signed up from (its text
    and its links: ``/fa/newsletter/…`` for a Persian reader)."""
    with translation.override(mail.subscriber.language or settings.LANGUAGE_CODE):
        return _compose(mail)


def _compose(mail: SubscriberMail) -> EmailMessage:
    subscriber = mail.subscriber
    names = [s.newsletter.name for s in subscriber.subscriptions.select_related("newsletter")]
    newsletters = listed(names) if names else _("our newsletters")
    context = {
        "site": settings.NEWSROOM,
        "newsletters": newsletters,
        "confirm_url": site.absolute(
            reverse("newsletters:confirm", args=[guards.confirm_token(subscriber)])
        ),
        "confirm_days": conf.number("NEWSLETTER_CONFIRM_DAYS"),
        "data_url": site.absolute(
            reverse("newsletters:data", args=[guards.data_token(subscriber)])
        ),
        "data_minutes": conf.number("NEWSLETTER_DATA_LINK_MINUTES"),
        "preferences_url": preferences_url(subscriber),
    }
    subject = _SUBJECTS[mail.kind] % {
        "newsletters": newsletters,
        "site": settings.NEWSROOM["SITE_NAME"],
    }
    body = render_to_string(f"newsletters/email/{mail.kind}.txt", context)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=conf.from_email(),
        to=[subscriber.email],
        headers={"Auto-Submitted": "auto-generated"},
    )


def _send(mail: SubscriberMail) -> bool:
    try:
        mailers[conf.mailer()].send_messages([compose(mail)])
    except Exception:  # an SMTP server or a provider's API can fail in many ways; retried
        logger.exception("Could not mail %s %s", mail.kind, mail.pk)
        return False
    return True
