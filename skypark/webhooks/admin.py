"""Webhook endpoints and deliveries in the back-office, each merchant's staff seeing only
their own. A signing secret is shown once — when the endpoint is added or the secret
rotated — and never again; deliveries show the status code, timing and error, never a
body the receiver answered."""

from django.contrib import admin, messages
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from skypark.accounts.admin_scoping import MERCHANT, ScopedAdminMixin
from skypark.audit.admin import AuditedAdminMixin
from skypark.core.admin_mixins import ReadOnlyAdminMixin

from . import services
from .models import WebhookDelivery, WebhookEndpoint


def _show_secret_once(request, endpoint, secret):
    messages.warning(
        request,
        format_html(
            _(
                "Signing secret for {endpoint}: <code>{secret}</code> — copy it now, it is not shown again. "
                "A previous secret keeps signing for 24 hours."
            ),
            endpoint=endpoint,
            secret=secret,
        ),
    )


@admin.action(description=_("Rotate the signing secret (the new one is shown once)"), permissions=["change"])
def rotate_secret(modeladmin, request, queryset):
    for endpoint in queryset:
        secret = services.endpoint_secret_rotate(endpoint=endpoint, actor=request.user)
        _show_secret_once(request, endpoint, secret)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    list_display = ("merchant", "url", "events", "is_active", "secret_previous_until")
    list_select_related = ("merchant",)
    list_filter = ("is_active",)
    search_fields = ("merchant__name", "merchant__code", "url")
    autocomplete_fields = ("merchant",)
    fields = ("merchant", "url", "events", "is_active", "secret_hint", "secret_previous_until")
    readonly_fields = ("secret_hint", "secret_previous_until")
    actions = [rotate_secret]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description=_("signing secret"))
    def secret_hint(self, obj):
        if not obj or not obj.secret:
            return _("made when the endpoint is saved; rotate to get a new one")
        return f"{obj.secret[:6]}…{obj.secret[-4:]}"

    def save_model(self, request, obj, form, change):
        fresh = not obj.secret
        if fresh:
            obj.secret = services.secret_new()
        super().save_model(request, obj, form, change)
        if fresh:
            _show_secret_once(request, obj, obj.secret)


@admin.action(description=_("Send again"), permissions=["resend"])
def resend(modeladmin, request, queryset):
    count = services.deliveries_resend(delivery_ids=queryset.values_list("pk", flat=True), actor=request.user)
    messages.info(request, ngettext("%(n)s delivery queued.", "%(n)s deliveries queued.", count) % {"n": count})


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    list_display = (
        "created_at",
        "merchant",
        "event",
        "endpoint_url",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "delivered_at",
    )
    list_select_related = ("merchant", "endpoint")
    list_filter = ("status", "event")
    search_fields = ("event_id",)
    fields = (
        "merchant",
        "endpoint_url",
        "event",
        "event_id",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "created_at",
        "delivered_at",
    )
    readonly_fields = fields
    actions = [resend]
    show_full_result_count = False

    @admin.display(description=_("URL"))
    def endpoint_url(self, obj):
        return obj.endpoint.url

    def has_resend_permission(self, request):
        return request.user.has_perm("webhooks.change_webhookdelivery")
