"""The read API (``/api/v1/``): published stories as IPTC ninjs 2.2, read-only.

Plain function views, as in the rest of the project: three read-only endpoints need
no framework, and the ninjs mapping, the cursor and the OpenAPI document are ours to
write whichever one we chose.
"""

from urllib.parse import urlencode

from django.urls import reverse

from articles.models import Story
from interchange import events, ninjs
from interchange.listing import BadRequest, StoryQuery
from interchange.openapi import document
from interchange.responses import api_view, json_response, problem


@api_view
def story_list(request):
    """Published stories, newest ``versioncreated`` first, a page at a time."""
    try:
        query = StoryQuery.from_params(request.GET)
    except BadRequest as error:
        return problem(request, 400, str(error))
    stories, after = query.page()
    following = None
    if after is not None:
        path = reverse("api:story-list") + "?" + urlencode(query.params(after))
        following = request.build_absolute_uri(path)
    newest = max((story.last_published_at for story in stories), default=None)
    return json_response(
        request, {"items": ninjs.items(stories), "next": following}, last_modified=newest
    )


@api_view
def story_detail(request, story_id):
    """One story: the full item while it is published; ``pubstatus: canceled`` once it
    is taken down, so that partners remove their copy; 404 for anything never published."""
    # ASCII digits only: "١٢" is a number to int() but not an id anyone was given.
    pk = int(story_id) if story_id.isascii() and story_id.isdigit() and len(story_id) < 19 else None
    story = Story.objects.for_readers().filter(pk=pk).first() if pk else None
    if story is not None:
        return json_response(
            request,
            ninjs.items([story])[0],
            etag_prefix=f"r{story.live_revision.number}-",
            last_modified=story.last_published_at,
        )
    taken_down = events.takedown(pk) if pk else None
    if taken_down is None:
        return problem(request, 404, f"No published story has the id {story_id}.")
    version, at = taken_down
    return json_response(
        request,
        ninjs.canceled(pk, version=version, at=at),
        etag_prefix="canceled-",
        last_modified=at,
    )


@api_view
def openapi(request):
    """The OpenAPI 3.1 description of this API."""
    return json_response(request, document())
