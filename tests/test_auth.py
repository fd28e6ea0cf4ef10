"""Sign-in protection, through real login requests."""

import pytest
from django.test import Client

from articles.models import AuditEntry
from tests.conftest import signed_in
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def test_five_failures_lock_the_username_from_that_address(client, editor):
    for _ in range(4):
        assert attempt(client, "editor", "wrong").status_code == 200
    locked = attempt(client, "editor", "wrong")
    assert locked.status_code == 429
    assert "Try again in" in locked.content.decode()
    # Even the right password is refused while locked out.
    assert attempt(client, "editor", PASSWORD).status_code == 429


def test_lockout_is_per_username_and_address(client, editor, journalist):
    for _ in range(5):
        attempt(client, "editor", "wrong")
    assert attempt(client, "journalist", PASSWORD).status_code == 302
    assert attempt(client, "editor", PASSWORD, ip="10.0.0.2").status_code == 302


def test_failed_sign_in_is_in_the_audit_log(client, editor):
    attempt(client, "editor", "wrong", ip="10.9.8.7")
    entry = AuditEntry.objects.get(action="login_failed")
    assert entry.actor_name == "editor"
    assert entry.ip_address == "10.9.8.7"


def test_logout_ends_the_session(client, editor):
    assert attempt(client, "editor", PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200
    client.post("/admin/logout/")
    assert client.get("/admin/").status_code == 302


def test_password_change_ends_other_sessions(client, editor):
    other = signed_in(editor)
    assert other.get("/admin/").status_code == 200
    assert attempt(client, "editor", PASSWORD).status_code == 302
    response = client.post(
        "/admin/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a new long passphrase 42",
            "new_password2": "a new long passphrase 42",
        },
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200  # the session that changed it stays
    assert other.get("/admin/").status_code == 302  # every other session ends


def test_login_needs_csrf_token(editor):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/admin/login/", {"username": "editor", "password": PASSWORD})
    assert response.status_code == 403


def test_inactive_user_cannot_sign_in(client):
    make_user("gone", is_active=False)
    assert attempt(client, "gone", PASSWORD).status_code == 200
