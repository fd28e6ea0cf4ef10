"""Subscribers through HTTP: sign-up (where a form may come from, its token, throttles,
blocked domains), double opt-in, one-click unsubscribe and preferences. Their data is
in test_newsletter_privacy.py, the provider's reports in test_newsletter_provider.py."""

import base64
import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from newsletters import guards, subscribers
from newsletters.models import Newsletter, SignupCounter, Subscriber, SubscriberMail, Subscription
from tests.factories import make_section

pytestmark = pytest.mark.django_db

ORIGIN = "http://testserver"
SIGNUP = "/newsletter/"


def sign_up(client, email="reader@example.org", *, origin=ORIGIN, token=True, address=None, **more):
    data = {"email": email, **more}
    if token:
        data["token"] = guards.form_token()
    headers = {"Origin": origin} if origin else {}
    extra = {"REMOTE_ADDR": address} if address else {}
    return client.post(SIGNUP, data, headers=headers, **extra)


def active(email="active@example.org", *newsletters, sections=()) -> Subscriber:
    subscriber = Subscriber.objects.create(
        email=email, status=Subscriber.Status.ACTIVE, confirmed_at=timezone.now()
    )
    for newsletter in newsletters or Newsletter.objects.filter(slug="daily"):
        Subscription.objects.create(subscriber=subscriber, newsletter=newsletter)
    subscriber.sections.set(sections)
    return subscriber


@pytest.fixture
def daily():
    return Newsletter.objects.get(slug="daily")


@pytest.fixture
def weekly():
    return Newsletter.objects.create(name="Weekly review", slug="weekly")


# --- signing up ---------------------------------------------------------------------------------


def test_a_sign_up_from_our_page_waits_for_confirmation(client, daily):
    response = sign_up(client, "Reader@Example.org ")
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "reader@example.org"
    assert subscriber.status == Subscriber.Status.PENDING
    assert list(subscriber.subscriptions.values_list("newsletter__slug", flat=True)) == ["daily"]
    assert list(subscriber.mails.values_list("kind", "state")) == [("confirm", "pending")]
    assert "no-store" in response["Cache-Control"] and not response.cookies


def test_a_sign_up_sent_from_another_site_is_refused(client):
    response = sign_up(client, origin="https://evil.example.com")
    assert response.status_code == 403
    assert "another website" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_a_sign_up_with_neither_origin_nor_referer_is_refused(client):
    assert sign_up(client, origin=None).status_code == 403
    assert not Subscriber.objects.exists()


def test_a_referer_from_our_site_stands_in_for_a_missing_origin(client):
    response = client.post(
        SIGNUP,
        {"email": "r@example.org", "token": guards.form_token()},
        headers={"Referer": "http://testserver/2026/11/29/some-story/"},
    )
    assert response.status_code == 200
    assert Subscriber.objects.get().signup_page == "/2026/11/29/some-story/"


def test_without_a_form_token_the_reader_confirms_on_the_sign_up_page(client):
    """The box on a cached page has no token; without JavaScript nothing fetches one."""
    response = sign_up(client, "nojs@example.org", token=False)
    page = response.content.decode()
    assert response.status_code == 200
    assert "One more step" in page and 'value="nojs@example.org"' in page
    form = re.search(r'<form class="newsletter-form".*?</form>', page, re.S).group(0)
    assert guards.form_token_is_valid(re.search(r'name="token" value="([^"]+)"', form).group(1))
    assert not Subscriber.objects.exists()


def test_an_expired_or_forged_form_token_is_not_enough(client):
    with time_machine.travel(timezone.now() - timedelta(hours=7)):
        old = guards.form_token()
    for token in (old, "forged:token", guards.form_token() + "x"):
        client.post(SIGNUP, {"email": "a@example.org", "token": token}, headers={"Origin": ORIGIN})
    assert not Subscriber.objects.exists()


def test_the_sign_up_page_asks_for_sections_and_newsletters(client, weekly):
    make_section("Science")
    page = client.get(SIGNUP)
    text = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert '<label for="id_newsletters_1">Weekly review</label>' in text
    assert ">Science</label>" in text and "Daily briefing" in text
    assert not page.cookies


def test_a_reader_can_choose_newsletters_and_sections(client, daily, weekly):
    science = make_section("Science")
    sign_up(client, "picky@example.org", newsletters=[weekly.pk], sections=[science.pk])
    subscriber = Subscriber.objects.get()
    assert list(subscriber.subscriptions.values_list("newsletter", flat=True)) == [weekly.pk]
    assert list(subscriber.sections.all()) == [science]


