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
from django.views.decorators.http import require_http_methods, require_POST

from skypark.commerce import qr
from skypark.core.errors import DomainError
from skypark.core.scanner import ScannerView

from . import selectors, services
from .forms import BuyForm, GateForm
from .models import Park, Ticket


def park_list(request):
    search = request.GET.get("q", "").strip()[:100]
    parks = selectors.park_list(search=search)
    return render(request, "parks/park_list.html", {"parks": parks, "q": search})


@require_http_methods(["GET", "POST"])
def park_detail(request, slug):
    try:
        park = selectors.park_get(slug=slug)
    except Park.DoesNotExist:
        raise Http404
    form = BuyForm(request.POST or None, park=park, customer=request.user)
    quote = availability = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        if form.is_valid():
            data = form.cleaned_data
            try:
                if "quote" in request.POST:
                    availability = selectors.availability(park=park, day=data["visit_date"], slot=data["slot"] or "")
                    quote = services.price_quote(
                        park=park, visit_date=data["visit_date"], visitors=form.visitors(), customer=request.user
                    )
                else:
                    ticket = services.ticket_order_create(
                        customer=request.user,
                        park=park,
                        visit_date=data["visit_date"],
                        slot=data["slot"] or "",
                        visitors=form.visitors(),
                    )
                    return redirect("commerce:order-pay", ticket.order.reference)
            except DomainError as exc:
                form.add_error(None, exc.message)
    return render(
        request,
        "parks/park_detail.html",
        {"park": park, "form": form, "quote": quote, "availability": availability},
    )


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
    return render(request, "parks/ticket_detail.html", {"ticket": ticket, "qr_svg": svg, "show_code": show_code})


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


@login_required
@require_POST
def ticket_cancel(request, pk):
    ticket = _my_ticket(request, pk)
    try:
        services.ticket_order_cancel(ticket=ticket, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The order was cancelled."))
    return redirect("parks:ticket-list")


class GateView(ScannerView):
    """The gate staff page: a typed, pasted or scanner-typed code gets a big verdict.
    The park and gate stay selected between scans."""

    title = gettext_lazy("Gate")
    form_class = GateForm
    permission = "parks.change_ticket"
    remember = ("park", "gate")
    template_name = "parks/gate.html"

    def scan(self, data):
        return services.ticket_admit(code=data["code"], park=data["park"], gate=data["gate"], staff=self.request.user)


gate = GateView.as_view()
