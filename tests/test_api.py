"""The read API's items: IPTC ninjs 2.2, checked by the IPTC's own schema.

Every item is validated with ``jsonschema`` (Draft 2020-12, formats checked) against
tests/schemas/ninjs/ninjs-schema_2.2.json: the demo content loaded in-process, 200
stories from ``seed_bench``, stories with images, corrections and takedowns. The
helpers here (``ninjs_errors``, ``api_get``) serve the other tests/test_api*.py too.
"""

import json
from datetime import timedelta
from io import BytesIO, StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker
from PIL import Image

from articles import demo, renditions, uploads, workflow
from articles.models import Story
from interchange.ninjs import item_uri
from tests.factories import make_author, make_section, make_story, make_tag

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "ninjs" / "ninjs-schema_2.2.json").read_text()
)
FORMATS = FormatChecker()  # date-time is checked by rfc3339-validator, installed with jsonschema


@FORMATS.checks("uri")
def _is_uri(value) -> bool:
    # jsonschema checks "uri" only with rfc3987, which the project does not install.
    if not isinstance(value, str):
        return True  # formats apply to strings only
    parts = urlsplit(value)
    return bool(parts.scheme and (parts.netloc or parts.path)) and " " not in value


NINJS = Draft202012Validator(SCHEMA, format_checker=FORMATS)
LIST_URL = reverse("api:story-list")


def ninjs_errors(item: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in NINJS.iter_errors(item)]


def detail_url(story_or_id) -> str:
    return reverse("api:story-detail", args=[getattr(story_or_id, "pk", story_or_id)])


def api_get(client, url, **headers):
    response = client.get(url, headers=headers)
    body = json.loads(response.content) if response.content else None
    return response, body


def every_item(client, url=LIST_URL) -> list[dict]:
    """All the items of a list, following ``next`` to the end."""
    found = []
    while url:
        response, page = api_get(client, url)
        assert response.status_code == 200, page
        found += page["items"]
        url = page["next"]
    return found


def picture_upload(size=(640, 400)):
    buffer = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG")
    return uploads.clean_upload(ContentFile(buffer.getvalue(), name="photo.jpg"))


def live_story(editor, headline=None, *, publish=True, **fields):
    """A story that meets the house rules (a byline, a section, “Why it matters”),
    published by ``editor`` unless ``publish=False``."""
    fields.setdefault("authors", [make_author()])
    fields.setdefault("section", make_section())
    fields.setdefault("sections", [("Why it matters", "<p>It matters to you.</p>")])
    return make_story(headline, publish=publish, by=editor, **fields)


def rich_story(editor, *, bylines=2, sections=2, publish=True, **fields):
    """A story with everything an item can carry: bylines, sections, tags, an image with
    renditions, a Go deeper link to a published story and one to the web, a correction."""
    target = live_story(editor, "A story to read next")
    story = make_story(
        fields.pop("headline", None),
        authors=[make_author() for _ in range(bylines)],
        sections=[("Why it matters", f"<p>Reason {i}.</p>") for i in range(sections)],
        links=[("Read next", target), ("Elsewhere", "https://example.org/elsewhere")],
        tags=[make_tag(), make_tag()],
        section=make_section(),
        dek="A subheadline",
        dateline="MINSK",
        lead_image=picture_upload(),
        lead_image_alt="A red square",
        lead_image_caption="Red, square",
        lead_image_credit="Photo: The Desk",
        publish=publish,
        by=editor,
        **fields,
    )
    renditions.make_renditions(story.lead_image.name)
    if publish:
        workflow.correct(story, "correction", "An earlier version misspelt a name.", editor)
    return story


# --- the seed story and the demo -------------------------------------------------------------------


@pytest.fixture
def demo_content():
    call_command("load_demo", stdout=StringIO())
    return Story.objects.get(headline=demo.SEED_HEADLINE)


def test_seed_story_item_has_its_bylines_sections_lede_and_go_deeper(client, demo_content):
    seed = demo_content
    response, item = api_get(client, detail_url(seed))
    assert response.status_code == 200
    assert ninjs_errors(item) == []
    assert item["uri"] == item_uri(seed.pk)
    assert item["pubstatus"] == "usable"
    assert item["version"] == str(seed.live_revision.number)
    assert item["headlines"][0] == {"role": "main", "value": demo.SEED_HEADLINE}
    assert item["by"] == "By Hossein Amiri and Mahboubeh Habibi"
    assert [(p["name"], p["rel"]) for p in item["people"]] == [
        ("Hossein Amiri", "author"),
        ("Mahboubeh Habibi", "author"),
    ]
    assert all(p["uri"].startswith("http://") and "/authors/" in p["uri"] for p in item["people"])
    assert item["descriptions"] == [
        {"role": "summary", "contenttype": "text/plain", "value": seed.lede}
    ]
    assert seed.lede.startswith("Iranian Foreign Minister Abbas Araghchi met on Monday")
    main, *sections = item["bodies"]
    assert main["role"] == "main" and main["contenttype"] == "text/html"
    assert [body["role"] for body in sections] == [
        "Why it matters",
        "The big picture",
        "What they're saying",
        "Between the lines",
        "What to watch",
    ]
    assert all(body["wordcount"] > 10 and body["charcount"] > 50 for body in item["bodies"])
    assert "<strong>Why it matters</strong>" in main["value"]
    assert main["wordcount"] > sum(body["wordcount"] for body in sections)
    deeper = [a for a in item["associations"] if a["name"].startswith("godeeper")]
    target = Story.objects.get(headline="Iran, Belarus Sign Three Cooperation Documents")
    assert deeper == [
        {
            "name": "godeeper-1",
            "uri": item_uri(target.pk),
            "type": "text",
            "representationtype": "partial",
            "headlines": [
                {"role": "main", "value": "Iran, Belarus Sign Three Cooperation Documents"}
            ],
        }
    ]
    assert item["located"] == "MINSK"
    assert {(s["rel"], s["name"]) for s in item["subjects"]} >= {
        ("section", "World"),
        ("tag", "Belarus"),
    }
    assert item["firstcreated"] <= item["versioncreated"]