@pytest.mark.parametrize("email", ["x@mailinator.com", "x@eu.mailinator.com", "X@MAILINATOR.COM"])
def test_blocked_domains_are_refused_in_plain_words(client, settings, email):
    settings.NEWSROOM = {
        **settings.NEWSROOM,
        "NEWSLETTER_BLOCKED_DOMAINS": "mailinator.com, x.test",
    }
    response = sign_up(client, email)
    assert response.status_code == 400
    assert "We cannot send newsletters to addresses at" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_a_bad_address_is_refused_with_the_form_kept(client):
    response = sign_up(client, "not an address")
    assert response.status_code == 400
    assert "Enter an email address like name@example.org." in response.content.decode()


def test_sign_ups_are_throttled_per_client_address(client, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "NEWSLETTER_SIGNUPS_PER_HOUR": 2}
    assert sign_up(client, "a@example.org", address="203.0.113.9").status_code == 200
    assert sign_up(client, "b@example.org", address="203.0.113.9").status_code == 200
    third = sign_up(client, "c@example.org", address="203.0.113.9")
    assert third.status_code == 429
    assert 0 < int(third["Retry-After"]) <= 3600
    assert "try again in an hour" in third.content.decode()
    assert sign_up(client, "c@example.org", address="198.51.100.7").status_code == 200
    assert set(Subscriber.objects.values_list("email", flat=True)) == {
        "a@example.org",
        "b@example.org",
        "c@example.org",
    }
    # The throttle keeps no address, only keyed hashes.
    assert not SignupCounter.objects.filter(key__contains="203.0.113.9").exists()


def test_the_throttle_forgets_after_an_hour(settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "NEWSLETTER_SIGNUPS_PER_HOUR": 1}
    now = timezone.now()
    assert guards.allow("address", "192.0.2.1", 1, at=now)
    assert not guards.allow("address", "192.0.2.1", 1, at=now)
    assert guards.allow("address", "192.0.2.1", 1, at=now + timedelta(hours=1))


def test_one_mailbox_gets_at_most_three_confirmation_mails_a_day(client):
    for n in range(5):
        assert sign_up(client, "victim@example.org", address=f"192.0.2.{n}").status_code == 200
    assert SubscriberMail.objects.count() == 3


def test_signing_up_a_subscribed_address_says_the_same_and_sends_a_reminder(client, daily):
    subscriber = active("already@example.org")
    fresh = sign_up(client, "new@example.org").content.decode()
    again = sign_up(client, "already@example.org").content.decode()
    assert again.replace("already@example.org", "X") == fresh.replace("new@example.org", "X")
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE
    assert list(subscriber.mails.values_list("kind", flat=True)) == ["already"]


def test_the_token_endpoint_sets_no_cookie_and_is_never_cached(client):
    response = client.get("/newsletter/token/")
    assert guards.form_token_is_valid(response.json()["token"])
    assert "no-store" in response["Cache-Control"] and not response.cookies


# --- double opt-in ---------------------------------------------------------------------------------


def confirm_url(subscriber) -> str:
    return reverse("newsletters:confirm", args=[guards.confirm_token(subscriber)])


def test_opening_the_confirmation_link_alone_does_not_subscribe(client, daily):
    sign_up(client, "opt@example.org")
    subscriber = Subscriber.objects.get()
    page = client.get(confirm_url(subscriber))
    assert page.status_code == 200 and "<button" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING


def test_pressing_confirm_subscribes_and_records_consent(client, daily):
    sign_up(client, "opt@example.org")
    subscriber = Subscriber.objects.get()
    response = client.post(
        confirm_url(subscriber), headers={"Origin": ORIGIN}, REMOTE_ADDR="198.51.100.20"
    )
    assert response.status_code == 200 and "You are subscribed" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE
    assert subscriber.consent_ip == "198.51.100.20" and subscriber.consent_at
    assert "no-store" in response["Cache-Control"] and not response.cookies


def test_a_confirmation_from_another_site_is_refused(client):
    sign_up(client)
    subscriber = Subscriber.objects.get()
    assert (
        client.post(confirm_url(subscriber), headers={"Origin": "https://x.example"}).status_code
        == 403
    )
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING


