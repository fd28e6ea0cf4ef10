"""History, compare, restore, preview links and the form's presence heartbeat of one
story, mounted beside its admin pages at ``admin/articles/story/<story_id>/`` (see
``newsroom/urls.py``)."""

from django.contrib import admin
from django.urls import path

from articles import staff_views

app_name = "history"


def _staff(view):
    # Sign-in, staff status, CSRF and no-cache, as for the admin's own pages.
    return admin.site.admin_view(view)


urlpatterns = [
    path("revisions/", _staff(staff_views.revision_list), name="list"),
    path("revisions/compare/", _staff(staff_views.compare), name="compare"),
    path("revisions/<int:number>/restore/", _staff(staff_views.restore), name="restore"),
    path("revisions/refused/<int:refused_id>/", _staff(staff_views.refused), name="refused"),
    path(
        "revisions/refused/<int:refused_id>/use/",
        _staff(staff_views.use_refused),
        name="use-refused",
    ),
    path("preview-links/", _staff(staff_views.preview_links), name="preview-links"),
    path("preview-links/new/", _staff(staff_views.preview_link_create), name="preview-link-create"),
    path(
        "preview-links/<int:link_id>/revoke/",
        _staff(staff_views.preview_link_revoke),
        name="preview-link-revoke",
    ),
    path("presence/", _staff(staff_views.presence), name="presence"),
    path("translate/", _staff(staff_views.translate), name="translate"),
]
