"""The desk's reference tables and records: authors, sections, tags, labels, corrections
and the read-only revision history."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from articles.forms import CorrectionAdminForm
from articles.models import Author, BriefingLabel, Byline, Correction, Revision, Section, Tag


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "job_title", "user"]
    list_select_related = ["user"]
    search_fields = ["name", "job_title"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "job_title", "bio", "photo", "photo_alt", "user"]

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            # Bylines protect their author; name the stories, which is what the desk knows.
            bylines = (
                Byline.objects.filter(author__in=objs)
                .select_related("story")
                .order_by("story__headline", "story_id")
            )
            protected = [
                format_html(
                    'Byline on <a href="{}">{}</a>',
                    reverse("admin:articles_story_change", args=[byline.story_id]),
                    byline.story.headline,
                )
                for byline in bylines
            ]
        return deleted, counts, perms_needed, protected


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(BriefingLabel)
class BriefingLabelAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    form = CorrectionAdminForm
    list_display = ["story", "kind", "created_at", "created_by"]
    list_select_related = ["story", "created_by"]
    list_filter = ["kind"]
    search_fields = ["story__headline", "text"]
    autocomplete_fields = ["story"]
    date_hierarchy = "created_at"

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # Through the story, so the live page's "updated" time and the audit log follow.
        correction = obj.story.add_correction(obj.kind, obj.text, by=request.user)
        obj.pk, obj.created_at, obj.created_by = (
            correction.pk,
            correction.created_at,
            correction.created_by,
        )
        obj._state.adding = False


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """History is written by saving stories, never here."""

    list_display = ["story", "number", "created_by", "created_at", "message"]
    list_select_related = ["story", "created_by"]
    search_fields = ["story__headline", "message"]
    ordering = ["-created_at", "-pk"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
