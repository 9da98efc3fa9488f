"""Customer pages (parks, buying, my tickets) and the staff gate page. No JavaScript
needed: every action is a plain form post."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from skypark.commerce import qr
from skypark.commerce.cancelling import cancelled_message, order_lines_for
from skypark.commerce.purchase import PurchaseView
from skypark.core.errors import DomainError
from skypark.core.scanner import ScannerView

from . import cancelling, gate_pwa, selectors, services
from .forms import BuyForm, GateForm
from .models import Park, Ticket


def park_list(request):
    search = request.GET.get("q", "").strip()[:100]
    parks = selectors.park_list(search=search)
    return render(request, "parks/park_list.html", {"parks": parks, "q": search})


class ParkBuyView(PurchaseView):
    """The park page: price and places for a date and children's ages, then buying."""

    template_name = "parks/park_detail.html"
    form_class = BuyForm
    subject_name = "park"

    def get_subject(self, slug):
        try:
            return selectors.park_get(slug=slug)
        except Park.DoesNotExist:
            raise Http404

    def get_form_kwargs(self):
        return {"park": self.subject, "customer": self.request.user, "placing": self.is_placing()}

    def quote(self, form):
        data, visitors = form.cleaned_data, form.visitors()
        return {
            "availability": selectors.availability(
                park=self.subject, day=data["visit_date"], slot=data["slot"] or "", visitors=len(visitors)
            ),
            "quote": services.price_quote(
                park=self.subject, visit_date=data["visit_date"], visitors=visitors, customer=self.request.user
            ),
        }

    def place(self, form):
        data = form.cleaned_data
        return services.ticket_order_create(
            customer=self.request.user,
            park=self.subject,
            visit_date=data["visit_date"],
            slot=data["slot"] or "",
            visitors=form.visitors(),
        )

    def placed_url(self, ticket):
        return reverse("parks:ticket-detail", args=[ticket.pk])


park_detail = ParkBuyView.as_view()


@login_required
def ticket_list(request):
    tickets = selectors.ticket_list(customer=request.user)
    return render(request, "parks/ticket_list.html", {"tickets": tickets})


def _my_ticket(request, pk) -> Ticket:
    try:
        return selectors.ticket_get(customer=request.user, pk=pk)
    except Ticket.DoesNotExist:
        raise Http404


@never_cache
@login_required
def ticket_detail(request, pk):
    ticket = _my_ticket(request, pk)
    show_code = ticket.status == Ticket.Status.ACTIVE
    svg = qr.qr_svg(ticket.qr_code) if show_code else ""
    lines = order_lines_for(order=ticket.order, item=ticket) if ticket.order_id else []
    refunded = sum(line.refunded_amount for line in lines)
    return render(
        request,
        "parks/ticket_detail.html",
        {
            "ticket": ticket,
            "qr_svg": svg,
            "show_code": show_code,
            "refunded": refunded,
            "can_cancel": bool(ticket.order_id) and not cancelling.ticket_cancel_refusal(ticket),
        },
    )


@never_cache
@login_required
def ticket_qr_png(request, pk):
    ticket = _my_ticket(request, pk)
    if ticket.status != Ticket.Status.ACTIVE:
        raise Http404
    response = HttpResponse(qr.qr_png(ticket.qr_code), content_type="image/png")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="skypark-ticket-{ticket.backup_code}.png"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def ticket_cancel(request, pk):
    """GET shows what cancelling gives back now under the park policy; POST cancels.
    A ticket already cancelled (a second click) goes to its page, refunding nothing."""
    ticket = _my_ticket(request, pk)
    if ticket.order_id is None:
        raise Http404
    done = (Ticket.Status.CANCELLED, Ticket.Status.REFUNDED, Ticket.Status.PARTIALLY_REFUNDED)
    if request.method == "POST" and ticket.status in done:
        messages.info(request, _("This ticket is already cancelled."))
        return redirect("parks:ticket-detail", ticket.pk)
    if request.method == "POST":
        try:
            ticket = cancelling.ticket_cancel(ticket=ticket, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("parks:ticket-detail", ticket.pk)
        if ticket.status == Ticket.Status.CANCELLED and ticket.order.paid_at is None:
            messages.success(request, _("The order was cancelled."))
            return redirect("parks:ticket-list")
        ticket.order.refresh_from_db()
        refunded = sum(line.refunded_amount for line in order_lines_for(order=ticket.order, item=ticket))
        messages.success(request, cancelled_message(refunded, ticket.order.currency))
        return redirect("parks:ticket-detail", ticket.pk)
    return render(
        request,
        "parks/ticket_cancel.html",
        {
            "heading": _("Cancel ticket %(code)s") % {"code": ticket.backup_code_display},
            "ticket": ticket,
            "quote": cancelling.ticket_refund_quote(ticket=ticket),
            "refusal": cancelling.ticket_cancel_refusal(ticket),
            "back_url": reverse("parks:ticket-detail", args=[ticket.pk]),
        },
    )


class GateView(ScannerView):
    """The gate staff page: a typed, pasted or scanner-typed code gets a big verdict.
    The park and gate stay selected between scans."""

    title = gettext_lazy("Gate")
    form_class = GateForm
    permission = "parks.change_ticket"
    remember = ("park", "gate")
    template_name = "parks/gate.html"

    def extra_context(self):
        return {"gate_strings": gate_pwa.gate_strings(), "gate_config": gate_pwa.gate_config(self.request)}

    def scan(self, data):
        return services.ticket_admit(code=data["code"], park=data["park"], gate=data["gate"], staff=self.request.user)


gate = GateView.as_view()
