"""Webhooks never reach the newsroom's own network (server-side request forgery):
private, loopback and link-local addresses are refused when an endpoint is saved and
again, on the address the name resolves to then, at every delivery."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from interchange.models import Attempt, Delivery, Endpoint
from tests.test_webhooks import Receiver, allow_loopback, publish, run_jobs

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:8000/hooks",  # a name that resolves to 127.0.0.1
        "http://127.0.0.1/hooks",
        "http://[::1]/hooks",
        "http://[::ffff:10.0.0.1]/hooks",
        "http://0.0.0.0/hooks",
        "http://2130706433/hooks",  # 127.0.0.1 written as a number
        "http://192.168.1.20/hooks",
        "http://100.64.0.1/hooks",
        "ftp://example.org/hooks",
        "http://user:password@example.org/hooks",
    ],
)
def test_private_and_local_addresses_are_refused(url):
    with pytest.raises(ValidationError):
        Endpoint(url=url).full_clean()


def test_the_setting_lets_chosen_networks_through(settings):
    allow_loopback(settings)
    Endpoint(url="http://localhost:8000/hooks").full_clean()
    Endpoint(url="http://127.0.0.1:8000/hooks").full_clean()
    with pytest.raises(ValidationError):
        Endpoint(url="http://10.0.0.1/hooks").full_clean()


def test_the_admin_refuses_a_private_address(as_admin):
    response = as_admin.post(
        reverse("admin:interchange_endpoint_add"),
        {"url": "http://169.254.169.254/latest/meta-data/", "active": "on"},
    )
    assert response.status_code == 200 and not Endpoint.objects.exists()
    assert "private or local address" in response.content.decode()


@pytest.mark.slow  # a receiver: an HTTP server on 127.0.0.1
def test_the_address_is_checked_again_at_delivery(editor, settings):
    """A name that was fine when saved may point inside the network by the time we send."""
    with Receiver() as receiver:
        Endpoint.objects.create(url=receiver.url.replace("127.0.0.1", "localhost"))
        publish(editor)
        run_jobs()
        assert receiver.received == []
    (attempt,) = Attempt.objects.all()
    assert attempt.error.startswith("Refused: localhost points to 127.0.0.1")
    assert attempt.delivery.status == Delivery.Status.PENDING
