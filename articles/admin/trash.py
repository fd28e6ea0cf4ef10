"""Deleting a story in the admin moves it to the trash (``articles.workflow.trash``)."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from articles import workflow
from articles.hardening import client_address


class TrashFilter(admin.SimpleListFilter):
    """The list shows the stories out of the trash unless asked for the trash."""

    title = "trash"
    parameter_name = "trash"

    def lookups(self, request, model_admin):
        return [("in", "In the trash")]

    def queryset(self, request, queryset):
        if self.value() == "in":
            return queryset.in_trash()
        return queryset.out_of_trash()


class TrashAdmin:
    """A ModelAdmin mixin for stories: delete means "move to the trash", restorable."""

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return request.user.is_active and request.user.has_perm("articles.change_story")
        return obj.trashed_at is None and workflow.can_trash(request.user, obj)

    def has_change_permission(self, request, obj=None):
        # A story in the trash is read, not edited: restore it first.
        if obj is not None and obj.trashed_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        # Nothing is deleted: the story goes to the trash with everything it holds, so
        # the admin's list of rows to delete (and their permissions) does not apply.
        return [format_html("{}", obj) for obj in objs], {}, set(), []

    def delete_model(self, request, obj):
        workflow.trash(obj, request.user, ip_address=client_address(request))

    def delete_queryset(self, request, queryset):
        for story in queryset:
            try:
                workflow.trash(story, request.user, ip_address=client_address(request))
            except workflow.TransitionError as refused:
                messages.error(request, f"“{story}”: {' '.join(refused.messages)}")

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except workflow.TransitionError as refused:
            messages.error(request, " ".join(refused.messages))
            return HttpResponseRedirect(
                reverse("admin:articles_story_change", args=[unquote(object_id)])
            )

    def response_delete(self, request, obj_display, obj_id):
        messages.success(
            request,
            f"“{obj_display}” is in the trash. Restore it from there within "
            f"{workflow.trash_days()} days; after that it is deleted for good.",
        )
        return HttpResponseRedirect(reverse("admin:articles_story_changelist"))

    def trash_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/untrash/",
                self.admin_site.admin_view(require_POST(self.untrash_view)),
                name=f"{info}_untrash",
            )
        ]

    def untrash_view(self, request, object_id):
        story = self.get_object(request, unquote(object_id))
        if story is None:
            raise Http404("No such story.")
        if not workflow.can_trash(request.user, story):
            raise PermissionDenied
        try:
            workflow.restore_from_trash(story, request.user, ip_address=client_address(request))
        except workflow.TransitionError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(request, f"“{story}” is out of the trash, as it was.")
        return HttpResponseRedirect(reverse("admin:articles_story_change", args=[story.pk]))

    @admin.action(description="Restore the selected stories from the trash")
    def restore_selected(self, request, queryset):
        restored = 0
        for story in queryset.in_trash():
            if workflow.can_trash(request.user, story):
                workflow.restore_from_trash(story, request.user, ip_address=client_address(request))
                restored += 1
        messages.success(request, f"{restored} restored from the trash.")

    @admin.action(description="Delete the selected stories for good (administrators)")
    def purge_selected(self, request, queryset):
        if not request.user.is_superuser:
            raise PermissionDenied
        purged = 0
        for story in queryset.in_trash():
            workflow.purge(story, request.user, ip_address=client_address(request))
            purged += 1
        messages.success(request, f"{purged} deleted for good.")
