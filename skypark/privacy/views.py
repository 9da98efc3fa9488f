"""Customer pages: download one's personal data, ask for erasure."""

import json

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, services
from .forms import ErasureConfirmForm


@never_cache
@login_required
@require_GET
def my_data(request):
    return render(
        request,
        "privacy/my_data.html",
        {"erasure": selectors.erasure_request_latest(user=request.user)},
    )


def personal_data_response(user):
    data = selectors.personal_data_export(user=user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{selectors.personal_data_filename(user=user)}"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_GET
def my_data_download(request):
    return personal_data_response(request.user)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def erasure_confirm(request):
    open_request = selectors.erasure_request_open(user=request.user)
    if open_request is not None:
        return redirect("privacy:my-data")
    form = ErasureConfirmForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        erasure = services.erasure_request_create(user=request.user)
        if erasure.status == erasure.Status.AWAITING_APPROVAL:
            return redirect("privacy:my-data")
        logout(request)
        return redirect("privacy:erasure-done")
    return render(
        request,
        "privacy/erasure_confirm.html",
        {"form": form, "blockers": services.erasure_blockers(user=request.user)},
    )


@require_GET
def erasure_done(request):
    return render(request, "privacy/erasure_done.html")
