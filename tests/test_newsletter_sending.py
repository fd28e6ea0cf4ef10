"""Sending, to a real SMTP server (aiosmtpd) on 127.0.0.1: the confirmation mail and its
link, each edition once to each subscriber who should get it, with the headers of
RFC 8058 one-click unsubscribe, a plain-text part and HTML under Gmail's clip; refusals
by the mail server; the rate; and a story taken down in the middle of a send."""

import asyncio
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import time as clock_time
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django.utils import timezone

from articles import workflow
from newsletters import editions, guards, mailer, render, sending
from newsletters.models import Edition, Newsletter, Send, Subscriber, Subscription
from tests.factories import make_section, make_story
from tests.servers import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # an SMTP server on a thread


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    at: float

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()


@dataclass
class MailServer:
    """An SMTP server that keeps what it accepts. ``refuse`` answers RCPT for an address
    with a reply ("550 …"); ``refuse_once`` does it only the first time. ``hold_at``
    makes it hold the n-th message after the data arrived, before accepting it, until
    ``release()``: a client that disappears meanwhile gets nothing accepted, as with a
    before-queue content filter."""

    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    refuse_once: dict[str, str] = field(default_factory=dict)
    hold_at: int | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    dropped: int = 0
    _seen: int = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        if address in self.refuse_once:
            return self.refuse_once.pop(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self._seen += 1
        if self.hold_at is not None and self._seen == self.hold_at:
            self.holding.set()
            try:
                while not self.released.is_set():
                    await asyncio.sleep(0.02)
            except asyncio.CancelledError:
                self.dropped += 1  # the client went away before we accepted it
                raise
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), message, time.monotonic())
        )
        return "250 Message accepted for delivery"

    def release(self):
        self.released.set()

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]

    def per_recipient(self) -> Counter:
        return Counter(address for r in self.received for address in r.recipients)


@pytest.fixture
def smtp():
    server = MailServer()
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    yield server
    server.release()
    controller.stop()


@pytest.fixture
def mail_settings(settings, smtp):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp.port, "timeout": 10},
        }
    }
    settings.NEWSROOM = {
        **settings.NEWSROOM,
        "BASE_URL": "https://news.example.org",
        "NEWSLETTER_FROM_EMAIL": "Newsroom <briefing@news.example.org>",
        "NEWSLETTER_RATE_PER_MINUTE": 60_000,
    }
    settings.ALLOWED_HOSTS = ["testserver", "news.example.org"]
    return settings


@pytest.fixture
def daily():
    return Newsletter.objects.get(slug="daily")


def subscriber(email, status=Subscriber.Status.ACTIVE, newsletter=None, sections=()):
    made = Subscriber.objects.create(email=email, status=status, confirmed_at=timezone.now())
    Subscription.objects.create(
        subscriber=made, newsletter=newsletter or Newsletter.objects.get(slug="daily")
    )
    made.sections.set(sections)
    return made


def story(headline, *, ago=1, **fields):
    made = make_story(
        headline, sections=[("Why it matters", f"<p>Because {headline.lower()}.</p>")], **fields
    )
    workflow.transition(made, "publish", None, at=timezone.now() - timedelta(hours=ago))
    return made


def approved_edition(newsletter, editor) -> Edition:
    """Today's edition of ``newsletter`` with the last day's stories, approved, due now."""
    now = timezone.now()
    edition = Edition.objects.create(
        newsletter=newsletter,
        date=timezone.localdate(),
        window_start=now - timedelta(hours=24),
        window_end=now,
    )
    editions.fill(edition)
    Newsletter.objects.filter(pk=newsletter.pk).update(send_time=clock_time(0, 0))  # due already
    edition.refresh_from_db()
    editions.approve(edition, editor, at=now)
    edition.refresh_from_db()
    return edition


def send_all(edition: Edition) -> None:
    while Send.objects.filter(edition=edition, status=Send.Status.PENDING).exists():
        assert sending.run_batch(edition.pk) != "not this job's turn"


# --- the confirmation mail ---------------------------------------------------------------------------


def test_the_confirmation_mail_links_to_a_page_whose_button_subscribes(mail_settings, smtp, daily):
    client = Client(HTTP_HOST="news.example.org")
    client.post(
        "/newsletter/",
        {"email": "new@example.org", "token": guards.form_token()},
        headers={"Origin": "https://news.example.org"},
        secure=True,
    )
    assert mailer.send_subscriber_mail.call() == 1
    (mail,) = smtp.to("new@example.org")
    assert mail.message["Subject"] == "Confirm your subscription to Daily briefing"
    url = re.search(r"https://news\.example\.org(/newsletter/confirm/\S+/)", mail.text).group(1)
    assert client.get(url, secure=True).status_code == 200
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING
    client.post(url, headers={"Origin": "https://news.example.org"}, secure=True)
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE


