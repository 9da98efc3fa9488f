"""Customer pages of the loyalty network: the personal QR card with balance, tier and
progress, the points history and coupons. No JavaScript needed: without it the card's
rotating code is renewed by a "Show a new code" link; with it ``static/js/card-code.js``
swaps the card section in place at the next time step. There is no meta refresh: a page
reloading itself every minute sends a screen reader back to the top (WCAG 2.2.1). The
referral code is a plain form post."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from skypark.commerce import qr
from skypark.core.errors import DomainError

from . import selectors, services
from .forms import ReferralForm
from .offers.selectors import offers_for_customer


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def card(request):
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_register(referred=request.user, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            messages.success(request, _("Thank you! You both get a bonus after your first purchase."))
            return redirect("loyalty:card")
    summary = selectors.loyalty_summary(customer=request.user)
    card_code = services.card_code_for(request.user)
    context = {
        "summary": summary,
        "spendable": services.spendable_points(request.user),
        "card_code": card_code,
        # A form answered with errors is not renewed under the customer's eyes.
        "refresh_seconds": None if form.errors else card_code.refresh_seconds,
        "qr_svg": qr.qr_svg(card_code.payload),
        "referral_code": services.referral_code_get(customer=request.user).code,
        "form": form,
        "entries": selectors.entry_list(customer=request.user)[:5],
        "coupons": selectors.coupon_list_for(customer=request.user)[:20],
        "offers": offers_for_customer(customer=request.user),
    }
    return render(request, "loyalty/card.html", context)


@never_cache
@login_required
def card_png(request):
    response = HttpResponse(qr.qr_png(services.card_code_for(request.user).payload), content_type="image/png")
    if request.GET.get("download"):
        response["Content-Disposition"] = 'attachment; filename="skypark-card.png"'
    return response


@login_required
def history(request):
    page = Paginator(selectors.entry_list(customer=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "loyalty/history.html", {"page": page})
