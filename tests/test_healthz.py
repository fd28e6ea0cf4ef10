"""/healthz: what load balancers and monitors ask before sending readers our way."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def test_healthz_reports_ok_as_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_healthz_is_never_cached(client):
    assert client.get("/healthz")["Cache-Control"] == "no-store"


def test_healthz_reports_a_dummy_cache_as_disabled(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["cache"] == "disabled"


def test_healthz_stays_up_when_the_cache_is_unreachable(client, settings):
    # Nothing listens on port 1: the connection is refused at once.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "error"}


# Run in a separate process: the test's own connection must stay on the real database.
_REQUEST_HEALTHZ = """
import json
import django
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({
    "status_code": response.status_code,
    "body": response.json(),
    "cache_control": response["Cache-Control"],
}))
"""


@pytest.mark.slow  # Python in a child process
def test_healthz_is_503_when_the_database_is_unreachable():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/newsroom",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", _REQUEST_HEALTHZ],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status_code"] == 503
    assert answer["body"] == {"status": "error", "database": "error", "cache": "ok"}
    assert answer["cache_control"] == "no-store"
