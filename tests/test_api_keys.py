"""Partner keys: optional, hashed, revocable, rate-limited per key; anonymous stays open."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from interchange.models import ApiKey
from tests.conftest import messages_of
from tests.test_api import LIST_URL, api_get, live_story

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def test_anonymous_reading_is_open_and_publicly_cacheable(client):
    response, _ = api_get(client, LIST_URL)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public")
    assert "Authorization" in response["Vary"]


def test_a_key_reads_privately_and_is_marked_used(client):
    row, key = ApiKey.issue("Partner A")
    response, _ = api_get(client, LIST_URL, **bearer(key))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=0"
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_keys_are_stored_hashed(client):
    row, key = ApiKey.issue("Partner A")
    assert key.startswith("nrk_") and len(key) > 40
    assert row.prefix == key[:12]
    stored = ApiKey.objects.filter(pk=row.pk).values().get()
    assert key not in [str(value) for value in stored.values()]


@pytest.mark.parametrize("header", ["Bearer nrk_not-a-key", "Basic dXNlcjpwYXNz", "Bearer"])
def test_unknown_key_is_refused(client, header):
    response, body = api_get(client, LIST_URL, Authorization=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response["Cache-Control"] == "no-store"
    assert body["status"] == 401


def test_revoked_key_is_refused_at_once(client, as_admin):
    row, key = ApiKey.issue("Partner A")
    assert api_get(client, LIST_URL, **bearer(key))[0].status_code == 200
    as_admin.post(
        reverse("admin:interchange_apikey_changelist"),
        {"action": "revoke", "_selected_action": [row.pk]},
    )
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert api_get(client, LIST_URL, **bearer(key))[0].status_code == 401


def test_each_key_has_its_own_rate_limit(client):
    _, slow = ApiKey.issue("Small partner", rate_per_minute=2)
    _, other = ApiKey.issue("Other partner", rate_per_minute=2)
    statuses = [api_get(client, LIST_URL, **bearer(slow))[0].status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response, body = api_get(client, LIST_URL, **bearer(slow))
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 60
    assert body["status"] == 429
    assert api_get(client, LIST_URL, **bearer(other))[0].status_code == 200
    assert api_get(client, LIST_URL)[0].status_code == 200  # anonymous is not counted


def test_key_works_on_a_story_too(client, editor):
    story = live_story(editor, "Keyed")
    _, key = ApiKey.issue("Partner A")
    response, item = api_get(client, reverse("api:story-detail", args=[story.pk]), **bearer(key))
    assert response.status_code == 200 and item["pubstatus"] == "usable"


def test_admin_shows_a_new_key_once_and_it_works(client, as_admin):
    response = as_admin.post(
        reverse("admin:interchange_apikey_add"),
        {"name": "Wire partner", "rate_per_minute": ""},
        follow=True,
    )
    (shown,) = [m for m in messages_of(response) if "copy it now" in m]
    key = shown.split("<code>")[1].split("</code>")[0]
    row = ApiKey.objects.get(name="Wire partner")
    assert ApiKey.find(key) == row
    assert api_get(client, LIST_URL, **bearer(key))[0].status_code == 200
    page = as_admin.get(reverse("admin:interchange_apikey_change", args=[row.pk]))
    assert key not in page.content.decode()


def test_only_superusers_reach_keys_and_webhooks_in_the_admin(as_editor, as_admin):
    for name in ("apikey", "endpoint", "delivery", "event"):
        url = reverse(f"admin:interchange_{name}_changelist")
        assert as_editor.get(url).status_code == 403, name
        assert as_admin.get(url).status_code == 200, name