def test_a_mail_server_that_is_away_delays_the_confirmation(mail_settings, smtp, daily):
    subscriber("x@example.org", status=Subscriber.Status.PENDING)
    mailer.queue(Subscriber.objects.get(), "confirm")
    mail_settings.MAILERS["default"]["OPTIONS"]["port"] = free_port()  # nothing listens
    assert mailer.send_subscriber_mail.call() == 0
    mail_settings.MAILERS["default"]["OPTIONS"]["port"] = smtp.port
    assert mailer.send_subscriber_mail.call() == 1
    assert len(smtp.to("x@example.org")) == 1


# --- an edition ----------------------------------------------------------------------------------------


def test_an_edition_goes_once_to_each_subscriber_who_should_get_it(
    mail_settings, smtp, daily, editor
):
    weekly = Newsletter.objects.create(name="Weekly", slug="weekly")
    story("Something happened")
    for email in ("one@example.org", "two@example.org"):
        subscriber(email)
    subscriber("pending@example.org", status=Subscriber.Status.PENDING)
    subscriber("left@example.org", status=Subscriber.Status.UNSUBSCRIBED)
    subscriber("bounced@example.org", status=Subscriber.Status.BOUNCED)
    subscriber("complained@example.org", status=Subscriber.Status.COMPLAINED)
    subscriber("weekly@example.org", newsletter=weekly)
    edition = approved_edition(daily, editor)
    send_all(edition)
    sending.run_batch(edition.pk)  # a stray job afterwards sends nothing more
    assert smtp.per_recipient() == {"one@example.org": 1, "two@example.org": 1}
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT


def test_each_message_has_one_click_unsubscribe_a_text_part_and_small_html(
    mail_settings, smtp, daily, editor
):
    story("Rates held")
    reader = subscriber("reader@example.org")
    other = subscriber("other@example.org")
    send_all(approved_edition(daily, editor))
    (mail,) = smtp.to("reader@example.org")
    message = mail.message
    assert message["Subject"] == "Daily briefing: Rates held"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
    assert https == f"https://news.example.org/newsletter/unsubscribe/{reader.key}/daily/"
    assert mailto.startswith("mailto:unsubscribe@news.example.org?subject=unsubscribe%20")
    assert reader.key in mailto
    assert "daily.news.example.org" in message["List-Id"]
    assert message["Message-ID"].endswith("@news.example.org>")
    assert "Rates held" in mail.text and "Smart Brevity count:" in mail.text.splitlines()[0]
    assert "Rates held" in mail.html and len(mail.html.encode()) < render.GMAIL_CLIP_BYTES
    assert https in mail.html and https in mail.text
    assert other.key not in mail.html and other.key not in mail.text
    # The mail app's one-click POST, to the very address in the header.
    answer = Client(enforce_csrf_checks=True).post(
        urlsplit(https).path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
        HTTP_HOST="news.example.org",
        secure=True,
    )
    assert answer.status_code == 200
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED


def test_a_subscriber_gets_only_the_sections_they_chose(mail_settings, smtp, daily, editor):
    world, sports = make_section("Worlds"), make_section("Sports day")
    story("World story", section=world, ago=2)
    story("Sports story", section=sports, ago=1)
    subscriber("all@example.org")
    subscriber("world@example.org", sections=[world])
    subscriber("empty@example.org", sections=[make_section("Nothing today")])
    edition = approved_edition(daily, editor)
    send_all(edition)
    assert "Sports story" in smtp.to("all@example.org")[0].text
    (world_mail,) = smtp.to("world@example.org")
    assert "World story" in world_mail.text and "Sports story" not in world_mail.text
    assert smtp.to("empty@example.org") == []
    skipped = Send.objects.get(subscriber__email="empty@example.org")
    assert skipped.status == Send.Status.SKIPPED and "no story left" in skipped.note


def test_a_story_taken_down_mid_send_is_in_no_later_message(
    mail_settings, smtp, daily, editor, monkeypatch
):
    story("Kept story", ago=2)
    gone = story("Story taken down", ago=1)
    for n in range(3):
        subscriber(f"r{n}@example.org")
    edition = approved_edition(daily, editor)
    send_next = sending.send_next

    def then_take_it_down(*args):
        # An editor unpublishes the story right after the first message of the batch.
        outcome = send_next(*args)
        if len(smtp.received) == 1 and gone.live_revision_id:
            workflow.transition(gone, "unpublish", editor)
            gone.refresh_from_db()
        return outcome

    monkeypatch.setattr(sending, "send_next", then_take_it_down)
    sending.run_batch(edition.pk)  # one batch: the sender must notice by itself
    first, *later = smtp.received
    assert "Story taken down" in first.text
    assert len(later) == 2
    for mail in later:
        assert "Story taken down" not in mail.text and "Story taken down" not in mail.html
        assert "Kept story" in mail.text


