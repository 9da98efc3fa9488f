"""Back-office of the till's bookkeeping and of the fraud review queue.

The review queue (``FraudFlagAdmin``) is for network staff only — a flag can span several
merchants. Its actions call ``loyalty.services.fraud``: releasing a flag makes the
points it held spendable again, confirming it takes them back; both are audited.
Customer totals are read-only, and merchant staff see only their merchant's rows.
"""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from skypark.accounts.admin_scoping import MERCHANT, NETWORK, ScopedAdminMixin, merchant_ids_for
from skypark.core.admin_mixins import ReadOnlyAdminMixin
from skypark.core.errors import DomainError

from ..models import CustomerTotals, FraudFlag
from ..services import fraud_flag_confirm, fraud_flag_release


def _review(modeladmin, request, queryset, service, done):
    count = 0
    for flag in queryset.filter(status=FraudFlag.Status.OPEN).order_by("pk"):
        try:
            service(flag=flag, actor=request.user)
        except DomainError as exc:
            modeladmin.message_user(request, f"#{flag.pk}: {exc.message}", messages.WARNING)
            continue
        count += 1
    modeladmin.message_user(request, done(count), messages.SUCCESS)


@admin.action(description=_("Release held points (dismiss)"), permissions=["change"])
def flags_release(modeladmin, request, queryset):
    _review(
        modeladmin,
        request,
        queryset,
        fraud_flag_release,
        lambda n: ngettext("%d flag dismissed; its points are spendable.", "%d flags dismissed.", n) % n,
    )


@admin.action(description=_("Confirm fraud (take held points back)"), permissions=["change"])
def flags_confirm(modeladmin, request, queryset):
    _review(
        modeladmin,
        request,
        queryset,
        fraud_flag_confirm,
        lambda n: ngettext("%d flag confirmed.", "%d flags confirmed.", n) % n,
    )


class HeldFilter(admin.SimpleListFilter):
    title = _("points held")
    parameter_name = "held"

    def lookups(self, request, model_admin):
        return (("yes", _("yes")), ("no", _("no")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(held_points__gt=0)
        if self.value() == "no":
            return queryset.filter(held_points=0)
        return queryset


@admin.register(FraudFlag)
class FraudFlagAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The review queue: open flags first, newest first. Network staff only."""

    scope = NETWORK
    list_display = (
        "created_at",
        "customer",
        "rule",
        "merchant",
        "transaction_link",
        "held_points",
        "status",
        "reviewed_by",
        "reviewed_at",
    )
    list_select_related = ("customer", "merchant", "transaction", "reviewed_by")
    list_filter = ("status", "rule", HeldFilter, "merchant", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=customer__phone", "=customer__customer_code", "=transaction__external_id", "=merchant__code")
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = [flags_release, flags_confirm]

    def get_ordering(self, request):
        return ["status", "-created_at"]

    @admin.display(description=_("transaction"), ordering="transaction__external_id")
    def transaction_link(self, flag):
        return flag.transaction.external_id if flag.transaction_id else format_html("&mdash;")

    def has_change_permission(self, request, obj=None):
        return merchant_ids_for(request.user) is None and request.user.has_perm("loyalty.change_fraudflag")


@admin.register(CustomerTotals)
class CustomerTotalsAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = MERCHANT
    list_display = (
        "customer",
        "merchant",
        "currency",
        "total_spent",
        "transactions",
        "first_visit_at",
        "last_visit_at",
    )
    list_select_related = ("customer", "merchant")
    list_filter = ("currency", ("merchant", admin.EmptyFieldListFilter), ("last_visit_at", admin.DateFieldListFilter))
    search_fields = ("=customer__phone", "=customer__customer_code")
    show_full_result_count = False
