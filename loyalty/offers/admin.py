"""Back-office of the offer constructor: coalition staff review and approve offers; each
partner's staff see their own offers (issued, or naming them as the accepting partner)
and the applications at their tills. Approval and stopping go through the services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from skypark.accounts.admin_scoping import MERCHANT, ScopedAdminMixin, is_merchant_staff
from skypark.core.admin_mixins import ReadOnlyAdminMixin
from skypark.core.csv_export import csv_response
from skypark.core.errors import DomainError

from . import services
from .models import Offer, OfferApplication

NETWORK_ACTIONS = ("offers_approve", "offers_reject", "offers_pause", "offers_end")


def _each(modeladmin, request, queryset, step, done_message, **kwargs):
    done = 0
    for offer in queryset:
        try:
            step(offer=offer, actor=request.user, **kwargs)
        except DomainError as exc:
            modeladmin.message_user(request, f"{offer}: {exc.message}", messages.WARNING)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message % {"n": done}, messages.SUCCESS)


@admin.action(description=_("Approve the selected offers"))
def offers_approve(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.offer_approve, _("Offers approved: %(n)s."))


@admin.action(description=_("Reject the selected offers"))
def offers_reject(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.offer_reject, _("Offers rejected: %(n)s."))


@admin.action(description=_("Pause the selected offers"))
def offers_pause(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.offer_stop, _("Offers paused: %(n)s."))


@admin.action(description=_("End the selected offers"))
def offers_end(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.offer_stop, _("Offers ended: %(n)s."), status=Offer.Status.ENDED)


@admin.register(Offer)
class OfferAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    merchant_lookup = ("merchant", "partner")
    list_display = (
        "name",
        "merchant",
        "partner",
        "kind",
        "value",
        "status",
        "valid_from",
        "valid_until",
        "spent_amount",
        "budget_amount",
        "redemptions",
        "budget_redemptions",
        "priority",
        "stackable",
    )
    list_select_related = ("merchant", "partner")
    list_filter = ("status", "kind", "at_till", "online", "stackable", ("valid_until", admin.DateFieldListFilter))
    search_fields = ("name", "merchant__name", "merchant__code", "partner__name")
    autocomplete_fields = ("merchant", "partner")
    filter_horizontal = ("tiers",)
    readonly_fields = (
        "status",
        "spent_amount",
        "redemptions",
        "submitted_at",
        "partner_accepted_at",
        "approved_at",
        "approved_by",
    )
    actions = [offers_approve, offers_reject, offers_pause, offers_end]
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("merchant", "partner", "name", "description", "status")}),
        (
            _("What it gives"),
            {"fields": ("kind", "value", "coupon_kind", "item_name", "item_value", "coupon_valid_days", "currency")},
        ),
        (
            _("Conditions"),
            {
                "fields": (
                    ("at_till", "online"),
                    "min_spend",
                    "categories",
                    "skus",
                    "weekdays",
                    ("hour_from", "hour_to"),
                    "tiers",
                    "first_visit",
                    ("segment", "segment_own"),
                    ("valid_from", "valid_until"),
                )
            },
        ),
        (
            _("Budget and limits"),
            {
                "fields": (
                    ("budget_amount", "spent_amount"),
                    ("budget_redemptions", "redemptions"),
                    "per_customer_limit",
                    ("priority", "stackable"),
                )
            },
        ),
        (_("Who pays"), {"fields": (("issuer_share", "partner_share", "operator_share"),)}),
        (
            _("Review"),
            {"fields": ("submitted_at", "partner_accepted_at", "approved_at", "approved_by", "rejection_reason")},
        ),
    )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if is_merchant_staff(request.user):
            # Approval is the coalition's; partners compose and accept over the API.
            for name in NETWORK_ACTIONS:
                actions.pop(name, None)
        return actions


@admin.action(description=_("Export the selected applications (CSV)"))
def applications_export_csv(modeladmin, request, queryset):
    header = [
        "offer",
        "issuer",
        "partner",
        "where",
        "customer",
        "status",
        "currency",
        "discount",
        "points",
        "cost",
        "issuer_amount",
        "partner_amount",
        "operator_amount",
        "created_at",
    ]
    rows = (
        [
            a.offer.name,
            a.offer.merchant.code,
            a.offer.partner.code if a.offer.partner_id else "",
            a.merchant.code if a.merchant_id else "",
            a.customer.customer_code,
            a.status,
            a.currency,
            a.discount,
            a.points,
            a.cost,
            a.issuer_amount,
            a.partner_amount,
            a.operator_amount,
            a.created_at.isoformat(),
        ]
        for a in queryset.select_related("offer__merchant", "offer__partner", "merchant", "customer")
    )
    return csv_response("offer-applications.csv", header, rows)


@admin.register(OfferApplication)
class OfferApplicationAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    merchant_lookup = ("offer__merchant", "offer__partner")
    list_display = (
        "created_at",
        "offer",
        "merchant",
        "customer",
        "status",
        "discount",
        "points",
        "cost",
        "issuer_amount",
        "partner_amount",
        "operator_amount",
        "currency",
    )
    list_select_related = ("offer", "merchant", "customer")
    list_filter = ("status", "currency", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=offer__name", "=customer__phone", "=transaction__external_id")
    raw_id_fields = ("offer", "customer", "transaction", "order", "coupon")
    actions = [applications_export_csv]
    show_full_result_count = False
