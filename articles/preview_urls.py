"""The public address of a preview link, mounted at ``p/`` (see ``newsroom/urls.py``)."""

from django.urls import path

from articles import staff_views

app_name = "preview"

urlpatterns = [
    path("<str:token>/", staff_views.preview_story, name="story"),
]
