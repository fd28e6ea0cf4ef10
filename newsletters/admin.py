"""Newsletters on the desk: editors arrange, preview and approve editions; administrators
alone see subscribers (personal data), and erase them through an audited action.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.csp import CSP
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_POST

from newsletters import editions, schedule, subscribers
from newsletters.models import Edition, EditionItem, Newsletter, Send, Subscriber

#: The preview is the mail itself: inline styles (as mail needs), pictures from anywhere,
#: and nothing that could run.
_PREVIEW_CSP = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.UNSAFE_INLINE],
    "img-src": ["https:", "http:", "data:"],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "sandbox": True,
}


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = ["name", "send_time", "auto_send", "preselected", "active", "subscribers"]
    list_filter = ["active", "auto_send"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["sections"]
    fields = ["name", "slug", "description", "language", "sections", "send_time", "window_hours",
              "auto_send", "preselected", "active", "position"]  # fmt: skip

    def get_queryset(self, request):
        active = Q(subscriptions__subscriber__status=Subscriber.Status.ACTIVE)
        return super().get_queryset(request).annotate(readers=Count("subscriptions", filter=active))

    @admin.display(description="subscribers", ordering="readers")
    def subscribers(self, newsletter):
        return newsletter.readers

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The send time or the schedule may have changed: the day is planned again.
        schedule.schedule_now(obj)


class EditionItemInline(admin.TabularInline):
    model = EditionItem
    fields = ["position", "story", "included"]
    autocomplete_fields = ["story"]
    extra = 0
    can_delete = False
    verbose_name = "story"
    verbose_name_plural = "stories (the first one ticked leads the edition as “1 big thing”)"


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "stories", "send_at", "sends"]
    list_filter = ["newsletter", "status"]
    date_hierarchy = "date"
    list_select_related = ["newsletter"]
    inlines = [EditionItemInline]
    change_form_template = "newsletters/admin/edition_change_form.html"
    readonly_fields = ["newsletter", "date", "status", "approved_by", "approved_at",
                       "send_started_at", "sent_at", "summary"]  # fmt: skip

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["newsletter", "date", "intro"]
        return ["newsletter", "date", "status", "summary", "intro", "window_start",
                "window_end", "approved_by", "approved_at", "send_started_at", "sent_at"]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                chosen=Count("items", filter=Q(items__included=True), distinct=True),
                delivered=Count("sends", filter=Q(sends__status=Send.Status.SENT), distinct=True),
            )
        )

    @admin.display(description="stories", ordering="chosen")
    def stories(self, edition):
        return edition.chosen

    @admin.display(description="sent to", ordering="delivered")
    def sends(self, edition):
        return edition.delivered

    @admin.display(description="goes out")
    def send_at(self, edition):
        return edition.send_at

    @admin.display(description="as it stands")
    def summary(self, edition):
        rendered = editions.preview(edition)
        tally = dict(
            Send.objects.filter(edition=edition)
            .values_list("status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        sending = ", ".join(f"{n} {Send.Status(s).label.lower()}" for s, n in tally.items())
        clipped = " — too big: Gmail cuts it off" if rendered.clipped else ""
        return format_html(
            "{}<br>{} · {} KB{}{}",
            rendered.text.splitlines()[0],
            rendered.subject,
            rendered.size // 1000,
            clipped,
            format_html("<br>Sends: {}", sending) if sending else "",
        )

    def has_change_permission(self, request, obj=None):
        # Once it is going out, an edition is a record: it can be looked at, not changed.
        if obj is not None and not obj.editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.window_start, obj.window_end = obj.newsletter.window(obj.date)
        super().save_model(request, obj, form, change)
        if not change:
            added = editions.fill(obj)
            self.message_user(request, f"{added} stories from its window were added.")

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if change and formset.has_changed():
            # Someone arranged it: stories found later go to the end, not the top.
            Edition.objects.filter(pk=form.instance.pk).update(curated=True)

    # --- the buttons ----------------------------------------------------------------------------

    def get_urls(self):
        def view(function, name):
            return path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(function),
                name=f"newsletters_edition_{name}",
            )

        return [
            view(self.preview_html, "preview"),
            view(self.preview_text, "text"),
            view(self.refill, "refill"),
            view(self.approve, "approve"),
            view(self.withdraw, "withdraw"),
            view(self.cancel, "cancel"),
            *super().get_urls(),
        ]

    def _edition(self, request, object_id) -> Edition:
        edition = self.get_object(request, unquote(object_id))
        if edition is None or not self.has_view_permission(request, edition):
            raise Http404("No such edition.")
        return edition

    def _back(self, edition) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:newsletters_edition_change", args=[edition.pk]))

    @method_decorator(csp_override(_PREVIEW_CSP))
    def preview_html(self, request, object_id):
        edition = self._edition(request, object_id)
        return HttpResponse(editions.preview(edition).html)

    def preview_text(self, request, object_id):
        edition = self._edition(request, object_id)
        rendered = editions.preview(edition)
        return HttpResponse(
            f"Subject: {rendered.subject}\n\n{rendered.text}",
            content_type="text/plain; charset=utf-8",
        )

    def _act(self, request, object_id, act, done: str):
        edition = self._edition(request, object_id)
        if not self.has_view_permission(request, edition):
            raise PermissionDenied
        try:
            outcome = act(edition)
        except editions.EditionError as refused:
            self.message_user(request, str(refused), messages.ERROR)
        else:
            self.message_user(request, done.format(outcome=outcome), messages.SUCCESS)
        return self._back(edition)

    @method_decorator(require_POST)
    def refill(self, request, object_id):
        if not self.has_change_permission(request, self._edition(request, object_id)):
            raise PermissionDenied
        return self._act(
            request, object_id, editions.fill, "{outcome} new stories from its window were added."
        )

    @method_decorator(require_POST)
    def approve(self, request, object_id):
        return self._act(
            request,
            object_id,
            lambda edition: editions.approve(edition, request.user),
            "Approved. {outcome}",
        )

    @method_decorator(require_POST)
    def withdraw(self, request, object_id):
        return self._act(
            request,
            object_id,
            lambda edition: editions.withdraw_approval(edition, request.user),
            "The approval is withdrawn: it is a draft again and will not go out.",
        )

    @method_decorator(require_POST)
    def cancel(self, request, object_id):
        return self._act(
            request,
            object_id,
            lambda edition: editions.cancel(edition, request.user),
            "Cancelled: {outcome} subscribers who had not had it yet will not get it.",
        )


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    """Personal data: administrators only, read-only, erased through the audited action."""

    list_display = ["email", "status", "created_at", "confirmed_at", "status_changed_at"]
    list_filter = ["status", "subscriptions__newsletter"]
    search_fields = ["email"]
    actions = ["erase"]
    readonly_fields = [field.name for field in Subscriber._meta.fields if field.name != "id"]
    fields = readonly_fields

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Erase the selected subscribers and everything about them")
    def erase(self, request, queryset):
        count = 0
        for subscriber in queryset:
            subscribers.erase(subscriber, actor=request.user)
            count += 1
        self.message_user(request, f"{count} subscribers erased (recorded in the audit log).")
