"""E-mail bounces reported by the mail provider, recorded on the notification.

The format is the platform's own, provider-neutral one (a relay such as Postmark, SES via
SNS or Mailgun is configured, or fronted by a small forwarder, to post it):

``POST /notify/bounces/`` with a JSON body, one report or ``{"events": [...]}`` of up to
100 reports::

    {"id": "bnc_81c2",                      # the provider's id of the report
     "type": "bounce",                      # "bounce" or "complaint"
     "notification": "4711",                # the X-Skypark-Notification header of the e-mail
     "email": "anna@example.com",           # the address that bounced
     "bounce_type": "permanent",            # "permanent" or "transient"
     "diagnostic": "550 5.1.1 user unknown"}

signed as the platform's outgoing webhooks are: ``X-Skypark-Signature: t=<unix time>,
v1=<hex HMAC-SHA256 of "<t>.<raw body>" with EMAIL_BOUNCE_WEBHOOK_SECRET>``, refused when
``t`` is more than five minutes from now. Every e-mail the platform sends carries its
notification's id in the ``X-Skypark-Notification`` header, which the report echoes;
a report without it is matched to the latest e-mail sent to ``email``.

A permanent bounce or a complaint makes the notification ``bounced`` with the diagnostic
in ``last_error``; a transient one only notes the diagnostic (the relay retries it).
Recording is idempotent: a report delivered twice changes nothing the second time.
"""

import hashlib
import hmac
import json
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skypark.audit.services import audit_log
from skypark.core.errors import DomainError

from .models import Notification

SIGNATURE_HEADER = "X-Skypark-Signature"
TOLERANCE_SECONDS = 300
MAX_REPORTS = 100
PERMANENT = {"permanent", "hard"}
TYPES = {"bounce", "complaint"}


class BounceSignatureInvalid(DomainError):
    code = "bad_signature"
    default_message = _("The signature is missing, wrong or too old.")


class BounceReportInvalid(DomainError):
    code = "invalid_report"
    default_message = _("The bounce report is not valid.")


def signature_for(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def signature_check(body: bytes, header: str, *, now=None) -> None:
    secret = settings.EMAIL_BOUNCE_WEBHOOK_SECRET
    if not secret:
        raise BounceSignatureInvalid(_("Bounce reports are not configured."))
    parts = {}
    for item in (header or "").split(","):
        key, _sep, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts.get("t", [""])[0])
    except ValueError:
        raise BounceSignatureInvalid()
    if abs((now or time.time()) - timestamp) > TOLERANCE_SECONDS:
        raise BounceSignatureInvalid()
    expected = signature_for(secret, timestamp, body).split("v1=")[1]
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise BounceSignatureInvalid()


def reports_parse(body: bytes) -> list[dict]:
    """The reports of a body, checked for shape (``BounceReportInvalid`` names the field)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BounceReportInvalid(_("The body is not JSON."))
    reports = data.get("events") if isinstance(data, dict) and "events" in data else [data]
    if not isinstance(reports, list) or not reports or len(reports) > MAX_REPORTS:
        raise BounceReportInvalid(_("Send between 1 and 100 reports."), details={"field": "events"})
    for report in reports:
        if not isinstance(report, dict):
            raise BounceReportInvalid(details={"field": "events"})
        for field in ("id", "type"):
            if not isinstance(report.get(field), str) or not report[field]:
                raise BounceReportInvalid(
                    _("The field %(field)s is required.") % {"field": field}, details={"field": field}
                )
        if report["type"] not in TYPES:
            raise BounceReportInvalid(_("Unknown report type."), details={"field": "type"})
        if not str(report.get("notification") or "").isdigit() and not report.get("email"):
            raise BounceReportInvalid(
                _("A report names the notification or the e-mail address."), details={"field": "notification"}
            )
    return reports


def _notification_for(report) -> Notification | None:
    emails = Notification.objects.filter(channel=Notification.Channel.EMAIL)
    number = str(report.get("notification") or "")
    if number.isdigit():
        found = emails.filter(pk=int(number)).first()
        if found is not None:
            return found
    address = str(report.get("email") or "").strip()
    if not address:
        return None
    return (
        emails.filter(to_address__iexact=address, status__in=[Notification.Status.SENT, Notification.Status.BOUNCED])
        .order_by("-sent_at", "-pk")
        .first()
    )


def bounce_record(report: dict) -> str:
    """Applies one checked report; returns ``bounced``, ``noted``, ``already`` or
    ``unknown_notification``. Locks the notification row."""
    with transaction.atomic():
        found = _notification_for(report)
        if found is None:
            return "unknown_notification"
        notification = Notification.objects.select_for_update().get(pk=found.pk)
        diagnostic = str(report.get("diagnostic") or report.get("bounce_type") or report["type"])[:500]
        note = f"{report['type']} {report['id']}: {diagnostic}"
        permanent = report["type"] == "complaint" or str(report.get("bounce_type", "permanent")).lower() in PERMANENT
        if notification.status == Notification.Status.BOUNCED or note == notification.last_error:
            return "already"
        fields = {"last_error": note, "updated_at": timezone.now()}
        if permanent:
            fields["status"] = Notification.Status.BOUNCED
        Notification.objects.filter(pk=notification.pk).update(**fields)
        audit_log(
            actor="provider:mail",
            action="notify.notification.bounced" if permanent else "notify.notification.bounce_noted",
            obj=notification,
            data={"report": report["id"], "diagnostic": diagnostic},
        )
        return "bounced" if permanent else "noted"


def bounces_receive(body: bytes, header: str) -> list[dict]:
    """Checks the signature and the shape, then records every report."""
    signature_check(body, header)
    return [{"id": report["id"], "outcome": bounce_record(report)} for report in reports_parse(body)]
