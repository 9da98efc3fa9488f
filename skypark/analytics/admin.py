from django.conf import settings
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import MERCHANT, NETWORK, ScopedAdminMixin
from skypark.core.admin_mixins import ReadOnlyAdminMixin

from .models import SegmentCampaign, SyncState, WebEvent


@admin.register(SyncState)
class SyncStateAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Where each fact source's sync stands, with its lag (seconds since it last caught
    up), marked when it passes ``ANALYTICS_LAG_BOUND``."""

    scope = NETWORK
    list_display = ("source", "lag", "watermark_at", "caught_up_at", "last_run_at", "rows_synced", "last_error")
    search_fields = ("source",)
    show_full_result_count = False

    @admin.display(description=_("lag"))
    def lag(self, obj):
        if obj.caught_up_at is None:
            return "—"
        seconds = int((timezone.now() - obj.caught_up_at).total_seconds())
        text = _("%(seconds)s s") % {"seconds": seconds}
        if seconds > settings.ANALYTICS_LAG_BOUND:
            return format_html('<strong class="errornote">{} ⚠</strong>', text)
        return text


@admin.register(SegmentCampaign)
class SegmentCampaignAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Campaigns made from RFM segments (exported from the analytics page); sending queues
    one message per recipient, once. Merchant staff see and send their own merchant's
    campaigns; the network's (no merchant) are for network staff."""

    scope = MERCHANT
    merchant_lookup = "merchant"
    list_display = ("name", "merchant", "segment", "currency", "snapshot_date", "channel", "recipients", "status")
    list_filter = ("status", "segment", "channel")
    list_select_related = ("merchant",)
    search_fields = ("name",)
    readonly_fields = ("merchant", "segment", "currency", "snapshot_date", "recipients", "status", "sent_at")
    fields = ("name", "channel", "subject", "message", *readonly_fields)
    actions = ["send"]

    def has_add_permission(self, request):
        return False  # made by exporting a segment

    @admin.action(description=_("Send to the segment"))
    def send(self, request, queryset):
        from .tasks import send_segment_campaign

        for campaign in queryset.filter(status=SegmentCampaign.Status.DRAFT):
            send_segment_campaign.delay_on_commit(campaign.pk)
        self.message_user(request, _("Sending queued."))


@admin.register(WebEvent)
class WebEventAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Page views and purchase steps as recorded, before they move to the analytical store."""

    scope = NETWORK
    list_display = ("created_at", "kind", "route", "product", "object_id", "device_type", "browser", "language")
    list_filter = ("kind", "product", "device_type", "browser", "language")
    search_fields = ("path", "route", "object_id", "visitor")
    date_hierarchy = "created_at"
    show_full_result_count = False