def test_every_demo_response_is_valid_ninjs(client, demo_content, django_user_model):
    editor = django_user_model.objects.get(username="editor")  # the demo's own
    items = every_item(client, f"{LIST_URL}?limit=3")
    assert len(items) == Story.objects.published().count() == len(demo.STORIES)
    for item in items:
        assert ninjs_errors(item) == [], item["uri"]
    for story in Story.objects.published():
        response, item = api_get(client, detail_url(story))
        assert response.status_code == 200
        assert ninjs_errors(item) == [], story.headline
    # A correction and a takedown are responses too.
    workflow.correct(demo_content, "clarification", "The meeting was on Monday.", editor)
    _, corrected = api_get(client, detail_url(demo_content))
    assert ninjs_errors(corrected) == []
    gone = Story.objects.published().exclude(pk=demo_content.pk).first()
    workflow.transition(gone, "unpublish", editor)
    _, canceled = api_get(client, detail_url(gone))
    assert canceled["pubstatus"] == "canceled"
    assert ninjs_errors(canceled) == []


def test_every_response_for_200_seeded_stories_is_valid_ninjs(client):
    call_command(
        "seed_bench", stories=200, authors=30, batch=100, stdout=StringIO(), stderr=StringIO()
    )
    items = every_item(client, f"{LIST_URL}?limit=100")
    assert len(items) == 200
    assert len({item["uri"] for item in items}) == 200
    for item in items:
        assert ninjs_errors(item) == [], item["uri"]
    for story in Story.objects.published():
        response, item = api_get(client, detail_url(story))
        assert response.status_code == 200
        assert ninjs_errors(item) == [], story.headline


# --- what an item carries -----------------------------------------------------------------------------


def test_image_association_has_renditions_alt_text_caption_and_credit(client, editor):
    story = rich_story(editor)
    _, item = api_get(client, detail_url(story))
    assert ninjs_errors(item) == []
    (image,) = [a for a in item["associations"] if a["name"] == "featuremedia"]
    assert image["type"] == "picture"
    assert {"role": "alttext", "value": "A red square"} in image["descriptions"]
    assert {"role": "caption", "value": "Red, square"} in image["descriptions"]
    assert image["by"] == "Photo: The Desk"
    names = [r["name"] for r in image["renditions"]]
    assert names[0] == "original"
    assert {"w480-jpeg", "w480-webp", "social-jpeg"} <= set(names)
    assert all(
        r["href"].startswith("http") and r["width"] and r["height"] for r in image["renditions"]
    )


def test_corrections_travel_as_associations_in_order(client, editor):
    story = rich_story(editor)
    workflow.correct(story, "update", "Officials confirmed the figures.", editor)
    _, item = api_get(client, detail_url(story))
    corrections = [a for a in item["associations"] if a["name"].startswith("correction-")]
    assert [(c["name"], c["title"], c["bodies"][0]["role"]) for c in corrections] == [
        ("correction-1", "Correction", "correction"),
        ("correction-2", "Update", "update"),
    ]
    assert corrections[1]["bodies"][0]["value"] == "Officials confirmed the figures."
    assert corrections[1]["versioncreated"] == item["versioncreated"]


def test_an_extension_property_would_make_an_item_invalid_ninjs(client, editor):
    """Why corrections are associations: the schema refuses any property it does not define."""
    _, item = api_get(client, detail_url(rich_story(editor)))
    assert ninjs_errors(item) == []
    assert ninjs_errors({**item, "x_corrections": []}) != []


def test_item_shows_the_live_copy_not_the_working_copy(client, editor):
    story = live_story(editor, "The live headline")
    story.headline = "An unpublished rewrite"
    story.save()
    workflow.save_revision(story, editor, "Rewrite")
    _, item = api_get(client, detail_url(story))
    assert item["headlines"][0]["value"] == "The live headline"
    assert "rewrite" not in json.dumps(item).lower()


