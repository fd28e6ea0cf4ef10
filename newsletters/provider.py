"""What a mail provider tells us, through django-anymail's webhooks: bounces, complaints
and unsubscribes (its ``tracking`` signal), and mail to the unsubscribe mailbox of the
List-Unsubscribe header (its ``inbound`` signal).

The webhook addresses are anymail's own views under ``/newsletter/webhooks/``
(``…/webhooks/postmark/tracking/``, ``…/webhooks/amazon_ses/tracking/`` and so on), each
answering 404 until ``ANYMAIL["WEBHOOK_SECRET"]`` is set: without it anyone could
report an address as bounced and so stop its mail. The receivers are connected when
this module is imported, which ``newsletters.urls`` does: a webhook can only arrive
through those URLs.
"""

import functools
import re

from anymail import urls as anymail_urls
from anymail.signals import EventType, inbound, tracking
from anymail.utils import get_anymail_setting
from django.dispatch import receiver
from django.http import Http404
from django.urls import URLPattern
from django.views.decorators.csrf import csrf_exempt

from newsletters import subscribers
from newsletters.models import Subscriber

#: anymail's normalized events → what they mean for an address.
_MEANING = {
    EventType.BOUNCED: "hard",
    EventType.DEFERRED: "soft",
    EventType.COMPLAINED: "complaint",
    EventType.UNSUBSCRIBED: "unsubscribe",
    EventType.DELIVERED: "delivered",
}
#: A rejection for these reasons is the address's fault: it counts as a hard bounce.
_BAD_ADDRESS = {"bounced", "invalid"}

_UNSUBSCRIBE_SUBJECT = re.compile(r"\bunsubscribe\s+([A-Za-z0-9_-]{20,64})\b", re.IGNORECASE)


@receiver(tracking, dispatch_uid="newsletters.provider_event")
def provider_event(sender, event, esp_name, **kwargs):
    kind = _MEANING.get(event.event_type)
    if event.event_type == EventType.REJECTED and event.reject_reason in _BAD_ADDRESS:
        kind = "hard"
    if kind is None or not event.recipient:
        return
    said = event.description or event.mta_response or event.reject_reason or ""
    subscribers.record(subscribers.Report(event.recipient, kind, f"{esp_name}: {said}".strip()))


@receiver(inbound, dispatch_uid="newsletters.unsubscribe_by_mail")
def unsubscribe_by_mail(sender, event, esp_name, **kwargs):
    """A mail to the List-Unsubscribe mailbox: its subject carries the subscriber's key."""
    match = _UNSUBSCRIBE_SUBJECT.search(event.message.subject or "") if event.message else None
    if match is None:
        return
    subscriber = Subscriber.objects.filter(key=match.group(1)).first()
    if subscriber is not None:
        subscribers.unsubscribe(subscriber, None, reason="Unsubscribed by mail")


def webhooks_configured() -> bool:
    return bool(get_anymail_setting("webhook_secret", default=None))


def _guarded(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not webhooks_configured():
            raise Http404("Provider webhooks are off: set ANYMAIL's WEBHOOK_SECRET.")
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)


def webhook_urls() -> list[URLPattern]:
    """anymail's webhook URLs, each answering only once a webhook secret is set."""
    return [
        URLPattern(pattern.pattern, _guarded(pattern.callback), name=pattern.name)
        for pattern in anymail_urls.urlpatterns
    ]
