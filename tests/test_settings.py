"""Production settings: refuse to start without a secret, pass Django's deploy checks,
and send the security headers on every response."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k3y-" + "x7Qp9vR2mZ4tW8yB1nL6cF0hJ5dS3gA" * 2,
    "DJANGO_ALLOWED_HOSTS": "news.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/newsroom",
}


def manage(*args, env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow  # manage.py in a child process
def test_check_deploy_passes_with_production_values():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.slow  # manage.py in a child process
def test_site_refuses_to_start_without_secret_key_when_debug_is_off():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": ""}
    result = manage("check", env=env)
    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow  # manage.py in a child process
def test_bad_boolean_in_environment_is_a_clear_error():
    result = manage("check", env={**PRODUCTION_ENV, "DJANGO_DEBUG": "maybe"})
    assert result.returncode == 1
    assert "DJANGO_DEBUG='maybe' is not a boolean" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/admin/login/", "/no-such-page/", "/healthz"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