def test_body_html_is_sanitized(client, editor):
    story = live_story(
        editor,
        "Scripted",
        sections=[("Why it matters", '<p onclick="x()">Fine <script>alert(1)</script>text</p>')],
    )
    _, item = api_get(client, detail_url(story))
    assert "script" not in json.dumps(item["bodies"]) and "onclick" not in json.dumps(item)


# --- what is never shown ------------------------------------------------------------------------------------


def test_unpublished_story_answers_canceled_with_no_content(client, editor):
    story = live_story(editor, "Taken down")
    revision = story.live_revision.number
    workflow.transition(story, "unpublish", editor)
    response, item = api_get(client, detail_url(story))
    assert response.status_code == 200
    assert set(item) == {"uri", "type", "version", "versioncreated", "pubstatus"}
    assert item["pubstatus"] == "canceled" and item["version"] == str(revision)
    assert "Taken down" not in response.content.decode()
    assert ninjs_errors(item) == []


@pytest.mark.parametrize("state", ["draft", "in_review", "approved", "scheduled"])
def test_never_published_story_is_a_404(client, editor, state):
    story = live_story(editor, f"Not yet {state}", publish=False)
    if state != "draft":
        workflow.transition(story, "submit", editor)
    if state in ("approved", "scheduled"):
        workflow.transition(story, "approve", editor)
    if state == "scheduled":
        workflow.transition(
            story, "schedule", editor, publish_at=timezone.now() + timedelta(hours=1)
        )
    response, body = api_get(client, detail_url(story))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert body["status"] == 404 and "Not yet" not in response.content.decode()


def test_no_such_story_and_a_bad_id_are_404_problems(client, editor):
    story = live_story(editor, "Found by its id only")
    arabic_indic = "".join(chr(0x0660 + int(digit)) for digit in str(story.pk))
    assert client.get(detail_url(story)).status_code == 200
    for url in (
        detail_url(999999),
        "/api/v1/stories/abc/",
        "/api/v1/stories/99999999999999999999/",
        f"/api/v1/stories/{arabic_indic}/",  # the same number, but not the id we gave
    ):
        response, body = api_get(client, url)
        assert response.status_code == 404, url
        assert body["title"] == "Not Found"


def test_republished_story_after_a_takedown_is_usable_again(client, editor):
    story = live_story(editor, "Back again")
    workflow.transition(story, "unpublish", editor)
    workflow.transition(story, "publish", editor)
    _, item = api_get(client, detail_url(story))
    assert item["pubstatus"] == "usable"


# --- conditional requests and caching ------------------------------------------------------------------


def test_strong_etag_and_304(client, editor):
    story = live_story(editor, "Cached")
    response = client.get(detail_url(story))
    etag = response["ETag"]
    assert etag.startswith(f'"r{story.live_revision.number}-') and not etag.startswith("W/")
    assert response["Last-Modified"]
    assert "s-maxage=" in response["Cache-Control"] and "public" in response["Cache-Control"]
    again = client.get(detail_url(story), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    # A correction changes the answer, so the ETag too.
    workflow.correct(story, "correction", "A fix.", editor)
    fresh = client.get(detail_url(story), headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh["ETag"] != etag


def test_list_has_an_etag_and_answers_304(client, editor):
    live_story(editor, "Listed")
    response = client.get(LIST_URL)
    assert client.get(LIST_URL, headers={"If-None-Match": response["ETag"]}).status_code == 304
    live_story(editor, "Newer")
    assert client.get(LIST_URL, headers={"If-None-Match": response["ETag"]}).status_code == 200


def test_head_answers_like_get_without_a_body(client, editor):
    story = live_story(editor, "Headed")
    response = client.head(detail_url(story))
    assert response.status_code == 200 and response.content == b""
    assert response["ETag"] == client.get(detail_url(story))["ETag"]


# --- problems ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=ten",
        "since=yesterday",
        "until=2026-13-01",
        "cursor=not-a-cursor",
        "sections=world",
        "limit=5&limit=6",
    ],
)
def test_bad_parameters_are_400_problems(client, query):
    response, body = api_get(client, f"{LIST_URL}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert body["status"] == 400 and body["title"] == "Bad Request" and body["detail"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(client, method):
    response = getattr(client, method)(LIST_URL)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert json.loads(response.content)["status"] == 405


# --- cost ----------------------------------------------------------------------------------------------------

#: The stories; their authors; image renditions; linked stories; corrections.
LIST_QUERIES = 5
DETAIL_QUERIES = 5


@pytest.mark.parametrize("size", [2, 8])
def test_list_cost_does_not_grow_with_stories_bylines_or_sections(
    client, editor, size, django_assert_num_queries
):
    for _ in range(size):
        rich_story(editor, bylines=size, sections=size)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(f"{LIST_URL}?limit=100")
    assert len(json.loads(response.content)["items"]) == 2 * size


@pytest.mark.parametrize("size", [1, 9])
def test_detail_cost_does_not_grow_with_bylines_or_sections(
    client, editor, size, django_assert_num_queries
):
    story = rich_story(editor, bylines=size, sections=size)
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(detail_url(story))
    assert len(json.loads(response.content)["people"]) == size
