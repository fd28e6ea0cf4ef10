"""The OpenAPI 3.1 description of the read API, served at ``/api/v1/openapi.json``.

Written by hand, next to the views it describes; tests/test_api_openapi.py validates it
with openapi-spec-validator and checks that every URL pattern is described and that
every documented path and status is what the running API answers.
"""

from django.conf import settings
from django.urls import reverse

from articles.site import absolute
from interchange.listing import DEFAULT_LIMIT, MAX_LIMIT
from interchange.ninjs import STANDARD

_TEXT = {"type": "object", "required": ["value"], "properties": {"value": {"type": "string"}}}
_TIME = {"type": "string", "format": "date-time"}


def _problem(description: str, **headers) -> dict:
    answer = {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }
    if headers:
        answer["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return answer


def _ok(description: str, schema: dict) -> dict:
    return {
        "description": description,
        "headers": {
            "ETag": {"$ref": "#/components/headers/ETag"},
            "Cache-Control": {"$ref": "#/components/headers/Cache-Control"},
        },
        "content": {"application/json": {"schema": schema}},
    }


_NOT_MODIFIED = {
    "description": "Your copy is current (you sent its ETag in If-None-Match).",
    "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
}
_UNAUTHORIZED = _problem(
    "The API key is unknown or revoked (send none to read anonymously).",
    **{"WWW-Authenticate": "Bearer"},
)
_TOO_MANY = _problem(
    "The API key made too many requests this minute.",
    **{"Retry-After": "Seconds until the next minute starts."},
)
_IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The ETag of your copy: a 304 answers if it is still current.",
    "schema": {"type": "string"},
}


def _list_parameters() -> list[dict]:
    def query(name, description, schema):
        return {
            "name": name,
            "in": "query",
            "required": False,
            "description": description,
            "schema": schema,
        }

    slug = {"type": "string"}
    return [
        query(
            "since",
            "Only stories whose versioncreated is strictly after this time (ISO 8601; UTC "
            "without an offset). Poll with the newest versioncreated you have seen.",
            _TIME,
        ),
        query("until", "Only stories whose versioncreated is at or before this time.", _TIME),
        query("section", "Only stories in the section with this slug.", slug),
        query("author", "Only stories with a byline of the author with this slug.", slug),
        query("tag", "Only stories with the tag with this slug.", slug),
        query(
            "language",
            "Only stories written in this language (BCP 47: the site's editions).",
            {"type": "string", "enum": [code for code, _ in settings.LANGUAGES]},
        ),
        query(
            "limit",
            "Stories per page.",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        ),
        query(
            "cursor",
            "Opaque: the place after the last story of a page. Follow the next link rather "
            "than building it.",
            {"type": "string"},
        ),
        _IF_NONE_MATCH,
    ]


def _schemas() -> dict:
    usable = {
        "type": "object",
        "description": "A published story as an IPTC ninjs 2.2 item; it validates against "
        f"{STANDARD['schema']}. Go deeper entries and corrections are associations "
        "(godeeper-N, correction-N); the lead image is the featuremedia association.",
        "required": ["uri", "type", "version", "versioncreated", "pubstatus", "headlines"],
        "properties": {
            "uri": {"type": "string", "format": "uri"},
            "standard": {"type": "object"},
            "type": {"const": "text"},
            "version": {"type": "string", "description": "The live revision's number."},
            "firstcreated": _TIME,
            "versioncreated": {
                **_TIME,
                "description": "The last publication or correction: the list's order.",
            },
            "pubstatus": {"const": "usable"},
            "language": {"type": "string"},
            "altids": {"type": "array", "items": {"type": "object"}},
            "headlines": {"type": "array", "items": _TEXT},
            "descriptions": {"type": "array", "items": _TEXT},
            "bodies": {"type": "array", "items": _TEXT},
            "by": {"type": "string"},
            "people": {"type": "array", "items": {"type": "object"}},
            "subjects": {"type": "array", "items": {"type": "object"}},
            "located": {"type": "string"},
            "associations": {
                "type": "array",
                "items": {"type": "object", "required": ["name", "uri"]},
            },
        },
    }
    canceled = {
        "type": "object",
        "description": "A story taken down (unpublished or trashed): remove your copy.",
        "required": ["uri", "version", "versioncreated", "pubstatus"],
        "additionalProperties": False,
        "properties": {
            "uri": {"type": "string", "format": "uri"},
            "type": {"const": "text"},
            "version": {"type": "string"},
            "versioncreated": {**_TIME, "description": "When it was taken down."},
            "pubstatus": {"const": "canceled"},
        },
    }
    return {
        "Story": usable,
        "CanceledStory": canceled,
        "StoryList": {
            "type": "object",
            "required": ["items", "next"],
            "additionalProperties": False,
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Story"}},
                "next": {
                    "type": ["string", "null"],
                    "format": "uri",
                    "description": "The next (older) page, or null on the last one.",
                },
            },
        },
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details.",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "instance": {"type": "string"},
            },
        },
    }


def document() -> dict:
    story_ref = {"$ref": "#/components/schemas/Story"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Newsroom read API",
            "version": "1",
            "description": "Published stories as IPTC ninjs 2.2, read-only. Anonymous "
            "access is open and cached; partners may send an API key "
            "(Authorization: Bearer …) for a rate limit of their own. Webhooks "
            "(Standard Webhooks) announce story.published, story.updated, "
            "story.unpublished, story.corrected and story.trashed.",
        },
        "servers": [{"url": absolute(reverse("api:story-list")).removesuffix("/stories/")}],
        "security": [{}, {"partnerKey": []}],
        "paths": {
            "/stories/": {
                "get": {
                    "operationId": "listStories",
                    "summary": "Published stories, newest versioncreated first",
                    "parameters": _list_parameters(),
                    "responses": {
                        "200": _ok(
                            "A page of stories.", {"$ref": "#/components/schemas/StoryList"}
                        ),
                        "304": _NOT_MODIFIED,
                        "400": _problem("A parameter is wrong; detail says which and how."),
                        "401": _UNAUTHORIZED,
                        "429": _TOO_MANY,
                    },
                }
            },
            "/stories/{story_id}/": {
                "get": {
                    "operationId": "getStory",
                    "summary": "One story as a ninjs item",
                    "parameters": [
                        {
                            "name": "story_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1},
                        },
                        _IF_NONE_MATCH,
                    ],
                    "responses": {
                        "200": _ok(
                            "The story; pubstatus canceled (and no content) once it has "
                            "been unpublished or trashed.",
                            {"oneOf": [story_ref, {"$ref": "#/components/schemas/CanceledStory"}]},
                        ),
                        "304": _NOT_MODIFIED,
                        "401": _UNAUTHORIZED,
                        "404": _problem("No such story, or one never published."),
                        "429": _TOO_MANY,
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This description",
                    "parameters": [_IF_NONE_MATCH],
                    "responses": {
                        "200": _ok("OpenAPI 3.1", {"type": "object"}),
                        "304": _NOT_MODIFIED,
                    },
                }
            },
        },
        "components": {
            "schemas": _schemas(),
            "headers": {
                "ETag": {
                    "description": "Strong: changes whenever the answer does.",
                    "schema": {"type": "string"},
                },
                "Cache-Control": {
                    "description": "public for anonymous requests (a CDN may keep them "
                    "briefly), private for requests with a key.",
                    "schema": {"type": "string"},
                },
            },
            "securitySchemes": {
                "partnerKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key issued to a partner; optional.",
                }
            },
        },
    }
