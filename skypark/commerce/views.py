"""Customer pages of the checkout, and the endpoints providers call."""

import logging

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from skypark.core.errors import DomainError, NotFound

from . import selectors
from .errors import BadSignature
from .forms import PaymentChoiceForm, SandboxCardForm
from .items import order_items, orders_items
from .models import Order, Payment
from .providers import sandbox
from .providers import stripe as stripe_provider
from .qr import qr_svg
from .receipts import PDF_MIMETYPE, order_receipt_pdf
from .services import payment_start

logger = logging.getLogger(__name__)


def _customer_order(request, reference):
    try:
        return selectors.order_get(reference=reference, customer=request.user)
    except NotFound:
        raise Http404


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def order_pay(request, reference):
    order = _customer_order(request, reference)
    form = PaymentChoiceForm(request.POST or None)
    if request.method == "POST" and order.is_payable and form.is_valid():
        provider, method = form.provider_and_method()
        try:
            _payment, action = payment_start(
                order=order,
                provider=provider,
                method=method,
                actor=request.user,
                return_url=reverse("commerce:order-result", args=[order.reference]),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(action.redirect_url)
    return render(request, "commerce/order_pay.html", {"order": order, "form": form})


@never_cache
@login_required
def order_result(request, reference):
    """After paying (or coming back from the provider): what happened, what was bought
    and where to find it, and the next step when the order is not paid."""
    order = _customer_order(request, reference)
    payments = list(order.payments.all())
    payment = payments[0] if payments else None  # newest first
    waiting = order.is_payable and payment is not None and payment.status == Payment.Status.PROCESSING
    refreshing = waiting and request.GET.get("refresh") != "off"
    qr_payload = payment.metadata.get("qr_payload") if waiting else ""
    response = render(
        request,
        "commerce/order_result.html",
        {
            "order": order,
            "payment": payment,
            "items": order_items(order).items,
            "qr_block": qr_svg(qr_payload) if qr_payload else "",
            "refreshing": refreshing,
            "refresh_seconds": RESULT_REFRESH_SECONDS,
        },
    )
    if refreshing:
        # Reloads without JavaScript until the provider answers; the page offers a link
        # that stops it (an HTTP header, not a meta tag, so it can be switched off).
        response["Refresh"] = str(RESULT_REFRESH_SECONDS)
    return response


ORDERS_PER_PAGE = 20
RESULT_REFRESH_SECONDS = 5


@never_cache
@login_required
def order_list(request):
    """My orders: every purchase across parks, events and courses, newest first."""
    page = Paginator(selectors.order_list(customer=request.user), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "commerce/order_list.html", {"page": page, "entries": orders_items(page.object_list)})


@never_cache
@login_required
def order_receipt(request, reference):
    order = _customer_order(request, reference)
    if order.status not in Order.PAID_STATUSES:
        raise Http404
    response = HttpResponse(order_receipt_pdf(order), content_type=PDF_MIMETYPE)
    response["Content-Disposition"] = f'inline; filename="receipt-{order.reference}.pdf"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def sandbox_page(request, token):
    """The sandbox acquirer's hosted card page. Anyone holding the signed token may pay,
    as with a real acquirer's payment link; the token expires after an hour."""
    try:
        payment_id = sandbox.page_token_read(token)
    except BadSignature:
        raise Http404
    payment = Payment.objects.select_related("order").filter(pk=payment_id, provider="sandbox").first()
    if payment is None:
        raise Http404
    return_url = payment.metadata.get("return_url") or reverse("commerce:order-result", args=[payment.order.reference])
    is_open = payment.status in Payment.OPEN_STATUSES
    form = SandboxCardForm(request.POST or None)
    if request.method == "POST" and is_open and form.is_valid():
        body, header = sandbox.callback_build(payment, form.outcome)
        try:
            sandbox.callback_deliver(body, header)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(return_url)
    return render(
        request,
        "commerce/sandbox_page.html",
        {"payment": payment, "form": form, "is_open": is_open, "return_url": return_url},
    )


def _json_error(exc: DomainError, status=None):
    return JsonResponse({"error": exc.as_dict()}, status=status or exc.status_code)


@csrf_exempt
@require_POST
def sandbox_callback(request):
    """Server-to-server callback of the sandbox acquirer (``X-Sandbox-Signature``)."""
    try:
        payment = sandbox.callback_handle(request.body, request.headers.get("X-Sandbox-Signature", ""))
    except BadSignature as exc:
        logger.warning("Refused a sandbox callback: %s", exc.code)
        return _json_error(exc, 400)
    except DomainError as exc:
        return _json_error(exc)
    return JsonResponse({"payment": payment.pk, "status": payment.status})


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's webhook (``Stripe-Signature``). Unknown events get 200 so Stripe stops
    retrying them; a bad signature gets 400."""
    try:
        event = stripe_provider.webhook_event(request.body, request.headers.get("Stripe-Signature", ""))
    except BadSignature as exc:
        logger.warning("Refused a Stripe webhook: %s", exc.code)
        return _json_error(exc, 400)
    try:
        outcome = stripe_provider.webhook_handle(event)
    except DomainError as exc:
        return _json_error(exc)
    return JsonResponse({"received": True, "outcome": outcome})
