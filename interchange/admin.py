"""Partners' access, for superusers only: webhook endpoints with their health, the
outbox and its delivery log (with replay), and API keys.

Secrets (an endpoint's signing secret, an API key) are shown once, when they are
made, and never again: whoever loses one makes a new one.
"""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from interchange import delivery
from interchange.models import ApiKey, Attempt, Delivery, Endpoint, Event, EventType
from interchange.models.outbox import new_secret


class SuperusersOnly:
    """Who reaches partners' systems, and how, is for administrators."""

    def _superuser(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._superuser(request)

    def has_view_permission(self, request, obj=None):
        return self._superuser(request)

    def has_add_permission(self, request, obj=None):
        return self._superuser(request)

    def has_change_permission(self, request, obj=None):
        return self._superuser(request)

    def has_delete_permission(self, request, obj=None):
        return self._superuser(request)


class Record(SuperusersOnly):
    """Written by the outbox and its workers, read here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _shown_once(request, what: str, secret: str) -> None:
    messages.warning(
        request,
        format_html("{}: <code>{}</code> — copy it now: it will not be shown again.", what, secret),
    )


# --- endpoints -------------------------------------------------------------------------------------


class EndpointForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked: all of them, including kinds added later.",
    )

    class Meta:
        model = Endpoint
        fields = ["url", "description", "event_types", "active"]


@admin.register(Endpoint)
class EndpointAdmin(SuperusersOnly, admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "description", "active", "health", "last_success_at"]
    list_filter = ["active"]
    search_fields = ["url", "description"]
    readonly_fields = [
        "health",
        "last_success_at",
        "last_failure_at",
        "disabled_at",
        "disabled_reason",
        "created_at",
        "created_by",
        "log",
    ]
    actions = ["make_new_secret", "send_failed_again"]

    @admin.display(description="health")
    def health(self, obj):
        return obj.health

    @admin.display(description="deliveries")
    def log(self, obj):
        if obj.pk is None:
            return "—"
        url = reverse("admin:interchange_delivery_changelist") + f"?endpoint__id__exact={obj.pk}"
        return format_html('<a href="{}">The deliveries to this endpoint, with their log</a>', url)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        elif "active" in form.changed_data and obj.active:
            # Switched back on by hand: its failures are history.
            obj.disabled_at, obj.disabled_reason, obj.consecutive_failures = None, "", 0
        super().save_model(request, obj, form, change)
        if not change:
            _shown_once(request, "The signing secret for this endpoint", obj.secret)

    @admin.action(description="Make a new signing secret (shown once)")
    def make_new_secret(self, request, queryset):
        for endpoint in queryset:
            endpoint.secret = new_secret()
            endpoint.save(update_fields=["secret"])
            _shown_once(request, f"The new signing secret for {endpoint.url}", endpoint.secret)

    @admin.action(description="Send failed and unsent deliveries again")
    def send_failed_again(self, request, queryset):
        off = [endpoint.url for endpoint in queryset if not endpoint.active]
        if off:
            self.message_user(request, f"Switch these on first: {', '.join(off)}.", messages.ERROR)
            return
        count = delivery.replay(
            Delivery.objects.filter(
                endpoint__in=queryset,
                status__in=[Delivery.Status.FAILED, Delivery.Status.CANCELLED],
            )
        )
        self.message_user(request, f"{count} deliveries queued to be sent again.")


# --- the outbox and its log ------------------------------------------------------------------------


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ["number", "started_at", "duration_ms", "outcome", "response_excerpt"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="outcome")
    def outcome(self, obj):
        return obj.outcome


@admin.register(Delivery)
class DeliveryAdmin(Record, admin.ModelAdmin):
    list_display = [
        "webhook_id",
        "event_type",
        "story",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
    ]
    list_filter = ["status", "event__type", "endpoint"]
    list_select_related = ["event", "endpoint"]
    search_fields = ["webhook_id", "=event__story_id"]
    fields = [
        "webhook_id",
        "event",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "succeeded_at",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [AttemptInline]
    actions = ["send_again"]

    @admin.display(description="event", ordering="event__type")
    def event_type(self, obj):
        return obj.event.type

    @admin.display(description="story", ordering="event__story_id")
    def story(self, obj):
        return obj.event.story_id

    @admin.action(description="Send again (same webhook-id, fresh retries)")
    def send_again(self, request, queryset):
        inactive = queryset.filter(endpoint__active=False)
        if inactive.exists():
            self.message_user(
                request, "Switch their endpoints on first: nothing was sent.", messages.ERROR
            )
            return
        count = delivery.replay(queryset)
        self.message_user(request, f"{count} deliveries queued to be sent again.")


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["webhook_id", "endpoint", "status", "attempts", "last_status_code"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(Record, admin.ModelAdmin):
    list_display = ["type", "story_id", "revision", "occurred_at"]
    list_filter = ["type"]
    search_fields = ["=story_id"]
    date_hierarchy = "occurred_at"
    fields = ["type", "story_id", "revision", "occurred_at", "payload", "created_at"]
    readonly_fields = fields
    inlines = [DeliveryInline]


# --- API keys -------------------------------------------------------------------------------------


@admin.register(ApiKey)
class ApiKeyAdmin(SuperusersOnly, admin.ModelAdmin):
    list_display = ["name", "prefix", "rate_per_minute", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    fields = ["name", "rate_per_minute", "prefix", "created_at", "created_by", "last_used_at"]
    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return [*self.fields, "revoked_at"] if obj is not None else ["name", "rate_per_minute"]

    def save_model(self, request, obj, form, change):
        key = None
        if not change:
            obj.created_by = request.user
            key = obj.set_key()
        super().save_model(request, obj, form, change)
        if key:
            _shown_once(request, f"The API key for {obj.name}", key)

    @admin.action(description="Revoke: refuse these keys from now on")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{count} keys revoked.")
