"""Page views and purchase steps, recorded server-side (``WebEvent``).

``WebEventMiddleware`` writes, after the response is ready, the page view of a customer's
HTML page and the steps the views told (``skypark.core.webevents``), in one insert. It
records nothing for: methods other than GET/POST, answers that are not a 200 HTML page
(redirects after a step still record the step), the admin, the API, static files, members
of staff, crawlers, and visitors who ask not to be tracked (``Sec-GPC: 1`` or ``DNT: 1``).
A failure to record never fails the page.
"""

import hashlib
import hmac
import ipaddress
import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language

from skypark.core.client_ip import client_ip
from skypark.core.webevents import web_event_context_of, web_events_of

from .models import SyncState, WebEvent

logger = logging.getLogger(__name__)

SOURCE = "analytics.web_events"
SKIPPED_NAMESPACES = {"admin", "api", "gate", "desk"}
CRAWLER = re.compile(r"bot|crawl|spider|slurp|headless(?!chrome)|curl|wget|python-requests", re.I)
BROWSERS = (
    ("edge", re.compile(r"Edg/")),
    ("opera", re.compile(r"OPR/|Opera")),
    ("yandex", re.compile(r"YaBrowser/")),
    ("samsung", re.compile(r"SamsungBrowser/")),
    ("chrome", re.compile(r"Chrome/|CriOS/")),
    ("firefox", re.compile(r"Firefox/|FxiOS/")),
    ("safari", re.compile(r"Safari/")),
)


def ip_prefix(address: str) -> str:
    """The network the address belongs to: IPv4 /24, IPv6 /48 ("" when there is none)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    bits = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False).network_address)


def device_type(user_agent: str) -> str:
    if re.search(r"iPad|Tablet|Android(?!.*Mobile)", user_agent):
        return "tablet"
    if re.search(r"Mobi|iPhone|Android", user_agent):
        return "mobile"
    return "desktop" if user_agent else ""


def browser_family(user_agent: str) -> str:
    for name, pattern in BROWSERS:
        if pattern.search(user_agent):
            return name
    return "other" if user_agent else ""


def visitor_key(*, day, prefix: str, user_agent: str) -> str:
    """A keyed hash of the day, the network and the browser: the same visitor on one day,
    unlinkable across days and unreadable without the secret key."""
    message = f"{day.isoformat()}|{prefix}|{user_agent}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:16]


def _referrer(request) -> str:
    raw = request.META.get("HTTP_REFERER") or ""
    try:
        parts = urlsplit(raw)
    except ValueError:
        return ""
    if not parts.netloc:
        return ""
    if parts.netloc == request.get_host():
        return parts.path[:200]  # our own page: where in the site
    return parts.hostname[:200] if parts.hostname else ""  # another site: only its name


def _recordable(request) -> bool:
    if request.method not in ("GET", "POST"):
        return False
    match = getattr(request, "resolver_match", None)
    if match is None or SKIPPED_NAMESPACES & set(match.namespaces):
        return False
    if request.path.startswith(("/admin/", "/api/", "/static/", "/media/")):
        return False
    if request.headers.get("Sec-GPC") == "1" or request.headers.get("DNT") == "1":
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return False
    return not CRAWLER.search(request.headers.get("User-Agent", ""))


def _is_page(response) -> bool:
    return (
        response.status_code == 200
        and not getattr(response, "streaming", False)
        and response.get("Content-Type", "").startswith("text/html")
    )


def web_events_record(request, response) -> int:
    """Writes the request's page view and steps; returns how many rows."""
    steps = web_events_of(request)
    page = request.method == "GET" and _is_page(response)
    if not (steps or page) or not _recordable(request):
        return 0
    now = timezone.now()
    agent = request.headers.get("User-Agent", "")[:500]
    prefix = ip_prefix(client_ip(request))
    user = getattr(request, "user", None)
    common = {
        "user_id": user.pk if user is not None and user.is_authenticated else None,
        "visitor": visitor_key(day=now.date(), prefix=prefix, user_agent=agent),
        "route": request.resolver_match.view_name[:100],
        "path": request.path[:300],
        "referrer": _referrer(request),
        "language": (get_language() or "")[:8],
        "device_type": device_type(agent),
        "browser": browser_family(agent),
        "ip_prefix": prefix,
        "created_at": now,
    }
    rows = []
    if page:
        context = web_event_context_of(request)
        rows.append(WebEvent(kind=WebEvent.Kind.PAGE_VIEW, product=context.get("product", "")[:20], **common))
    rows.extend(WebEvent(**common, **step) for step in steps)
    try:
        with transaction.atomic():
            WebEvent.objects.bulk_create(rows)
    except DatabaseError:
        logger.warning("analytics: web events not recorded", exc_info=True)
        return 0
    return len(rows)


class WebEventMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.ANALYTICS_WEB_EVENTS:
            web_events_record(request, response)
        return response


def web_events_purge(*, now=None) -> int:
    """Deletes the web events older than ``ANALYTICS_WEB_EVENTS_KEEP_DAYS`` that the store
    already holds (never one the sync has not reached); returns how many."""
    now = now or timezone.now()
    state = SyncState.objects.filter(source=SOURCE).first()
    if state is None or state.watermark_at is None:
        return 0
    synced = Q(created_at__lt=state.watermark_at) | Q(created_at=state.watermark_at, pk__lte=state.watermark_pk)
    old = Q(created_at__lt=now - timedelta(days=settings.ANALYTICS_WEB_EVENTS_KEEP_DAYS))
    deleted, _ = WebEvent.objects.filter(synced & old).delete()
    return deleted
