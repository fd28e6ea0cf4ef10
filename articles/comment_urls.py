"""A story's review comments, mounted beside its admin pages at
``admin/articles/story/<story_id>/comments/`` (see ``newsroom/urls.py``)."""

from django.contrib import admin
from django.urls import path

from articles import comment_views

app_name = "comments"


def _staff(view):
    # Sign-in, staff status, CSRF and no-cache, as for the admin's own pages.
    return admin.site.admin_view(view)


urlpatterns = [
    path("", _staff(comment_views.comment_list), name="list"),
    path("new/", _staff(comment_views.comment_add), name="add"),
    path("<int:comment_id>/reply/", _staff(comment_views.comment_reply), name="reply"),
    path("<int:comment_id>/resolve/", _staff(comment_views.comment_resolve), name="resolve"),
    path("<int:comment_id>/reopen/", _staff(comment_views.comment_reopen), name="reopen"),
    path("<int:comment_id>/delete/", _staff(comment_views.comment_delete), name="delete"),
]
