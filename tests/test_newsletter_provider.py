"""What the mail provider reports through django-anymail's webhooks: hard bounces and
complaints stop mail to an address, soft bounces after several; the webhooks need
their secret; mail to the List-Unsubscribe mailbox unsubscribes."""

import base64
import json
from datetime import time, timedelta

import pytest
from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent, inbound
from django.core import mail
from django.utils import timezone

from articles import workflow
from newsletters import editions, provider, sending
from newsletters.models import Edition, Newsletter, Send, Subscriber
from tests.factories import make_story
from tests.test_newsletter_subscribers import active

pytestmark = pytest.mark.django_db


@pytest.fixture
def daily():
    return Newsletter.objects.get(slug="daily")


# --- reports from the mail provider ------------------------------------------------------------------


def postmark(record_type: str, kind: str, email: str) -> str:
    return json.dumps(
        {
            "RecordType": record_type,
            "Type": kind,
            "TypeCode": 1,
            "ID": 42,
            "MessageID": "00000000-0000-0000-0000-000000000000",
            "Email": email,
            "Description": "The server was unable to deliver your message.",
            "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
            "BouncedAt": "2026-11-29T10:00:00Z",
            "Tag": "newsletter",
            "Metadata": {},
        }
    )


def webhook(client, body: str, secret: str = "hooks:s3cret"):
    auth = base64.b64encode(secret.encode()).decode()
    return client.post(
        "/newsletter/webhooks/postmark/tracking/",
        body,
        content_type="application/json",
        headers={"Authorization": f"Basic {auth}"},
    )


@pytest.fixture
def provider_secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hooks:s3cret"}


def test_a_hard_bounce_report_stops_mail_to_the_address(client, provider_secret):
    subscriber = active("gone@example.org")
    assert webhook(client, postmark("Bounce", "HardBounce", "Gone@example.org")).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.BOUNCED
    assert "Hard bounce" in subscriber.status_reason


def test_a_spam_complaint_report_stops_mail_to_the_address(client, provider_secret):
    subscriber = active("angry@example.org")
    webhook(client, postmark("SpamComplaint", "SpamComplaint", "angry@example.org"))
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.COMPLAINED


def test_soft_bounces_stop_mail_only_after_several(client, provider_secret, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "NEWSLETTER_SOFT_BOUNCE_LIMIT": 3}
    subscriber = active("full@example.org")
    for _ in range(2):
        webhook(client, postmark("Bounce", "Transient", "full@example.org"))
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE and subscriber.soft_bounces == 2
    webhook(client, postmark("Bounce", "Transient", "full@example.org"))
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.BOUNCED


def test_a_report_with_the_wrong_secret_changes_nothing(client, provider_secret):
    subscriber = active("safe@example.org")
    response = webhook(client, postmark("Bounce", "HardBounce", "safe@example.org"), "hooks:wrong")
    assert response.status_code in (400, 403)
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE


def test_the_webhooks_are_off_until_a_secret_is_set(client, settings):
    settings.ANYMAIL = {}
    subscriber = active("safe@example.org")
    assert webhook(client, postmark("Bounce", "HardBounce", "safe@example.org")).status_code == 404
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE


def test_mail_to_the_list_unsubscribe_mailbox_unsubscribes(daily):
    """The mailto of List-Unsubscribe: a provider's inbound webhook hands us the mail."""
    assert provider.unsubscribe_by_mail  # connected when newsletters.urls is loaded
    subscriber = active()
    stranger = AnymailInboundMessage.construct(subject="unsubscribe " + "x" * 43)
    inbound.send(
        sender=None,
        event=AnymailInboundEvent(event_type="inbound", message=stranger),
        esp_name="Test",
    )
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE
    mail = AnymailInboundMessage.construct(subject=f"unsubscribe {subscriber.key}")
    inbound.send(
        sender=None, event=AnymailInboundEvent(event_type="inbound", message=mail), esp_name="Test"
    )
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED


def test_an_edition_goes_out_through_an_anymail_provider(settings, daily, editor):
    """Any django-anymail backend can send editions: its test backend checks what a
    provider would be given (headers, tags, metadata, no tracking)."""
    settings.MAILERS = {
        **settings.MAILERS,
        "newsletter": {"BACKEND": "anymail.backends.test.EmailBackend"},
    }
    settings.NEWSROOM = {**settings.NEWSROOM, "NEWSLETTER_RATE_PER_MINUTE": 60_000}
    made = make_story("Through the provider", sections=[("Why it matters", "<p>It does.</p>")])
    workflow.transition(made, "publish", None, at=timezone.now() - timedelta(hours=1))
    reader = active("provider@example.org", daily)
    Newsletter.objects.filter(pk=daily.pk).update(send_time=time(0, 0))
    edition = Edition.objects.create(
        newsletter=daily,
        date=timezone.localdate(),
        window_start=timezone.now() - timedelta(days=1),
        window_end=timezone.now(),
    )
    editions.fill(edition)
    editions.approve(edition, editor)
    sending.run_batch(edition.pk)
    (sent,) = mail.outbox
    params = sent.anymail_test_params
    assert params["to"][0].addr_spec == "provider@example.org"
    assert params["tags"] == ["newsletter", "daily"]
    assert params["metadata"]["send"] == str(Send.objects.get().pk)
    assert params["track_opens"] is False and params["track_clicks"] is False
    assert params["extra_headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert reader.key in params["extra_headers"]["List-Unsubscribe"]
    assert Send.objects.get().status == Send.Status.SENT
