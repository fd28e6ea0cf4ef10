"""The wire on the desk: the items agencies sent, newest first, and one button that makes
a Smart Brevity draft of one; the providers, for administrators."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404, HttpResponseRedirect
from django.template.defaultfilters import linebreaks_filter
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from articles import workflow
from articles.parser import ParseError
from wires import drafts, tasks
from wires.models import Provider, WireItem

#: Changes to a provider that call for a fetch at once rather than at the old turn.
_RESCHEDULING = {"url", "kind", "active", "poll_minutes"}


def _story_url(story) -> str:
    return reverse("admin:articles_story_change", args=[story.pk])


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "active",
        "poll_minutes",
        "last_polled_at",
        "last_result",
        "error",
    ]
    list_filter = ["active", "kind"]
    search_fields = ["name", "url"]
    fields = ["name", "kind", "url", "credit", "section", "active", "poll_minutes",
              "next_poll_at", "last_polled_at", "last_success_at", "last_result", "last_error"]  # fmt: skip
    readonly_fields = [
        "next_poll_at",
        "last_polled_at",
        "last_success_at",
        "last_result",
        "last_error",
    ]
    autocomplete_fields = ["section"]
    actions = ["fetch_now"]

    @admin.display(description="last error")
    def error(self, provider):
        return provider.last_error[:120]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.active and (not change or _RESCHEDULING & set(form.changed_data)):
            tasks.schedule_now(obj)

    @admin.action(description="Fetch the selected feeds now", permissions=["change"])
    def fetch_now(self, request, queryset):
        providers = list(queryset.filter(active=True))
        for provider in providers:
            tasks.schedule_now(provider)
        messages.success(
            request,
            f"{len(providers)} feed(s) will be fetched as soon as a worker is free "
            "(switched-off feeds were left alone).",
        )


class DeskStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("new", "New"),
            ("drafted", "Drafted"),
            ("updated", "Drafted, then updated by the agency"),
            ("withdrawn", "Withdrawn"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "updated":
            return queryset.drafted().filter(version__gt=F("drafted_version"))
        if value in ("new", "drafted", "withdrawn"):
            return getattr(queryset, value)()
        return queryset


@admin.register(WireItem)
class WireItemAdmin(admin.ModelAdmin):
    """Read-only: the ingest writes wire items, the desk makes drafts of them."""

    change_form_template = "wires/wireitem_change_form.html"
    list_display = ["filed_at", "provider", "headline", "status", "version", "draft"]
    list_display_links = ["headline"]
    list_filter = [DeskStatusFilter, "provider"]
    list_select_related = ["provider", "story"]
    search_fields = ["headline", "=guid"]
    list_per_page = 50
    show_full_result_count = False  # the wire grows by thousands a day
    actions = ["make_drafts"]
    fieldsets = [
        (None, {"fields": ["provider", "headline", "byline", "filed_at", "version", "pubstatus"]}),
        ("The text", {"fields": ["summary", "copy"]}),
        ("Where it came from", {
            "classes": ["collapse"],
            "fields": ["guid", "published_at", "updated_at", "first_received_at", "received_at",
                       "earlier_versions", "raw"],
        }),
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_draft_permission(self, request):
        return drafts.can_draft(request.user)

    def get_readonly_fields(self, request, obj=None):
        return [f for fields in (s[1]["fields"] for s in self.fieldsets) for f in fields]

    @admin.display(description="status")
    def status(self, item):
        if item.updated_since_draft:
            return "drafted, updated since"
        return item.desk_status

    @admin.display(description="draft")
    def draft(self, item):
        if item.story is None:
            return "–"
        return format_html('<a href="{}">{}</a>', _story_url(item.story), item.story.headline)

    @admin.display(description="copy, as the draft will read it")
    def copy(self, item):
        return linebreaks_filter(drafts.copy_of(item))

    @admin.display(description="earlier versions")
    def earlier_versions(self, item):
        return format_html_list(item.history)

    # --- making drafts ----------------------------------------------------------------

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/draft/",
                self.admin_site.admin_view(require_POST(self.draft_view)),
                name=f"{info}_draft",
            ),
            *super().get_urls(),
        ]

    def draft_view(self, request, object_id):
        """The "Make a draft" button: the draft's page when it worked, the item's if not."""
        item = self.get_object(request, unquote(object_id))
        if item is None or not self.has_view_permission(request, item):
            raise Http404("No such wire item.")
        if not drafts.can_draft(request.user):
            raise PermissionDenied
        story = self._draft(request, item)
        if story is None:
            return HttpResponseRedirect(reverse("admin:wires_wireitem_change", args=[item.pk]))
        return HttpResponseRedirect(_story_url(story))

    @admin.action(description="Make a draft of each selected item", permissions=["draft"])
    def make_drafts(self, request, queryset):
        stories = [self._draft(request, item) for item in queryset.select_related("provider")]
        made = [story for story in stories if story is not None]
        if len(made) == 1 and len(stories) == 1:
            return HttpResponseRedirect(_story_url(made[0]))
        return None

    def _draft(self, request, item):
        """Make one draft and say how it went; the story, or None when it was refused."""
        try:
            made = drafts.make_draft(item, request.user, ip_address=request.META.get("REMOTE_ADDR"))
        except drafts.DraftRefused as refusal:
            story = refusal.story
            if story is not None and not refusal.withdrawn:
                who = story.created_by.get_username() if story.created_by else "someone"
                messages.info(request, f"{refusal} {who} made it: “{story.headline}”.")
                # Journalists see their own stories only: the others' stay on the item page.
                return story if workflow.can_view(request.user, story) else None
            messages.error(request, f"“{item.headline}”: {refusal}")
            return None
        except ParseError as error:
            messages.error(request, f"“{item.headline}” could not become a draft: {error}")
            return None
        story = made.story
        messages.success(
            request,
            f"Made a draft from {item.provider.name}'s “{item.headline}”, credited to "
            f"{item.provider.credit}. Check it, shorten it and submit it.",
        )
        for author in made.imported.created_authors:
            messages.info(request, f"New author added for the byline: {author}.")
        for warning in made.warnings:
            messages.warning(request, warning)
        return story

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(
                wire_item=obj,
                can_draft=drafts.can_draft(request.user),
                draft_url=reverse("admin:wires_wireitem_draft", args=[obj.pk]),
                story_url=_story_url(obj.story) if obj.story_id else "",
            )
        return super().render_change_form(request, context, add, change, form_url, obj)


def format_html_list(history):
    if not history:
        return "None: this is the first version."
    rows = format_html_join(
        "",
        "<li>Version {}: “{}” ({}), arrived {}</li>",
        (
            (e.get("version"), e.get("headline"), e.get("pubstatus"), e.get("received_at"))
            for e in history
        ),
    )
    return format_html("<ul>{}</ul>", rows)
