"""A subscriber's data: downloaded whole (by a link mailed to them) and erased whole,
both in the audit log without the address; administrators alone see subscribers; and
nothing about them reaches a public page, a feed or the API."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import AuditEntry, Section
from newsletters import guards, subscribers
from newsletters.models import Edition, Newsletter, Send, Subscriber, SubscriberMail, Subscription
from tests.factories import make_section, make_story
from tests.test_newsletter_subscribers import ORIGIN, active

pytestmark = pytest.mark.django_db


@pytest.fixture
def daily():
    return Newsletter.objects.get(slug="daily")


# --- their data ------------------------------------------------------------------------------------


def test_the_data_link_is_mailed_not_shown(client, daily):
    subscriber = active()
    response = client.post(
        reverse("newsletters:request-data", args=[subscriber.key]), headers={"Origin": ORIGIN}
    )
    assert response.status_code == 200
    assert list(subscriber.mails.values_list("kind", flat=True)) == ["data"]


def test_the_download_holds_every_column_of_every_row_about_them_and_is_audited(client, daily):
    science = make_section("Science")
    subscriber = active("data@example.org", daily, sections=[science])
    Subscriber.objects.filter(pk=subscriber.pk).update(consent_ip="198.51.100.1")
    edition = Edition.objects.create(
        newsletter=daily,
        date=timezone.localdate(),
        window_start=timezone.now(),
        window_end=timezone.now(),
    )
    Send.objects.create(edition=edition, subscriber=subscriber, status=Send.Status.SENT)
    SubscriberMail.objects.create(subscriber=subscriber, kind="confirm")
    guards.allow("mailbox", "data@example.org", 3)
    url = reverse("newsletters:data", args=[guards.data_token(subscriber)])
    assert client.get(url).status_code == 200  # the page with the button: no download yet
    assert not AuditEntry.objects.filter(action=subscribers.EXPORT).exists()
    response = client.post(url, headers={"Origin": ORIGIN})
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    for model, rows in [
        (Subscriber, [data["subscriber"]]),
        (Subscription, data["subscriptions"]),
        (Send, data["editions_sent"]),
        (SubscriberMail, data["mails"]),
    ]:
        names = {f.name for f in model._meta.concrete_fields} - {"id", "subscriber"}
        assert rows and names <= set(rows[0]), f"{model.__name__}: {names - set(rows[0])}"
    assert data["subscriber"]["email"] == "data@example.org"
    assert data["subscriber"]["consent_ip"] == "198.51.100.1"
    assert data["sections"] == ["Science"]
    assert data["signup_counts_for_this_address"][0]["count"] == 1
    (entry,) = AuditEntry.objects.filter(action=subscribers.EXPORT)
    assert f"#{subscriber.pk}" in entry.message and "data@example.org" not in entry.message


def test_an_old_data_link_has_expired(client):
    subscriber = active()
    with time_machine.travel(timezone.now() - timedelta(hours=2)):
        url = reverse("newsletters:data", args=[guards.data_token(subscriber)])
    assert client.post(url, headers={"Origin": ORIGIN}).status_code == 410


def test_erasing_removes_everything_about_them_and_is_audited(client, daily):
    subscriber = active("erase@example.org", daily, sections=[make_section("Science")])
    SubscriberMail.objects.create(subscriber=subscriber, kind="confirm")
    guards.allow("mailbox", "erase@example.org", 3)
    url = reverse("newsletters:erase", args=[subscriber.key])
    refused = client.post(url, {}, headers={"Origin": ORIGIN})
    assert refused.status_code == 400 and Subscriber.objects.exists()
    response = client.post(url, {"sure": "on"}, headers={"Origin": ORIGIN})
    assert response.status_code == 200 and "erased" in response.content.decode()
    assert not Subscriber.objects.exists()
    assert not Subscription.objects.exists() and not SubscriberMail.objects.exists()
    assert guards.counts("mailbox", "erase@example.org") == []
    (entry,) = AuditEntry.objects.filter(action=subscribers.ERASE)
    assert f"#{subscriber.pk}" in entry.message
    assert not AuditEntry.objects.filter(message__contains="erase@example.org").exists()
    assert client.get(reverse("newsletters:preferences", args=[subscriber.key])).status_code == 404


def test_administrators_erase_through_the_audited_action(admin_user, daily):
    subscriber = active()
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/admin/newsletters/subscriber/",
        {"action": "erase", "index": 0, "_selected_action": [subscriber.pk]},
    )
    assert response.status_code == 302
    assert not Subscriber.objects.exists()
    assert AuditEntry.objects.get(action=subscribers.ERASE).actor == admin_user


def test_editors_see_editions_but_not_subscribers(as_editor):
    active()
    assert as_editor.get("/admin/newsletters/edition/").status_code == 200
    assert as_editor.get("/admin/newsletters/subscriber/").status_code == 403


def test_nothing_about_subscribers_reaches_a_public_page_a_feed_or_the_api(client, daily):
    section = Section.objects.create(name="World", slug="world")
    story = make_story("Public story", section=section, publish=True)
    subscriber = active("secret-reader@example.org", daily, sections=[section])
    Subscriber.objects.filter(pk=subscriber.pk).update(consent_ip="203.0.113.77")
    public = [
        "/",
        story.get_absolute_url(),
        "/sections/world/",
        "/feed/",
        "/sections/world/feed/",
        "/sitemap.xml",
        "/sitemap-stories.xml",
        "/search/?q=example.org",
        "/corrections/",
        "/api/v1/stories/",
        f"/api/v1/stories/{story.pk}/",
        "/newsletter/",
    ]
    for path in public:
        body = client.get(path).content.decode()
        for secret in ("secret-reader", "203.0.113.77", subscriber.key):
            assert secret not in body, f"{path} shows {secret}"
