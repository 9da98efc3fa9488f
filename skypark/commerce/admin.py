"""Back-office for orders, payments and refunds.

History is not edited here: orders, payments and refunds change only through the
services (the refund and cash-confirmation actions), which keep the state machine, the
locks and the audit trail. Every field is read-only.
"""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from skypark.accounts.admin_scoping import NETWORK, ScopedAdminMixin
from skypark.accounts.admin_search import CustomerSearchAdminMixin
from skypark.audit.admin import AuditedAdminMixin
from skypark.core.admin_columns import customer_column
from skypark.core.admin_mixins import LargeTableAdminMixin, ReadOnlyAdminMixin
from skypark.core.errors import DomainError
from skypark.core.jobs import job_start

from .forms import RefundForm
from .models import Order, OrderLine, Payment, Refund
from .services import order_refund, payment_confirm_cash


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "kind",
        "description",
        "object_id",
        "quantity",
        "unit_price",
        "discount",
        "total",
        "cancelled_at",
        "refunded_amount",
    )


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = (
        "method",
        "provider",
        "amount",
        "currency",
        "status",
        "external_id",
        "failure_reason",
        "created_at",
        "processed_at",
    )
    show_change_link = True


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ("payment", "amount", "reason", "status", "external_id", "created_by", "created_at", "processed_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("payment", "created_by")


def _confirm_cash(request, payments):
    done = 0
    for payment in payments:
        try:
            payment_confirm_cash(payment=payment, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            done += 1
    if done:
        messages.success(request, ngettext("Confirmed %d cash payment.", "Confirmed %d cash payments.", done) % done)


@admin.register(Order)
class OrderAdmin(ScopedAdminMixin, CustomerSearchAdminMixin, LargeTableAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = (
        "reference",
        customer_column,
        "status",
        "total",
        "refunded_total",
        "currency",
        "created_at",
        "paid_at",
    )
    list_select_related = ("customer",)
    list_filter = ("status", "currency", ("created_at", admin.DateFieldListFilter))
    search_references = ("reference",)
    search_customer = "customer"
    search_order = ""
    search_help_text = _("Order reference, backup code or booking reference, phone or customer name.")
    # No date_hierarchy: its year/month links scan the whole table; the date filter does not.
    show_full_result_count = False
    list_per_page = 50
    inlines = [OrderLineInline, PaymentInline, RefundInline]
    actions = ["refund_orders", "confirm_cash_payments"]
    fieldsets = (
        (None, {"fields": ("reference", "customer", "status", "currency")}),
        (_("Money"), {"fields": ("subtotal", "discount_total", "total", "refunded_total")}),
        (_("Dates"), {"fields": ("created_at", "updated_at", "expires_at", "paid_at", "cancelled_at")}),
        (_("More"), {"fields": ("metadata",), "classes": ("collapse",)}),
    )

    def get_readonly_fields(self, request, obj=None):
        return [field for fieldset in self.fieldsets for field in fieldset[1]["fields"]]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_refund_permission(self, request):
        return request.user.has_perm("commerce.refund_order")

    def has_confirm_cash_permission(self, request):
        return request.user.has_perm("commerce.confirm_cash_payment")

    @admin.action(description=_("Refund selected orders…"), permissions=["refund"])
    def refund_orders(self, request, queryset):
        """Shows a confirmation page with amount and reason; on confirm, refunds each
        order through ``order_refund``. The amount is offered only for a single order;
        several orders are refunded in full."""
        orders = list(queryset.select_related("customer").order_by("pk"))
        single = orders[0] if len(orders) == 1 else None
        if request.POST.get("confirm"):
            form = RefundForm(request.POST)
            if form.is_valid():
                if not single:
                    job = job_start(
                        kind="commerce.refund_orders",
                        params={"order_ids": [o.pk for o in orders], "reason": form.cleaned_data["reason"]},
                        actor=request.user,
                        description=ngettext("Refund %d order", "Refund %d orders", len(orders)) % len(orders),
                    )
                    messages.success(
                        request,
                        format_html(
                            _('Refunding in the background: <a href="{}">follow its progress</a>.'),
                            reverse("admin:core_staffjob_change", args=[job.pk]),
                        ),
                    )
                    return None
                amount = form.cleaned_data["amount"]
                done = 0
                for order in orders:
                    try:
                        order_refund(order=order, amount=amount, reason=form.cleaned_data["reason"], actor=request.user)
                    except DomainError as exc:
                        messages.error(request, f"{order.reference}: {exc.message}")
                    else:
                        done += 1
                if done:
                    messages.success(request, ngettext("Refunded %d order.", "Refunded %d orders.", done) % done)
                return None
        else:
            form = RefundForm(initial={"amount": single.refundable_amount if single else None})
        context = {
            **self.admin_site.each_context(request),
            "title": _("Confirm refund"),
            "opts": self.opts,
            "orders": orders,
            "single": single,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/commerce/order/refund_confirm.html", context)

    @admin.action(description=_("Confirm cash payment for selected orders"), permissions=["confirm_cash"])
    def confirm_cash_payments(self, request, queryset):
        payments = Payment.objects.filter(order__in=queryset, provider="cash", status=Payment.Status.PENDING)
        if not payments:
            messages.warning(request, _("None of the selected orders has a pending cash payment."))
        _confirm_cash(request, payments.select_related("order"))


@admin.register(Payment)
class PaymentAdmin(ScopedAdminMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = (
        "id",
        "order",
        "method",
        "provider",
        "amount",
        "currency",
        "status",
        "external_id",
        "created_at",
        "processed_at",
    )
    list_select_related = ("order",)
    list_filter = ("status", "provider", "method", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=order__reference", "=external_id", "=order__customer__phone")
    show_full_result_count = False
    actions = ["confirm_cash"]
    readonly_fields = (
        "order",
        "method",
        "provider",
        "amount",
        "currency",
        "status",
        "external_id",
        "failure_reason",
        "metadata",
        "created_at",
        "updated_at",
        "processed_at",
    )

    def has_confirm_cash_permission(self, request):
        return request.user.has_perm("commerce.confirm_cash_payment")

    @admin.action(description=_("Confirm cash payment (cash received)"), permissions=["confirm_cash"])
    def confirm_cash(self, request, queryset):
        _confirm_cash(request, queryset.select_related("order"))


@admin.register(Refund)
class RefundAdmin(ScopedAdminMixin, LargeTableAdminMixin, ReadOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope = NETWORK
    list_display = ("id", "order", "payment", "amount", "status", "reason", "created_by", "created_at", "processed_at")
    list_select_related = ("order", "payment", "created_by")
    list_filter = ("status", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=order__reference", "=external_id", "=order__customer__phone")
    show_full_result_count = False
    readonly_fields = (
        "order",
        "payment",
        "amount",
        "reason",
        "status",
        "external_id",
        "metadata",
        "created_by",
        "created_at",
        "processed_at",
    )