def test_when_every_story_is_taken_down_nothing_more_goes_out(mail_settings, smtp, daily, editor):
    gone = story("The only story")
    subscriber("a@example.org")
    edition = approved_edition(daily, editor)
    workflow.transition(gone, "unpublish", editor)
    send_all(edition)
    assert smtp.received == []
    assert Send.objects.get().status == Send.Status.SKIPPED


def test_a_subscriber_who_leaves_mid_send_is_skipped(mail_settings, smtp, daily, editor):
    story("News")
    leaving = subscriber("leaving@example.org")
    edition = approved_edition(daily, editor)
    Subscriber.objects.filter(pk=leaving.pk).update(status=Subscriber.Status.UNSUBSCRIBED)
    send_all(edition)
    assert smtp.received == []
    assert "unsubscribed" in Send.objects.get().note


def test_an_address_the_server_refuses_for_good_is_marked_bounced(
    mail_settings, smtp, daily, editor
):
    story("News")
    subscriber("fine@example.org")
    dead = subscriber("dead@example.org")
    smtp.refuse["dead@example.org"] = "550 5.1.1 No such user here"
    edition = approved_edition(daily, editor)
    send_all(edition)
    assert smtp.per_recipient() == {"fine@example.org": 1}
    dead.refresh_from_db()
    assert dead.status == Subscriber.Status.BOUNCED and "550" in dead.status_reason
    row = Send.objects.get(subscriber=dead)
    assert row.status == Send.Status.FAILED and "No such user" in row.note
    # The next edition does not even try.
    edition2 = Edition.objects.create(
        newsletter=daily,
        date=timezone.localdate() + timedelta(days=1),
        window_start=edition.window_start,
        window_end=edition.window_end,
        status=Edition.Status.APPROVED,
    )
    sending.start(edition2)
    assert not Send.objects.filter(edition=edition2, subscriber=dead).exists()


def test_an_address_turned_away_for_now_is_tried_again_later(mail_settings, smtp, daily, editor):
    story("News")
    subscriber("greylisted@example.org")
    smtp.refuse_once["greylisted@example.org"] = "451 4.7.1 Try again later"
    edition = approved_edition(daily, editor)
    sending.run_batch(edition.pk)
    row = Send.objects.get()
    assert row.status == Send.Status.PENDING and row.next_attempt_at > timezone.now()
    assert sending.run_batch(edition.pk) == "nothing"  # not due yet
    Send.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    send_all(edition)
    assert smtp.per_recipient() == {"greylisted@example.org": 1}


def test_messages_are_spaced_to_the_rate(mail_settings, smtp, daily, editor):
    mail_settings.NEWSROOM["NEWSLETTER_RATE_PER_MINUTE"] = 600  # one every 0.1 s
    story("News")
    for n in range(5):
        subscriber(f"paced{n}@example.org")
    edition = approved_edition(daily, editor)
    before = time.monotonic()
    send_all(edition)
    times = sorted(r.at for r in smtp.received)
    assert len(times) == 5
    # The n-th message never leaves before n tenths of a second have passed.
    for n, at in enumerate(times):
        assert at - before >= n * 0.1 - 0.01, f"message {n} came {at - before:.3f} s in"


def test_one_job_at_a_time_holds_an_edition(mail_settings, smtp, daily, editor):
    story("News")
    subscriber("a@example.org")
    edition = approved_edition(daily, editor)
    Edition.objects.filter(pk=edition.pk).update(
        lease_until=timezone.now() + timedelta(minutes=5), lease_token="someone-else"
    )
    assert sending.run_batch(edition.pk) == "not this job's turn"
    assert smtp.received == []
    Edition.objects.filter(pk=edition.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    send_all(edition)
    assert smtp.per_recipient() == {"a@example.org": 1}


def test_a_cancelled_edition_stops_at_once(mail_settings, smtp, daily, editor):
    mail_settings.NEWSROOM["NEWSLETTER_BATCH_SIZE"] = 1
    story("News")
    for n in range(3):
        subscriber(f"c{n}@example.org")
    edition = approved_edition(daily, editor)
    sending.run_batch(edition.pk)
    assert editions.cancel(edition, editor) == 2
    assert sending.run_batch(edition.pk) == "not this job's turn"
    assert len(smtp.received) == 1
