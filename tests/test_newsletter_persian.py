"""The newsletter in the Persian edition: a reader who signs up on a Persian page gets
Persian pages (sign-up, check your inbox, confirm, preferences, unsubscribe), a Persian
confirmation mail whose links lead back to them, and the edition's newsletters ticked by
default. A reader of the English edition gets everything as before, at ``/newsletter/``.
"""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from lxml import html

from newsletters import guards, mailer, render
from newsletters.models import Newsletter, Subscriber, SubscriberMail
from tests.latin import allowed_words, latin_words, page_text

pytestmark = pytest.mark.django_db

EMAIL = "reader@example.org"


@pytest.fixture
def persian_newsletter(demo) -> Newsletter:
    return Newsletter.objects.create(name="خبرنامهٔ روز", slug="ruz", language="fa")


@pytest.fixture
def allowed(persian_newsletter) -> set[str]:
    # The English newsletter is offered on the Persian page too, under its own name.
    names = Newsletter.objects.values_list("name", flat=True)
    return allowed_words(settings.NEWSROOM["SITE_NAME"], EMAIL, *names)


def sign_up(client, path: str, **data):
    data = {"email": EMAIL, "token": guards.form_token(), **data}
    return client.post(path, data, headers={"Origin": "http://testserver"})


def ticked(client, path: str) -> set[int]:
    document = html.fromstring(client.get(path).content)
    return {
        int(box.get("value"))
        for box in document.xpath("//input[@name='newsletters']")
        if box.get("checked") is not None
    }


def mail_to(subscriber: Subscriber) -> str:
    mail = SubscriberMail.objects.filter(subscriber=subscriber).latest("pk")
    message = mailer.compose(mail)
    return f"{message.subject}\n{message.body}"


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def test_a_persian_reader_signs_up_and_confirms_in_persian(client, persian_newsletter, allowed):
    with translation.override("fa"):
        signup = reverse("newsletters:signup")
    assert signup == "/fa/newsletter/"
    assert latin_words(page_text(client, signup), allowed) == []
    # The edition's own newsletter is the one ticked.
    assert ticked(client, signup) == {persian_newsletter.pk}

    # The sign-up box sends only the address: the edition's newsletter is chosen for it.
    response = sign_up(client, signup)
    assert response.status_code == 200
    document = html.fromstring(response.content)
    assert document.get("lang") == "fa"
    subscriber = Subscriber.objects.get(email=EMAIL)
    assert subscriber.language == "fa"
    assert [s.newsletter for s in subscriber.subscriptions.all()] == [persian_newsletter]

    mail = mail_to(subscriber)
    assert mail.startswith("اشتراک خود در خبرنامهٔ روز را تأیید کنید\nسلام،")
    (confirm,) = links_in(mail)
    assert confirm.startswith(settings.NEWSROOM["BASE_URL"] + "/fa/newsletter/confirm/")
    assert latin_words([mail.replace(confirm, "")], allowed) == []

    confirm_path = confirm.removeprefix(settings.NEWSROOM["BASE_URL"])
    assert latin_words(page_text(client, confirm_path), allowed) == []
    done = client.post(confirm_path, headers={"Origin": "http://testserver"})
    assert done.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE
    confirmed = html.fromstring(done.content)
    assert latin_words([confirmed.findtext(".//main//p")], allowed) == []


def test_the_persian_newsletters_links_lead_to_persian_pages(client, persian_newsletter, allowed):
    subscriber = Subscriber.objects.create(
        email=EMAIL, status=Subscriber.Status.ACTIVE, language="en"
    )
    urls = render.recipient_urls(subscriber, persian_newsletter)
    base = settings.NEWSROOM["BASE_URL"]
    assert urls["unsubscribe"].startswith(base + "/fa/newsletter/unsubscribe/")
    assert urls["preferences"].startswith(base + "/fa/newsletter/preferences/")
    for url in urls.values():
        assert latin_words(page_text(client, url.removeprefix(base)), allowed) == []
    # The sections are offered by their Persian names.
    page = client.get(urls["preferences"].removeprefix(base)).content.decode()
    assert ">جهان</label>" in page and ">World</label>" not in page
    english = render.recipient_urls(subscriber, Newsletter.objects.get(slug="daily"))
    assert english["unsubscribe"].startswith(base + "/newsletter/unsubscribe/")


def test_persian_form_errors_are_in_persian(client, persian_newsletter, allowed):
    response = sign_up(client, "/fa/newsletter/", email="not an address")
    assert response.status_code == 400
    assert "نشانی ایمیلی مانند name@example.org وارد کنید." in response.content.decode()
    words = latin_words(page_text(client, "/fa/newsletter/"), allowed)
    assert words == []


def test_an_english_reader_still_signs_up_in_english_at_the_root(client, persian_newsletter):
    daily = Newsletter.objects.get(slug="daily")
    assert ticked(client, "/newsletter/") == {daily.pk}
    assert sign_up(client, "/newsletter/").status_code == 200
    subscriber = Subscriber.objects.get(email=EMAIL)
    assert subscriber.language == "en"
    mail = mail_to(subscriber)
    assert mail.startswith(f"Confirm your subscription to {daily.name}\nHello,")
    (confirm,) = links_in(mail)
    assert confirm.startswith(settings.NEWSROOM["BASE_URL"] + "/newsletter/confirm/")


def test_several_newsletters_are_named_as_a_list_in_each_language():
    names = ["A", "B", "C"]
    assert render.listed(names) == "A, B and C"
    assert render.listed(names[:1]) == "A"
    with translation.override("fa"):
        assert render.listed(names) == "A، B و C"
