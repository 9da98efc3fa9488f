"""The cashier's screen at ``/desk/``: open a shift with a float, take payment for an
order (cash or the card terminal, through the one checkout), refund, pay out, and close
with the count; the ELQR screen (``/pay/cashier/elqr/``) is linked for QR payments.
Staff who may take money at a desk hold ``commerce.confirm_cash_payment`` (the roles
Park managers and Finance)."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from skypark.commerce import qr
from skypark.commerce.models import Order
from skypark.core.errors import DomainError
from skypark.core.formatting import format_money
from skypark.notify.confirmations.documents import ticket_pdf
from skypark.notify.confirmations.registry import describer_for
from skypark.parks.models import Ticket

from . import services, walkin
from .forms import CloseForm, OpenShiftForm, PayoutForm, RefundForm, SaleForm, WalkInForm
from .models import Movement
from .selectors import open_shift_for, shift_report

FORMS = {
    "open": OpenShiftForm,
    "walkin": WalkInForm,
    "sale": SaleForm,
    "refund": RefundForm,
    "payout": PayoutForm,
    "close": CloseForm,
}


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


def _walk_in(request, form, shift):
    """Prices the walk-in sale (``step=quote``) or sells it; returns (quote, sold ticket).
    Refusals of the purchase service and the checkout become the form's errors."""
    data = form.cleaned_data
    try:
        quote = walkin.walk_in_quote(
            park=data["park"],
            visit_date=data["visit_date"],
            ages=data["ages"],
            names=data["names"],
            phone=data["phone"],
        )
        if request.POST.get("step") != "sell":
            return quote, None
        ticket, movement = walkin.walk_in_sale(
            shift=shift,
            park=data["park"],
            visit_date=data["visit_date"],
            slot=data["slot_code"],
            ages=data["ages"],
            names=data["names"],
            phone=data["phone"],
            how=data["how"],
            actor=request.user,
            reference=data["reference"],
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return None, None
    receipt = movement.fiscal
    messages.success(
        request,
        _("Paid: %(amount)s. Fiscal receipt %(number)s, sign %(sign)s.")
        % {
            "amount": format_money(movement.amount, shift.desk.currency),
            "number": f"{receipt.register_number}/{receipt.document_number}",
            "sign": receipt.fiscal_sign,
        },
    )
    return quote, ticket


def _sold_ticket(request, pk) -> Ticket:
    """A ticket sold at a desk (its order has a desk movement), for the cashier to print."""
    ticket = get_object_or_404(Ticket.objects.select_related("park", "order", "customer"), pk=pk)
    if not ticket.order_id or not Movement.objects.filter(order_id=ticket.order_id).exists():
        raise Http404
    return ticket


@never_cache
@staff_member_required
@permission_required("commerce.confirm_cash_payment", raise_exception=True)
def sold(request, pk):
    """The ticket just sold at the desk: its QR code and backup code on screen for the
    customer, with a link to the printable PDF."""
    ticket = _sold_ticket(request, pk)
    show_code = ticket.status == Ticket.Status.ACTIVE
    return render(
        request,
        "cashdesk/sold.html",
        {
            "ticket": ticket,
            "slot": ticket.park.slots.filter(code=ticket.slot).first() if ticket.slot else None,
            "show_code": show_code,
            "qr_svg": qr.qr_svg(ticket.qr_code) if show_code else "",
        },
    )


@never_cache
@staff_member_required
@permission_required("commerce.confirm_cash_payment", raise_exception=True)
def sold_pdf(request, pk):
    ticket = _sold_ticket(request, pk)
    if ticket.status != Ticket.Status.ACTIVE:
        raise Http404
    description = describer_for(ticket)(ticket)
    if description is None:
        raise Http404
    response = HttpResponse(ticket_pdf(description), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="skypark-ticket-{ticket.backup_code}.pdf"'
    return response


@never_cache
@staff_member_required
@permission_required("commerce.confirm_cash_payment", raise_exception=True)
@require_http_methods(["GET", "POST"])
def desk(request):
    shift = open_shift_for(request.user)
    action = request.POST.get("action", "")
    forms = {name: form_class(prefix=name) for name, form_class in FORMS.items()}
    forms["walkin"].initial = {"visit_date": timezone.localdate(), "how": "cash"}
    quote = None
    if request.method == "POST" and action == "walkin" and shift is None:
        # A sale needs an open shift: say so on the open-shift form.
        messages.error(request, _("Open a shift before selling."))
    if request.method == "POST" and action in FORMS and (shift is not None) != (action == "open"):
        form = FORMS[action](request.POST, prefix=action)
        forms[action] = form
        if action == "walkin":
            if form.is_valid():
                quote, sold = _walk_in(request, form, shift)
                if sold is not None:
                    return redirect("cashdesk:sold", sold.pk)
        elif form.is_valid():
            try:
                messages.success(request, _act(action, form.cleaned_data, shift, request.user))
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("cashdesk:desk")
    context = {"shift": shift, "forms": forms, "quote": quote, "report": shift_report(shift) if shift else None}
    if shift:
        context["movements"] = shift.movements.select_related("order", "fiscal").order_by("-created_at", "-pk")[:50]
    return render(request, "cashdesk/desk.html", context)
