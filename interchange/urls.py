"""The read API, mounted at ``api/v1/`` (see ``newsroom/urls.py``). Every pattern here
is described in ``interchange.openapi``; tests/test_api_openapi.py keeps them in step."""

from django.urls import path

from interchange import views

app_name = "api"

urlpatterns = [
    path("stories/", views.story_list, name="story-list"),
    # A string, not <int:…>: an id that is not a number gets the API's JSON 404.
    path("stories/<str:story_id>/", views.story_detail, name="story-detail"),
    path("openapi.json", views.openapi, name="openapi"),
]