def test_an_old_confirmation_link_has_expired(client):
    sign_up(client)
    subscriber = Subscriber.objects.get()
    with time_machine.travel(timezone.now() - timedelta(days=8)):
        url = confirm_url(subscriber)
    response = client.post(url, headers={"Origin": ORIGIN})
    assert response.status_code == 410 and "expired" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING


def test_a_forged_confirmation_link_opens_nothing(client):
    sign_up(client)
    subscriber = Subscriber.objects.get()
    token = guards.confirm_token(subscriber)
    assert client.get(f"/newsletter/confirm/{token[:-2]}xx/").status_code == 404
    other = Subscriber.objects.create(email="other@example.org")
    # The other subscriber's token with this subscriber's number put in: the signature
    # no longer matches.
    payload, *signed = guards.confirm_token(other).split(":")
    pk, key = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert pk == other.pk
    swapped = json.dumps([subscriber.pk, key], separators=(",", ":")).encode()
    forged = ":".join([base64.urlsafe_b64encode(swapped).decode().rstrip("="), *signed])
    assert (
        client.post(f"/newsletter/confirm/{forged}/", headers={"Origin": ORIGIN}).status_code == 404
    )


# --- leaving and choosing ---------------------------------------------------------------------------


def unsubscribe_url(subscriber, newsletter) -> str:
    return reverse("newsletters:unsubscribe", args=[subscriber.key, newsletter.slug])


def test_one_click_unsubscribe_by_post_as_rfc_8058_sends_it(daily):
    subscriber = active()
    # A mail provider's POST: no cookie, no Origin, no CSRF token; the key is the proof.
    mail_app = Client(enforce_csrf_checks=True)
    response = mail_app.post(
        unsubscribe_url(subscriber, daily),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert "One-click" in subscriber.status_reason


def test_opening_the_unsubscribe_link_only_shows_the_button(client, daily):
    subscriber = active()
    page = client.get(unsubscribe_url(subscriber, daily))
    assert page.status_code == 200 and "Unsubscribe from Daily briefing" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE


def test_unsubscribing_from_one_newsletter_keeps_the_other(client, daily, weekly):
    subscriber = active("two@example.org", daily, weekly)
    client.post(unsubscribe_url(subscriber, weekly))
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE
    assert list(subscriber.subscriptions.values_list("newsletter", flat=True)) == [daily.pk]
    client.post(unsubscribe_url(subscriber, daily), {"scope": "all"})
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED


def test_a_wrong_key_opens_nothing(client, daily):
    active()
    assert client.post(f"/newsletter/unsubscribe/{'x' * 43}/daily/").status_code == 404
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE


def test_preferences_choose_newsletters_and_sections(client, daily, weekly):
    subscriber = active("prefs@example.org", daily)
    science = make_section("Science")
    url = reverse("newsletters:preferences", args=[subscriber.key])
    page = client.get(url)
    assert page.status_code == 200 and "prefs@example.org" in page.content.decode()
    assert "noindex" in page.content.decode() and "no-store" in page["Cache-Control"]
    client.post(
        url, {"newsletters": [weekly.pk], "sections": [science.pk]}, headers={"Origin": ORIGIN}
    )
    assert list(subscriber.subscriptions.values_list("newsletter", flat=True)) == [weekly.pk]
    assert list(subscriber.sections.all()) == [science]
    client.post(url, {}, headers={"Origin": ORIGIN})
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    client.post(url, {"newsletters": [daily.pk]}, headers={"Origin": ORIGIN})
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE


def test_preferences_posted_from_another_site_change_nothing(client, daily, weekly):
    subscriber = active("prefs@example.org", daily)
    url = reverse("newsletters:preferences", args=[subscriber.key])
    assert (
        client.post(
            url, {"newsletters": [weekly.pk]}, headers={"Origin": "https://x.example"}
        ).status_code
        == 403
    )
    assert list(subscriber.subscriptions.values_list("newsletter", flat=True)) == [daily.pk]


def test_a_bounced_address_is_not_brought_back_by_the_preferences_page(client, daily):
    subscriber = active()
    subscribers.record(subscribers.Report(subscriber.email, "hard", "550 no such user"))
    url = reverse("newsletters:preferences", args=[subscriber.key])
    client.post(url, {"newsletters": [daily.pk]}, headers={"Origin": ORIGIN})
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.BOUNCED
