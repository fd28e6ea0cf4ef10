"""Editions on the desk and on the schedule: an editor drafts, arranges, previews and
approves one through the admin; the schedule drafts the day's edition ahead of its
send time and sends it only when approved, or by itself if editors turned that on."""

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import workflow
from articles.models import AuditEntry
from newsletters import editions, schedule, sending
from newsletters.models import Edition, EditionItem, Newsletter, Send, Subscriber, Subscription
from tests.factories import make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def daily():
    return Newsletter.objects.get(slug="daily")


def story(headline, ago=1):
    made = make_story(headline, sections=[("Why it matters", "<p>It does.</p>")])
    workflow.transition(made, "publish", None, at=timezone.now() - timedelta(hours=ago))
    return made


def reader(email="reader@example.org"):
    made = Subscriber.objects.create(email=email, status=Subscriber.Status.ACTIVE)
    Subscription.objects.create(subscriber=made, newsletter=Newsletter.objects.get(slug="daily"))
    return made


def at(day, hour, minute=0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def change_url(edition) -> str:
    return f"/admin/newsletters/edition/{edition.pk}/change/"


# --- the desk --------------------------------------------------------------------------------------


def test_an_editor_adds_an_edition_and_it_fills_with_the_window(as_editor, daily):
    story("Yesterday's news", ago=2)
    tomorrow = timezone.localdate() + timedelta(days=1)
    Newsletter.objects.filter(pk=daily.pk).update(send_time=time(23, 59), window_hours=72)
    response = as_editor.post(
        "/admin/newsletters/edition/add/",
        {
            "newsletter": daily.pk,
            "date": tomorrow.isoformat(),
            "intro": "Good morning.",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    edition = Edition.objects.get()
    daily.refresh_from_db()
    assert (edition.window_start, edition.window_end) == daily.window(tomorrow)
    assert list(edition.items.values_list("story__headline", flat=True)) == ["Yesterday's news"]


def test_the_editor_reorders_drops_previews_and_approves(as_editor, editor, daily):
    first, second, third = story("First", 3), story("Second", 2), story("Third", 1)
    edition = editions.draft(daily, timezone.localdate() + timedelta(days=1))
    edition.window_start = timezone.now() - timedelta(hours=24)
    edition.save()
    editions.fill(edition)
    items = {item.story_id: item for item in edition.items.all()}
    data = {
        "newsletter": daily.pk,
        "intro": "Three stories today, two of them here.",
        "window_start_0": timezone.localtime(edition.window_start).strftime("%Y-%m-%d"),
        "window_start_1": timezone.localtime(edition.window_start).strftime("%H:%M:%S"),
        "window_end_0": timezone.localtime(edition.window_end).strftime("%Y-%m-%d"),
        "window_end_1": timezone.localtime(edition.window_end).strftime("%H:%M:%S"),
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "3",
    }
    order = [(first, 0, True), (second, 2, False), (third, 1, True)]
    for i, (item_story, position, kept) in enumerate(order):
        data |= {
            f"items-{i}-id": items[item_story.pk].pk,
            f"items-{i}-edition": edition.pk,
            f"items-{i}-story": item_story.pk,
            f"items-{i}-position": position,
        }
        if kept:
            data[f"items-{i}-included"] = "on"
    page = as_editor.get(change_url(edition))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Smart Brevity count:" in text and 'form="edition-approve"' in text
    assert as_editor.get("/admin/newsletters/edition/").status_code == 200
    response = as_editor.post(change_url(edition), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    edition.refresh_from_db()
    assert edition.curated and edition.intro.startswith("Three stories")

    preview = as_editor.get(f"/admin/newsletters/edition/{edition.pk}/preview/")
    html = preview.content.decode()
    assert html.index("First") < html.index("Third") and "Second" not in html
    assert "Three stories today" in html
    assert "sandbox" in preview["Content-Security-Policy"]
    assert "'unsafe-inline'" in preview["Content-Security-Policy"]
    text = as_editor.get(f"/admin/newsletters/edition/{edition.pk}/text/").content.decode()
    assert text.startswith("Subject: Daily briefing: First")

    as_editor.post(f"/admin/newsletters/edition/{edition.pk}/approve/")
    edition.refresh_from_db()
    assert edition.status == Edition.Status.APPROVED and edition.approved_by == editor
    assert AuditEntry.objects.filter(action=editions.APPROVE, actor=editor).exists()
    # Approved, it waits for its send time; a sent or sending edition cannot be changed.
    assert not Send.objects.exists()


def test_a_journalist_cannot_approve(as_journalist, daily):
    story("News")
    edition = editions.draft(daily, timezone.localdate() + timedelta(days=1))
    response = as_journalist.post(f"/admin/newsletters/edition/{edition.pk}/approve/")
    assert response.status_code in (403, 404)  # journalists do not see editions
    edition.refresh_from_db()
    assert edition.status == Edition.Status.DRAFT


def test_an_edition_approved_after_its_send_time_goes_out_at_once(editor, daily):
    story("Late news")
    reader()
    Newsletter.objects.filter(pk=daily.pk).update(send_time=time(0, 0))
    daily.refresh_from_db()
    edition = editions.draft(daily, timezone.localdate())
    edition.window_start, edition.window_end = timezone.now() - timedelta(days=1), timezone.now()
    edition.save()
    editions.fill(edition)
    assert editions.approve(edition, editor) == "It is being sent now."
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENDING
    assert Send.objects.filter(edition=edition).count() == 1
    assert DBTaskResult.objects.filter(task_path="newsletters.sending.send_edition").exists()
    assert AuditEntry.objects.filter(action=sending.SEND).exists()


def test_withdrawing_an_approval_makes_it_a_draft_again(editor, daily):
    story("News")
    edition = editions.draft(daily, timezone.localdate() + timedelta(days=1))
    edition.window_start = timezone.now() - timedelta(days=1)
    edition.save()
    editions.fill(edition)
    editions.approve(edition, editor)
    editions.withdraw_approval(edition, editor)
    edition.refresh_from_db()
    assert edition.status == Edition.Status.DRAFT
    with pytest.raises(editions.EditionError):
        editions.withdraw_approval(edition, editor)


# --- the schedule --------------------------------------------------------------------------------------


def test_the_schedule_drafts_ahead_and_sends_only_an_approved_edition(daily, editor):
    story("Morning news", ago=1)
    reader()
    today = timezone.localdate()
    Newsletter.objects.filter(pk=daily.pk).update(send_time=time(7, 0))
    daily.refresh_from_db()
    assert schedule.run(daily, at(today, 4, 0)) == "nothing due"
    assert schedule.run(daily, at(today, 5, 30)).startswith("draft of")
    assert Edition.objects.get().status == Edition.Status.DRAFT
    assert schedule.run(daily, at(today, 7, 0)).endswith("is draft")
    assert not Send.objects.exists()  # nobody approved it: it does not go out


def test_an_approved_edition_goes_out_at_its_send_time(daily, editor):
    story("News", ago=1)
    reader()
    today = timezone.localdate()
    edition = Edition.objects.create(
        newsletter=daily,
        date=today,
        window_start=timezone.now() - timedelta(days=1),
        window_end=timezone.now(),
        status=Edition.Status.APPROVED,
    )
    assert schedule.run(daily, at(today, 7, 1)) == f"edition of {today}: 1 sends"
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENDING


def test_with_the_schedule_on_the_edition_goes_out_by_itself(daily):
    today = timezone.localdate()
    Newsletter.objects.filter(pk=daily.pk).update(auto_send=True, send_time=time(7, 0))
    daily.refresh_from_db()
    with time_machine.travel(at(today, 6, 0), tick=False):
        story("Before the draft", ago=0)
    with time_machine.travel(at(today, 6, 50), tick=False):
        story("After the draft", ago=0)
    reader()
    with time_machine.travel(at(today, 7, 0), tick=False):
        assert schedule.run(daily, at(today, 7, 0)) == f"edition of {today} sent on schedule"
    edition = Edition.objects.get()
    assert edition.status == Edition.Status.SENDING and edition.approved_by is None
    entry = AuditEntry.objects.get(action=editions.APPROVE)
    assert entry.actor_name == "The schedule"
    # Nobody arranged it: the story published after the draft was made leads.
    assert list(edition.items.order_by("position").values_list("story__headline", flat=True)) == [
        "After the draft",
        "Before the draft",
    ]


def test_the_next_turn_is_the_draft_time_then_the_send_time(daily):
    today = timezone.localdate()
    Newsletter.objects.filter(pk=daily.pk).update(send_time=time(7, 0))
    daily.refresh_from_db()
    assert schedule.next_turn(daily, at(today, 1)) == at(today, 5)
    assert schedule.next_turn(daily, at(today, 5)) == at(today, 7)
    assert schedule.next_turn(daily, at(today, 8)) == at(today + timedelta(days=1), 5)


def test_a_turn_is_claimed_once(daily):
    today = timezone.localdate()
    Newsletter.objects.filter(pk=daily.pk).update(send_time=time(7, 0))
    with time_machine.travel(at(today, 6, 0), tick=False):
        claimed = schedule.claim_due()
        assert [n.pk for n in claimed] == [daily.pk]
        assert schedule.claim_due() == []  # its turn is now 07:00
    with time_machine.travel(at(today, 7, 0), tick=False):
        assert schedule.claim_turn(daily.pk, at(today, 7)) is not None
        assert schedule.claim_turn(daily.pk, at(today, 7)) is None  # taken: it moved on
    daily.refresh_from_db()
    assert daily.next_run_at == at(today + timedelta(days=1), 5)
    queued = DBTaskResult.objects.filter(task_path="newsletters.schedule.run_schedule")
    assert queued.count() == 2


def test_send_newsletters_resumes_a_send_whose_job_was_lost(daily, editor, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "NEWSLETTER_RATE_PER_MINUTE": 60_000}
    subscriber = reader()
    edition = Edition.objects.create(
        newsletter=daily,
        date=timezone.localdate(),
        window_start=timezone.now() - timedelta(days=1),
        window_end=timezone.now(),
        status=Edition.Status.SENDING,
        lease_until=timezone.now() - timedelta(minutes=5),  # its worker died long ago
        lease_token="dead-worker",
    )
    EditionItem.objects.create(edition=edition, story=story("Still owed"))
    Send.objects.create(edition=edition, subscriber=subscriber)
    assert schedule.stalled() == [edition]
    out = StringIO()
    call_command("send_newsletters", stdout=out)
    assert "resumed, 1 sent" in out.getvalue()
    (sent,) = mail.outbox  # the test mailer
    assert sent.to == ["reader@example.org"] and "Still owed" in sent.body
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT and schedule.stalled() == []
