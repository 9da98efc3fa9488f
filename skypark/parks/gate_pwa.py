"""What makes the gate page an installable offline app: its strings and settings for the
script, the web app manifest and the service worker (served under the page's own path,
so that it may control the page)."""

import json

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Park

ASSETS = (
    "js/gate/gate.js",
    "js/gate/rules.js",
    "js/gate/store.js",
    "js/vendor/jsQR.js",
    "js/vendor/noble-ed25519.js",
    "css/site.css",
)
VERSION = "2"
API = "/api/v1/parks/gate/"  # the API is not under a language prefix


def gate_strings() -> dict:
    return {
        "online": _("Online"),
        "offline": _("Offline: deciding on this device"),
        "waiting": _("Scans waiting to sync: %(n)s"),
        "pack": _("Offline data: %(n)s tickets, from %(time)s"),
        "no_pack": _("No offline data yet."),
        "revoked": _("This device was revoked; its offline data was wiped."),
        "admitted": _("ADMITTED"),
        "exited": _("LEFT"),
        "refused": _("REFUSED"),
        "visitors": _("Visitors: %(n)s."),
        "decided_offline": _("decided offline"),
        "guardian_with": _("With %(name)s."),
        "reasons": {
            "forged": _("This code is not genuine."),
            "unknown_key": _("This code is signed by a key the park does not know."),
            "unknown": _("No ticket has this code."),
            "wrong_park": _("This ticket is for another park."),
            "wrong_date": _("This ticket is for another day."),
            "expired": _("This ticket has expired."),
            "cancelled": _("This ticket was cancelled."),
            "already_used": _("This ticket has already been used."),
            "not_inside": _("This ticket is not inside the park."),
            "wrong_time": _("This ticket is for another time of day."),
            "needs_online": _("This older code can be checked only online: type the backup code."),
            "no_pack": _("No offline data on this device: the code cannot be checked."),
            "pack_expired": _("The offline data has expired: connect to the network."),
            "guardian_required": _("Choose the adult who is with the children."),
            "guardian_not_listed": _("This adult is not on the ticket's list: the children cannot leave with them."),
        },
    }


def gate_config(request) -> dict:
    return {
        "staff": request.user.pk,
        "parks": {str(pk): slug for pk, slug in Park.objects.active().values_list("pk", "slug")},
        "urls": {
            "register": API + "devices/",
            "pack": API + "pack/",
            "scans": API + "scans/",
            "admit": API + "admit/",
            "sw": reverse("parks:gate-sw"),
            "jsqr": static("js/vendor/jsQR.js"),
            "noble": static("js/vendor/noble-ed25519.js"),
        },
    }


@staff_member_required
def gate_service_worker(request):
    body = render_to_string(
        "parks/gate_sw.js",
        {"version": VERSION, "page": reverse("parks:gate"), "assets": json.dumps([static(a) for a in ASSETS])},
    )
    response = HttpResponse(body, content_type="application/javascript")
    response["Service-Worker-Allowed"] = reverse("parks:gate")
    response["Cache-Control"] = "no-cache"
    return response


def gate_manifest(request):
    return JsonResponse(
        {
            "name": _("Sky Park gate"),
            "short_name": _("Gate"),
            "start_url": reverse("parks:gate"),
            "scope": reverse("parks:gate"),
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1f5fa8",
            "icons": [{"src": static("images/logo.svg"), "sizes": "any", "type": "image/svg+xml"}],
        },
        content_type="application/manifest+json",
    )
