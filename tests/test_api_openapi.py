"""The OpenAPI document tells the truth: it is valid OpenAPI 3.1, every URL pattern of
``interchange.urls`` is in it, and every documented path and status is what the
running API answers, with a body that matches the documented schema.

Each documented (path, status) has a recipe below that makes the API answer it; the
recipes run in-process through the whole middleware stack, and (slow) over HTTP
against gunicorn as production runs it.
"""

import json
import re
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.urls import reverse
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from articles import workflow
from interchange import urls
from interchange.models import ApiKey
from interchange.openapi import document
from tests.servers import AppServer, Browser, RedisServer
from tests.test_api import FORMATS, live_story, rich_story

pytestmark = pytest.mark.django_db

PREFIX = reverse("api:openapi").removesuffix("/openapi.json")  # /api/v1


def documented(doc: dict) -> set[tuple[str, str]]:
    return {
        (path, status)
        for path, operations in doc["paths"].items()
        for operation in operations.values()
        for status in operation["responses"]
    }


def test_the_document_is_valid_openapi_3_1():
    doc = document()
    assert doc["openapi"].startswith("3.1")
    validate(doc, cls=OpenAPIV31SpecValidator)


def test_the_served_document_is_the_document(client):
    response = client.get(reverse("api:openapi"))
    assert response.status_code == 200
    assert json.loads(response.content) == document()


def test_every_url_pattern_is_documented_and_every_documented_path_is_routed():
    routes = {
        "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        for pattern in urls.urlpatterns
    }
    assert routes == set(document()["paths"])


# --- every documented status, answered ------------------------------------------------------------------


@dataclass
class World:
    """What the recipes need, made (and committed, for the server) beforehand."""

    story: int
    taken_down: int
    list_key: str
    story_key: str


def make_world(editor) -> World:
    story = rich_story(editor)
    gone = live_story(editor, "Taken down")
    workflow.transition(gone, "unpublish", editor)
    _, list_key = ApiKey.issue("Recipe: list", rate_per_minute=1)
    _, story_key = ApiKey.issue("Recipe: story", rate_per_minute=1)
    return World(story.pk, gone.pk, list_key, story_key)


def _twice(get, path, key):
    get(path, Authorization=f"Bearer {key}")
    return [get(path, Authorization=f"Bearer {key}")]


def _revalidated(get, path):
    first = get(path)
    return [get(path, **{"If-None-Match": first.headers["ETag"]})]


# (documented path, status) → what to ask to get it; each returns the answers to check.
# Every recipe asks for a path of its own: a shared cache in front must not blur them.
RECIPES = {
    ("/stories/", "200"): lambda get, w: [get("/stories/"), get("/stories/?limit=1")],
    ("/stories/", "304"): lambda get, w: _revalidated(get, "/stories/?limit=2"),
    ("/stories/", "400"): lambda get, w: [get("/stories/?limit=0"), get("/stories/?since=soon")],
    ("/stories/", "401"): lambda get, w: [
        get("/stories/?limit=3", Authorization="Bearer nrk_unknown")
    ],
    ("/stories/", "429"): lambda get, w: _twice(get, "/stories/?limit=4", w.list_key),
    ("/stories/{story_id}/", "200"): lambda get, w: [
        get(f"/stories/{w.story}/"),
        get(f"/stories/{w.taken_down}/"),
    ],
    ("/stories/{story_id}/", "304"): lambda get, w: [
        *_revalidated(get, f"/stories/{w.story}/?"),
        *_revalidated(get, f"/stories/{w.taken_down}/?"),
    ],
    ("/stories/{story_id}/", "401"): lambda get, w: [
        get(f"/stories/{w.story}/?k", Authorization="Bearer nrk_unknown")
    ],
    ("/stories/{story_id}/", "404"): lambda get, w: [
        get("/stories/999999/"),
        get("/stories/not-a-number/"),
    ],
    ("/stories/{story_id}/", "429"): lambda get, w: _twice(
        get, f"/stories/{w.story}/?r", w.story_key
    ),
    ("/openapi.json", "200"): lambda get, w: [get("/openapi.json")],
    ("/openapi.json", "304"): lambda get, w: _revalidated(get, "/openapi.json?"),
}


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes


def check_recipes(get, world: World) -> None:
    doc = document()
    assert set(RECIPES) == documented(doc)
    for (path, status), recipe in RECIPES.items():
        spec = doc["paths"][path]["get"]["responses"][status]
        for answer in recipe(get, world):
            assert answer.status == int(status), (path, status, answer.body[:300])
            for header in spec.get("headers", {}):
                assert header in answer.headers, (path, status, header)
            content = spec.get("content")
            if not content:
                assert answer.body == b""
                continue
            ((media_type, described),) = content.items()
            assert answer.headers["Content-Type"].split(";")[0] == media_type
            schema = {**described["schema"], "components": doc["components"]}
            validator = Draft202012Validator(schema, format_checker=FORMATS)
            errors = [e.message for e in validator.iter_errors(json.loads(answer.body))]
            assert errors == [], (path, status)


def test_every_documented_path_and_status_is_answered(client, editor):
    cache.clear()
    world = make_world(editor)

    def get(path, **headers):
        response = client.get(PREFIX + path, headers=headers)
        return Answer(response.status_code, dict(response.headers), response.content)

    check_recipes(get, world)


@pytest.mark.slow  # gunicorn
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_documented_path_and_status_is_answered_by_gunicorn(editor):
    world = make_world(editor)
    # Two workers share their rate counters (and page cache) through Redis, as in production.
    with RedisServer() as redis, AppServer(env={"REDIS_URL": redis.url}) as server:
        browser = Browser(server.url)

        def get(path, **headers):
            answer = browser.get(PREFIX + path, headers=headers)
            return Answer(answer.status, answer.headers, answer.body)

        check_recipes(get, world)
