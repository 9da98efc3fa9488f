"""The cashier's screen at ``/desk/``: open a shift with a float, take payment for an
order (cash or the card terminal, through the one checkout), refund, pay out, and close
with the count; the ELQR screen (``/pay/cashier/elqr/``) is linked for QR payments.
Staff who may take money at a desk hold ``commerce.confirm_cash_payment`` (the roles
Park managers and Finance)."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from skypark.commerce.models import Order
from skypark.core.errors import DomainError
from skypark.core.formatting import format_money

from . import services
from .forms import CloseForm, OpenShiftForm, PayoutForm, RefundForm, SaleForm
from .selectors import open_shift_for, shift_report

FORMS = {"open": OpenShiftForm, "sale": SaleForm, "refund": RefundForm, "payout": PayoutForm, "close": CloseForm}


def _order(reference):
    reference = (reference or "").strip().upper().replace(" ", "")
    order = Order.objects.filter(reference=reference).first()
    if order is None:
        raise DomainError(_("No order has this reference."), code="not_found")
    return order


def _act(action, data, shift, user):
    if action == "open":
        services.shift_open(desk=data["desk"], cashier=user, float_amount=data["float_amount"])
        return _("The shift is open.")
    if action == "sale":
        movement = services.desk_sale(
            shift=shift, order=_order(data["order"]), how=data["how"], actor=user, reference=data["reference"]
        )
        receipt = movement.fiscal
        return _("Paid: %(amount)s. Fiscal receipt %(number)s, sign %(sign)s.") % {
            "amount": format_money(movement.amount, shift.desk.currency),
            "number": f"{receipt.register_number}/{receipt.document_number}",
            "sign": receipt.fiscal_sign,
        }
    if action == "refund":
        services.desk_refund(
            shift=shift, order=_order(data["order"]), amount=data["amount"], reason=data["reason"], actor=user
        )
        return _("Refunded.")
    if action == "payout":
        services.desk_payout(shift=shift, amount=data["amount"], reason=data["reason"], actor=user)
        return _("The pay-out is recorded.")
    closed = services.shift_close(shift=shift, counted=data["counted"], actor=user, note=data["note"])
    return _("The shift is closed. Expected %(expected)s, counted %(counted)s, over/short %(difference)s.") % {
        "expected": format_money(closed.expected_cash, shift.desk.currency),
        "counted": format_money(closed.counted_cash, shift.desk.currency),
        "difference": format_money(closed.difference, shift.desk.currency),
    }


@never_cache
@staff_member_required
@permission_required("commerce.confirm_cash_payment", raise_exception=True)
@require_http_methods(["GET", "POST"])
def desk(request):
    shift = open_shift_for(request.user)
    action = request.POST.get("action", "")
    forms = {name: form_class(prefix=name) for name, form_class in FORMS.items()}
    if request.method == "POST" and action in FORMS and (shift is not None) != (action == "open"):
        form = FORMS[action](request.POST, prefix=action)
        forms[action] = form
        if form.is_valid():
            try:
                messages.success(request, _act(action, form.cleaned_data, shift, request.user))
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("cashdesk:desk")
    context = {"shift": shift, "forms": forms, "report": shift_report(shift) if shift else None}
    if shift:
        context["movements"] = shift.movements.select_related("order", "fiscal").order_by("-created_at", "-pk")[:50]
    return render(request, "cashdesk/desk.html", context)
