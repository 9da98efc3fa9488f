"""Pages and endpoints of the bank and wallet gateways: the notification endpoint each
gateway calls, the simulator page that stands in for a bank app while a gateway has no
credentials, and the cashier's ELQR screen."""

import logging

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from skypark.core.errors import DomainError

from .elqr import payload as elqr_payload
from .errors import BadSignature
from .models import Order, Payment, SimulatedPayment
from .providers import load_provider
from .providers import simulator as simulators
from .providers.gateway import SIGNATURE_HEADER, GatewayProvider
from .qr import qr_svg
from .services import payment_start
from .settling import notification_handle

logger = logging.getLogger(__name__)

OUTCOMES = {"paid": ("paid", True), "failed": ("failed", True), "paid_silent": ("paid", False)}


def _gateway_or_404(name) -> GatewayProvider:
    try:
        provider = load_provider(name)
    except DomainError:
        raise Http404
    if not isinstance(provider, GatewayProvider):
        raise Http404
    return provider


@csrf_exempt
@require_POST
def gateway_notify(request, provider):
    """A gateway's signed notification (``X-Signature``). 400 for a bad, stale or
    unmatched one, 409 for a replay; 200 with the payment's status otherwise."""
    _gateway_or_404(provider)
    try:
        payment = notification_handle(provider, request.body, request.headers.get(SIGNATURE_HEADER, ""))
    except BadSignature as exc:
        logger.warning("Refused a %s notification: %s", provider, exc.code)
        return JsonResponse({"error": exc.as_dict()}, status=409 if exc.code == "replayed" else 400)
    except DomainError as exc:
        return JsonResponse({"error": exc.as_dict()}, status=exc.status_code)
    return JsonResponse({"payment": payment.pk, "status": payment.status})


@never_cache
@require_http_methods(["GET", "POST"])
def gateway_simulator(request, provider, reference):
    """The simulator of a gateway: what the bank's page or app would show. Anyone holding
    the reference may pay, as with a real payment link."""
    backend = _gateway_or_404(provider)
    if not backend.simulated:
        raise Http404
    remote = SimulatedPayment.objects.filter(provider=provider, reference=reference).first()
    if remote is None:
        raise Http404
    payment = Payment.objects.select_related("order").filter(provider=provider, external_id=reference).first()
    error = ""
    if request.method == "POST" and remote.status == SimulatedPayment.Status.CREATED:
        outcome, notify = OUTCOMES.get(request.POST.get("outcome"), ("", False))
        if outcome:
            try:
                simulators.simulate(backend, remote, outcome, notify=notify)
            except DomainError as exc:
                error = exc.message
            else:
                return redirect(remote.return_url or "/")
    return render(
        request,
        "commerce/gateway_simulator.html",
        {
            "provider": backend,
            "remote": remote,
            "payment": payment,
            "is_open": remote.status == SimulatedPayment.Status.CREATED,
            "as_app": request.GET.get("app") == "1",
            "qr": qr_svg(payment.metadata["qr_payload"]) if payment and payment.metadata.get("qr_payload") else "",
            "error": error,
        },
    )


TILL_DEFAULT = "DESK1"


def _till(request) -> str:
    till = "".join(ch for ch in (request.GET.get("till") or TILL_DEFAULT).upper() if ch.isalnum())
    return till[:25] or TILL_DEFAULT


@never_cache
@staff_member_required
@permission_required("commerce.confirm_cash_payment", raise_exception=True)
@require_http_methods(["GET", "POST"])
def cashier_elqr(request):
    """The cashier's screen: a dynamic ELQR code for an order the customer pays at the
    desk (the same checkout), and the till's static code (``?till=``) below, which a
    customer scans and types the amount into."""
    reference = (request.POST.get("order") or request.GET.get("order") or "").strip().upper().replace(" ", "")
    order = Order.objects.filter(reference=reference).first() if reference else None
    payment, error = None, ""
    if request.method == "POST" and order is not None:
        try:
            payment, _action = payment_start(
                order=order,
                provider="elqr",
                method="elqr",
                actor=request.user,
                return_url=reverse("commerce:cashier-elqr") + f"?order={order.reference}&till={_till(request)}",
            )
        except DomainError as exc:
            error = exc.message
        else:
            return redirect(reverse("commerce:cashier-elqr") + f"?order={order.reference}&till={_till(request)}")
    elif order is not None:
        payment = order.payments.filter(provider="elqr").order_by("-pk").first()
    elif reference:
        error = "not_found"
    return render(
        request,
        "commerce/cashier_elqr.html",
        {
            "order": order,
            "payment": payment,
            "reference": reference,
            "error": error,
            "qr": qr_svg(payment.metadata["qr_payload"]) if payment and payment.metadata.get("qr_payload") else "",
            "till": (till := _till(request)),
            "till_qr": qr_svg(elqr_payload.static_payload(terminal=till)),
        },
    )
