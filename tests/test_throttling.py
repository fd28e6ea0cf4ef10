"""Sign-in throttling: per account and address, and per address across accounts.

Through a production app server behind one proxy (``NEWSROOM_PROXY_COUNT=1``), so each
request says which address it comes from in X-Forwarded-For, as a load balancer would.
"""

import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from articles.hardening import client_address
from articles.models import AuditEntry
from tests.factories import make_user
from tests.servers import ROOT, AppServer, Browser, production_env, production_password

ATTACKER = "203.0.113.5"
EDITOR_AT_HOME = "198.51.100.7"


@pytest.fixture(scope="module")
def app(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), AppServer(env={"NEWSROOM_PROXY_COUNT": "1"}) as server:
        yield server


def sign_in(browser: Browser, address: str, username: str, password: str):
    """One sign-in attempt from ``address``, as the login form sends it."""
    forwarded = {"X-Forwarded-For": address}
    if not any(cookie.name == "csrftoken" for cookie in browser.jar):
        browser.get("/admin/login/", headers=forwarded)
    return browser.request(
        "POST",
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "csrfmiddlewaretoken": browser.csrf_token()},
        headers={
            "Referer": browser.base.replace("http://", "https://") + "/admin/login/",
            **forwarded,
        },
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_password_sprayed_across_accounts_locks_the_attacking_address_only(app, editor):
    limit = settings.NEWSROOM["LOGIN_ADDRESS_FAILURE_LIMIT"]
    for n in range(limit):
        make_user(f"desk{n}")
    password = production_password(editor)
    attacker = Browser(app.url)
    answers = [sign_in(attacker, ATTACKER, f"desk{n}", "Summer2026!").status for n in range(limit)]
    # Each account failed once, far from its own limit; the address reached its limit.
    assert answers == [200] * (limit - 1) + [429]
    locked = sign_in(attacker, ATTACKER, "editor", "Summer2026!")
    assert locked.status == 429
    assert "Sign-in from this address is paused" in locked.text
    assert "Try again in 15 minutes" in locked.text
    assert locked.headers["Retry-After"] == "900"
    # Even the right password is refused from the attacking address …
    assert sign_in(attacker, ATTACKER, "editor", password).status == 429
    # … while the editor signs in as usual from anywhere else.
    assert sign_in(Browser(app.url), EDITOR_AT_HOME, "editor", password).status == 302


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_lockout_page_names_the_account_and_says_when_to_retry(app, editor):
    browser = Browser(app.url)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(browser, ATTACKER, "editor", "wrong").status == 200
    locked = sign_in(browser, ATTACKER, "editor", "wrong")
    assert locked.status == 429
    assert "sign-in for <strong>editor</strong> from this address is paused" in locked.text
    assert "Try again in 15 minutes, after" in locked.text
    assert locked.headers["Retry-After"] == "900"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_failed_sign_ins_are_audited_with_the_address_the_balancer_saw(app, editor):
    sign_in(Browser(app.url), ATTACKER, "editor", "wrong")
    entry = AuditEntry.objects.get(action="login_failed")
    assert (entry.actor_name, entry.ip_address) == ("editor", ATTACKER)


# --- details, in process ---------------------------------------------------------------------


def attempt(client, username, password, ip):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.mark.django_db
def test_a_sign_in_does_not_forgive_the_other_failures_from_its_address(client, editor):
    limit = settings.NEWSROOM["LOGIN_ADDRESS_FAILURE_LIMIT"]
    for n in range(limit - 1):
        attempt(client, f"nobody{n}", "wrong", "10.0.0.9")
    # An attacker with one account of their own signs in with it …
    assert attempt(client, "editor", "correct horse battery staple", "10.0.0.9").status_code == 302
    # … and the next guess still meets the address's limit.
    assert attempt(Client(), "someone", "wrong", "10.0.0.9").status_code == 429


@pytest.mark.django_db
def test_failures_for_one_account_do_not_lock_its_address_for_others(client, editor, journalist):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "editor", "wrong", "10.0.0.1")
    assert (
        attempt(client, "journalist", "correct horse battery staple", "10.0.0.1").status_code == 302
    )


def test_only_the_address_the_outermost_proxy_saw_is_believed(rf, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "PROXY_COUNT": 1}
    # The client wrote the first entry itself; the balancer appended the second.
    spoofed = rf.get("/", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5", REMOTE_ADDR="10.0.0.2")
    assert client_address(spoofed) == "203.0.113.5"
    garbage = rf.get("/", HTTP_X_FORWARDED_FOR="not-an-address", REMOTE_ADDR="10.0.0.2")
    assert client_address(garbage) == "10.0.0.2"
    settings.NEWSROOM = {**settings.NEWSROOM, "PROXY_COUNT": 0}
    assert client_address(spoofed) == "10.0.0.2"


@pytest.mark.slow  # a Python process of its own
def test_an_address_limit_not_above_the_account_limit_is_refused_at_start():
    env = production_env(NEWSROOM_LOGIN_FAILURE_LIMIT="5", NEWSROOM_LOGIN_ADDRESS_FAILURE_LIMIT="5")
    env.pop("DATABASE_URL")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "newsroom.settings"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "must be higher than NEWSROOM_LOGIN_FAILURE_LIMIT" in result.stderr
