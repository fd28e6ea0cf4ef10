"""Webhooks in the admin, for superusers: endpoints (secret shown once, health), the
delivery log, replay, and switching an endpoint back on."""

import pytest
from django.urls import reverse

from interchange.models import Delivery, Endpoint
from tests.conftest import messages_of
from tests.test_webhooks import Receiver, allow_loopback, publish, run_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):
    allow_loopback(settings)
    with Receiver() as running:
        yield running


@pytest.mark.slow  # a receiver: an HTTP server on 127.0.0.1
def test_replay_from_the_admin_sends_again_with_the_same_id(editor, receiver, as_admin, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "WEBHOOK_MAX_ATTEMPTS": 1}
    receiver.script = [500]
    Endpoint.objects.create(url=receiver.url)
    publish(editor)
    run_jobs()
    (sent,) = Delivery.objects.all()
    assert sent.status == Delivery.Status.FAILED
    response = as_admin.post(
        reverse("admin:interchange_delivery_changelist"),
        {"action": "send_again", "_selected_action": [sent.pk]},
        follow=True,
    )
    assert "1 deliveries queued to be sent again." in messages_of(response)
    run_jobs()
    sent.refresh_from_db()
    assert sent.status == Delivery.Status.SUCCEEDED
    assert [a.status_code for a in sent.log.all()] == [500, 200]
    assert {r.headers["webhook-id"] for r in receiver.received} == {sent.webhook_id}
    page = as_admin.get(reverse("admin:interchange_delivery_change", args=[sent.pk]))
    assert "HTTP 500" in page.content.decode() and "HTTP 200" in page.content.decode()
    event_page = as_admin.get(reverse("admin:interchange_event_change", args=[sent.event_id]))
    assert sent.webhook_id in event_page.content.decode()


@pytest.mark.slow  # a receiver: an HTTP server on 127.0.0.1
def test_endpoint_admin_shows_the_secret_once_and_the_health(as_admin, receiver):
    response = as_admin.post(
        reverse("admin:interchange_endpoint_add"),
        {"url": receiver.url, "description": "Partner", "active": "on"},
        follow=True,
    )
    endpoint = Endpoint.objects.get()
    assert any(endpoint.secret in message for message in messages_of(response))
    assert endpoint.secret.startswith("whsec_")
    page = as_admin.get(reverse("admin:interchange_endpoint_change", args=[endpoint.pk]))
    assert endpoint.secret not in page.content.decode()
    listing = as_admin.get(reverse("admin:interchange_endpoint_changelist")).content.decode()
    assert "Nothing sent yet" in listing


@pytest.mark.slow  # a receiver: an HTTP server on 127.0.0.1
def test_switching_an_endpoint_back_on_and_sending_what_it_missed(editor, receiver, as_admin):
    receiver.script = [410]
    endpoint = Endpoint.objects.create(url=receiver.url)
    publish(editor, "First")
    publish(editor, "Second")
    run_jobs()
    change = reverse("admin:interchange_endpoint_change", args=[endpoint.pk])
    as_admin.post(change, {"url": endpoint.url, "description": "", "active": "on"})
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.health == "Nothing sent yet"
    as_admin.post(
        reverse("admin:interchange_endpoint_changelist"),
        {"action": "send_failed_again", "_selected_action": [endpoint.pk]},
    )
    run_jobs()
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SUCCEEDED}
    assert len(receiver.received) == 3
