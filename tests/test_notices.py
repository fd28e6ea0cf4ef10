"""The inbox on the desk, and the truth on screen about who was told of a step."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from articles.models import Notice
from articles.notifications import send_pending_mail
from tests.conftest import messages_of
from tests.factories import make_author, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(journalist):
    return make_story(
        "Ferry fares rise",
        authors=[make_author("Reporter", user=journalist)],
        created_by=journalist,
        by=journalist,
    )


def submit(client, story):
    story.refresh_from_db()
    url = reverse("admin:articles_story_transition", args=[story.pk, "submit"])
    return client.post(url, {"version": story.version}, follow=True)


def test_the_message_says_who_was_told_and_how(story, editor, as_journalist):
    editor.email = "editor@example.org"
    editor.save()
    said = messages_of(submit(as_journalist, story))
    assert "Submitted for review. 1 editor was told on their desk, and by email." in said


def test_the_message_does_not_claim_mail_nobody_can_receive(story, editor, as_journalist):
    said = messages_of(submit(as_journalist, story))
    assert "Submitted for review. 1 editor was told on their desk, none by email." in said


def test_with_no_editor_the_message_says_nobody_was_told(story, as_journalist):
    Group.objects.get(name="Editors").user_set.clear()
    said = messages_of(submit(as_journalist, story))
    assert any(m.startswith("Submitted for review. Nobody was told") for m in said)


def test_the_editor_finds_it_in_the_inbox_on_the_desk_and_marks_it_read(
    story, editor, as_journalist, as_editor
):
    submit(as_journalist, story)
    desk = as_editor.get(reverse("admin:index")).text
    assert "Your inbox (1 new)" in desk
    assert "Ready for review: Ferry fares rise" in desk
    as_editor.post(reverse("notices-read"))
    assert "Nothing new." in as_editor.get(reverse("admin:index")).text


def test_nobody_reads_another_persons_inbox(story, editor, as_journalist, as_other_journalist):
    submit(as_journalist, story)
    assert "Ferry fares rise" not in as_other_journalist.get(reverse("admin:index")).text


def test_mail_is_sent_by_the_job_once(story, editor, as_journalist):
    editor.email = "editor@example.org"
    editor.save()
    submit(as_journalist, story)
    assert mail.outbox == []  # never from inside the request's transaction
    assert send_pending_mail.call() == 1
    assert send_pending_mail.call() == 0
    assert [m.subject for m in mail.outbox] == ["Ready for review: Ferry fares rise"]
    assert Notice.objects.get(recipient=editor).email_state == Notice.Email.SENT


def test_a_mail_that_fails_waits_for_the_next_run(story, editor, as_journalist, settings):
    editor.email = "editor@example.org"
    editor.save()
    submit(as_journalist, story)
    # An SMTP server nobody listens on: the send fails, the notice waits.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 1},
        }
    }
    assert send_pending_mail.call() == 0
    notice = Notice.objects.get(recipient=editor)
    assert (notice.email_state, notice.email_attempts) == (Notice.Email.PENDING, 1)
