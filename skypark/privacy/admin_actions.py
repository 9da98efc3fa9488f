"""The "Download personal data" action on the customer admin."""

import json

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .services import personal_data_export_by_staff

EXPORT_PERMISSION = "privacy.export_personal_data"
MAX_CUSTOMERS = 50


@admin.action(description=_("Download personal data"))
def download_personal_data(modeladmin, request, queryset):
    if not request.user.has_perm(EXPORT_PERMISSION):
        modeladmin.message_user(request, _("You are not allowed to download customers' personal data."), messages.ERROR)
        return None
    users = list(queryset.order_by("pk")[: MAX_CUSTOMERS + 1])
    if len(users) > MAX_CUSTOMERS:
        modeladmin.message_user(
            request, _("Select at most %(count)d customers at a time.") % {"count": MAX_CUSTOMERS}, messages.ERROR
        )
        return None
    data = personal_data_export_by_staff(staff=request.user, users=users)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    name = f"personal-data-{users[0].pk}" if len(users) == 1 else f"personal-data-{len(users)}-customers"
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.json"'
    response["Cache-Control"] = "no-store"
    return response
