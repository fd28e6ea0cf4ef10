"""The desk's reference tables and records: authors, sections, tags, labels, corrections,
and the read-only records: revision history, preview links and the audit log."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from articles import workflow
from articles.forms import CorrectionAdminForm
from articles.hardening import CheckedQueryString, client_address
from articles.models import (
    AuditEntry,
    Author,
    BriefingLabel,
    Byline,
    Correction,
    HouseRule,
    PreviewLink,
    Revision,
    Section,
    Status,
    Tag,
)


class OfVisibleStories:
    """Records of stories: a journalist sees those of the stories they may see."""

    def get_queryset(self, request):
        visible = workflow.visible_stories(request.user).values("pk")
        return super().get_queryset(request).filter(story__in=visible)


class ReadOnly:
    """Written by the workflow, never through the admin, superusers included."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "job_title", "user"]
    list_select_related = ["user"]
    search_fields = ["name", "job_title"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "names", "slug", "job_title", "bio", "photo", "photo_alt", "user"]

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
    fields = ["name", "names", "slug", "description", "descriptions", "position"]


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
    fields = ["name", "names", "slug", "position", "active"]


@admin.register(HouseRule)
class HouseRuleAdmin(admin.ModelAdmin):
    """The house rules: what each weighs at each step. The rules themselves are the
    newsroom's code (articles.brevity); editors choose their weight and their limits."""

    list_display = ["name", "limit", "on_submit", "on_approve", "on_schedule", "on_publish"]
    list_editable = ["limit", "on_submit", "on_approve", "on_schedule", "on_publish"]
    list_display_links = None
    fields = ["limit", "on_submit", "on_approve", "on_schedule", "on_publish"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # Every rule is listed, the stored ones and those still at their defaults.
        for rule in HouseRule.objects.as_table().values():
            if rule.pk is None:
                rule.save()
        return super().get_queryset(request)


@admin.register(Correction)
class CorrectionAdmin(OfVisibleStories, CheckedQueryString, admin.ModelAdmin):
    """Corrections are append-only: editors add them (here or on the story's page) and
    read them; a mistaken one is followed by another. Administrators alone may amend
    or withdraw one, and the audit log keeps what it said."""

    form = CorrectionAdminForm
    list_display = ["story", "kind", "created_at", "created_by"]
    list_select_related = ["story", "created_by"]
    list_filter = ["kind"]
    search_fields = ["story__headline", "text"]
    autocomplete_fields = ["story"]
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def save_model(self, request, obj, form, change):
        address = client_address(request)
        if change:
            original = Correction.objects.select_related("story").get(pk=obj.pk)
            workflow.amend_correction(
                original, obj.kind, obj.text, request.user, ip_address=address
            )
            return
        # Through the workflow, so the live page's "updated" time and the audit log follow.
        correction = workflow.correct(
            obj.story, obj.kind, obj.text, request.user, ip_address=address
        )
        obj.pk, obj.created_at, obj.created_by = (
            correction.pk,
            correction.created_at,
            correction.created_by,
        )
        obj._state.adding = False

    def delete_model(self, request, obj):
        workflow.withdraw_correction(obj, request.user, ip_address=client_address(request))

    def delete_queryset(self, request, queryset):
        for correction in queryset.select_related("story"):
            self.delete_model(request, correction)


@admin.register(Revision)
class RevisionAdmin(OfVisibleStories, ReadOnly, admin.ModelAdmin):
    """History is written by saving stories, never here."""

    list_display = ["story", "number", "created_by", "created_at", "message"]
    list_select_related = ["story", "created_by"]
    search_fields = ["story__headline", "message"]
    ordering = ["-created_at", "-pk"]
    show_full_result_count = False


@admin.register(PreviewLink)
class PreviewLinkAdmin(OfVisibleStories, ReadOnly, admin.ModelAdmin):
    """Every preview link at a glance. Made and revoked on the story's own page, which
    shows the secret address once; here only what is safe to list."""

    list_display = [
        "story",
        "revision_number",
        "note",
        "created_by",
        "created_at",
        "expires_at",
        "state",
        "manage",
    ]
    list_filter = ["created_at", "expires_at"]
    search_fields = ["story__headline", "note"]
    fields = ["story", "revision", "note", "created_by", "created_at", "expires_at", "revoked_at"]
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("story", "revision", "created_by")
            .defer("revision__snapshot")
        )

    @admin.display(description="revision", ordering="revision__number")
    def revision_number(self, link):
        return link.revision.number

    @admin.display(description="state")
    def state(self, link):
        return link.state.label

    @admin.display(description="")
    def manage(self, link):
        return format_html(
            '<a href="{}">Manage</a>', reverse("history:preview-links", args=[link.story_id])
        )


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly, CheckedQueryString, admin.ModelAdmin):
    """The append-only editorial record: readable by editors, changeable by nobody."""

    list_display = [
        "created_at",
        "actor_name",
        "action_name",
        "story_link",
        "status_change",
        "message",
        "ip_address",
    ]
    list_filter = ["action", "created_at", ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["story_headline", "actor_name", "message"]
    fields = [
        "created_at",
        "actor_name",
        "action_name",
        "story_link",
        "revision_number",
        "status_change",
        "message",
        "ip_address",
    ]
    readonly_fields = fields
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description="story", ordering="story_headline")
    def story_link(self, entry):
        if entry.story_id is None:
            return entry.story_headline or "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:articles_story_change", args=[entry.story_id]),
            entry.story_headline or f"Story {entry.story_id}",
        )

    @admin.display(description="action", ordering="action")
    def action_name(self, entry):
        return entry.action_label

    @admin.display(description="from → to")
    def status_change(self, entry):
        if not (entry.from_status or entry.to_status):
            return "—"
        labels = dict(Status.choices)
        before = labels.get(entry.from_status, entry.from_status) or "—"
        after = labels.get(entry.to_status, entry.to_status) or "—"
        return before if before == after else f"{before} → {after}"
