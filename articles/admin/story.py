"""The story desk: the form journalists write in, its ordered children, publishing and import."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from articles import brevity, workflow
from articles.forms import BriefingSectionForm, ImportCopyForm, StoryAdminForm, StoryChildForm
from articles.models import BriefingSection, Byline, RelatedLink, Story

#: What POST key asks for which transition after saving the form.
TRANSITION_BUTTONS = {"_publish": "publish", "_unpublish": "unpublish"}


def can_edit(request, story) -> bool:
    """``workflow.can_edit``, asked once per request and story: the admin asks it often."""
    if story is None or story.pk is None:
        return True
    cache = request.__dict__.setdefault("_newsroom_can_edit", {})
    if story.pk not in cache:
        cache[story.pk] = workflow.can_edit(request.user, story)
    return cache[story.pk]


def add_brevity_messages(request, story) -> None:
    sections = [
        (s.label.name if s.label else "", s.body) for s in story.sections.select_related("label")
    ]
    for warning in brevity.check_story(story.headline, story.lede, sections):
        messages.warning(request, warning.message)


class StoryChildInline:
    """Children of a story are editable exactly when the story is."""

    form = StoryChildForm

    def get_extra(self, request, obj=None, **kwargs):
        # A blank row on a new story shows where things go; later it would be clutter.
        return 1 if obj is None else 0

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and can_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and can_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and can_edit(request, obj)


class BylineInline(StoryChildInline, admin.TabularInline):
    model = Byline
    fields = ["position", "author", "role"]
    autocomplete_fields = ["author"]
    verbose_name_plural = "bylines"


class BriefingSectionInline(StoryChildInline, admin.StackedInline):
    model = BriefingSection
    form = BriefingSectionForm
    fields = ["position", "label", "body"]
    verbose_name_plural = "briefing sections"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("label")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "label" and isinstance(field.widget, RelatedFieldWidgetWrapper):
            # Labels are a short fixed list managed by editors: no add/edit icons beside it.
            field.widget = field.widget.widget
        return field


class RelatedLinkInline(StoryChildInline, admin.TabularInline):
    model = RelatedLink
    fk_name = "story"
    fields = ["position", "title", "target", "url"]
    autocomplete_fields = ["target"]
    verbose_name_plural = "go deeper"


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    form = StoryAdminForm
    inlines = [BylineInline, BriefingSectionInline, RelatedLinkInline]
    fieldsets = [
        (
            None,
            {
                "fields": ["headline", "slug", "dek"],
                "description": "The headline and the line under it: what readers see "
                "first on the home page and in search results.",
            },
        ),
        (
            "The top",
            {
                "fields": ["dateline", "lede"],
                "description": "One sentence that tells the news. Sections go below.",
            },
        ),
        ("Where it goes", {"fields": ["section", "tags"]}),
        (
            "Lead image",
            {
                "fields": [
                    "lead_image",
                    "lead_image_alt",
                    "lead_image_caption",
                    "lead_image_credit",
                ],
                "classes": ["collapse"],
            },
        ),
        ("Saving", {"fields": ["revision_note"]}),
    ]
    autocomplete_fields = ["section", "tags"]
    list_display = ["headline", "status", "section", "byline_names", "updated_at"]
    list_select_related = ["section"]
    list_filter = ["status", "section", "tags"]
    search_fields = ["headline", "lede", "bylines__author__name"]
    show_full_result_count = False

    class Media:
        css = {"all": ["css/admin.css"]}
        js = ["js/admin/brevity.js", "js/admin/reorder.js"]

    # --- the list ------------------------------------------------------------------

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("bylines", queryset=Byline.objects.select_related("author")))
        )

    @admin.display(description="bylines")
    def byline_names(self, story):
        return ", ".join(byline.author.name for byline in story.bylines.all())

    # --- who may do what -----------------------------------------------------------

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and can_edit(request, obj)

    def get_prepopulated_fields(self, request, obj=None):
        if obj is not None and obj.first_published_at:
            return {}
        return {"slug": ["headline"]}

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # The date and slug make the public address: it must not move once readers have it.
        if obj is not None and obj.first_published_at:
            readonly.append("slug")
        return readonly

    def view_on_site(self, story):
        return story.get_absolute_url() if story.is_live else None

    # --- the form ------------------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["brevity_limits"] = brevity.LIMITS
        if obj is not None and obj.pk:
            context.update(
                story_status=obj.get_status_display(),
                live_url=self.view_on_site(obj),
                has_unpublished_changes=obj.has_unpublished_changes,
                preview_url=reverse("articles:story-preview", args=[obj.pk]),
                can_publish=workflow.can(request.user, obj, "publish"),
                can_unpublish=workflow.can(request.user, obj, "unpublish"),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        if "headline" in form.changed_data:
            # Someone wrote a headline over the importer's placeholder: it may be published.
            obj.headline_is_provisional = False
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the children are saved, so the revision holds the whole story.
        note = form.cleaned_data.get("revision_note", "").strip()
        story = form.instance
        story.save_revision(by=request.user, message=note or ("Edited" if change else "Created"))
        add_brevity_messages(request, story)

    def response_change(self, request, obj):
        for key, name in TRANSITION_BUTTONS.items():
            if key in request.POST:
                self.make_transition(request, obj, name)
                return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def make_transition(self, request, story, name: str) -> None:
        """Run a workflow button after the form was saved; refusals become messages."""
        try:
            workflow.transition(story, name, by=request.user)
        except PermissionDenied:
            messages.error(
                request, "Your changes were saved, but only editors may publish or unpublish."
            )
        except ValidationError as exc:
            messages.error(request, f"Your changes were saved, but: {' '.join(exc.messages)}")
        else:
            if name == "publish":
                messages.success(
                    request,
                    format_html(
                        "Saved and published. <a href='{}'>See it on the site</a>.",
                        story.get_absolute_url(),
                    ),
                )
            else:
                messages.success(request, "Saved and taken off the site.")

    # --- import from text ----------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        # Imported lazily: the importer imports the models, and the admin loads early.
        from articles.importer import import_copy
        from articles.parser import ParseError

        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportCopyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    result = import_copy(
                        data["text"],
                        headline=data["headline"] or None,
                        section=data["section"],
                        publish=False,
                        by=request.user,
                    )
            except ParseError as exc:
                form.add_error("text", str(exc))
            else:
                self.report_import(request, result)
                return HttpResponseRedirect(
                    reverse("admin:articles_story_change", args=[result.story.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import a story from text",
            "form": form,
            "media": forms.Media(css={"all": ["css/admin.css"]}) + form.media,
        }
        return TemplateResponse(request, "admin/articles/story/import.html", context)

    def report_import(self, request, result) -> None:
        story = result.story
        messages.success(request, f"Imported “{story.headline}” as a draft. Check it below.")
        for author in result.created_authors:
            messages.info(request, f"New author added for the byline: {author}.")
        for warning in result.warnings:
            messages.warning(request, str(warning))
        for title in result.unresolved:
            messages.warning(
                request,
                f"Go deeper: no story is called “{title}”. Choose the story or add a web "
                "address in the Go deeper rows below.",
            )
        add_brevity_messages(request, story)
