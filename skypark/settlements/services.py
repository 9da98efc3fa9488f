"""Importing a provider's settlement report and reconciling it with our payments.

``report_import`` reads the file in the provider's format (``formats``), refuses a file
already imported (same checksum), and matches every line in one transaction:

- by reference: the payment of that provider whose ``external_id`` is the line's
  reference (``unmatched`` if none);
- then the amounts: gross must be the payment's amount in its currency, the fee what
  the contract says (``SETTLEMENT_FEE_PERCENT[provider]`` of gross, rounded half up to
  the tyiyn) and net = gross − fee; the payment must be one we hold as paid (completed
  or refunded later). Any disagreement makes the line ``mismatched`` with the reason.

Then every payment of that provider completed on the report's day (Asia/Bishkek) that
no line names is added as a ``missing`` line: money we were told about but that the
provider does not settle. ``line_resolve`` and ``line_ignore`` are the staff's actions,
``report_rematch`` matches the open lines again (after a payment was settled late).
"""

import datetime
import hashlib
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.audit.services import audit_log
from skypark.commerce.models import Payment
from skypark.core.errors import Conflict

from . import formats
from .models import SettlementLine, SettlementReport

PAID = (Payment.Status.COMPLETED, Payment.Status.REFUNDED)


class ReportAlreadyImported(Conflict):
    code = "report_already_imported"
    default_message = _("This file was already imported.")


def expected_fee(provider, gross: Decimal) -> Decimal:
    percent = Decimal(str(settings.SETTLEMENT_FEE_PERCENT.get(provider, "0")))
    return (gross * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _problems(line, payment, provider) -> list[str]:
    problems = []
    if payment.status not in PAID:
        problems.append(_("the payment is %(status)s here") % {"status": payment.get_status_display()})
    if line.currency != payment.currency:
        problems.append(_("currency %(theirs)s, ours %(ours)s") % {"theirs": line.currency, "ours": payment.currency})
    if line.gross != payment.amount:
        problems.append(_("gross %(theirs)s, ours %(ours)s") % {"theirs": line.gross, "ours": payment.amount})
    fee = expected_fee(provider, line.gross)
    if line.fee != fee:
        problems.append(_("fee %(theirs)s, the contract gives %(ours)s") % {"theirs": line.fee, "ours": fee})
    if line.net != line.gross - line.fee:
        problems.append(_("net %(net)s is not gross less fee") % {"net": line.net})
    return problems


def _match(line, provider):
    payment = Payment.objects.filter(provider=provider, external_id=line.reference).first() if line.reference else None
    line.payment = payment
    if payment is None:
        line.status, line.problem = SettlementLine.Status.UNMATCHED, _("no payment of ours has this reference")
        return line
    problems = _problems(line, payment, provider)
    line.status = SettlementLine.Status.MISMATCHED if problems else SettlementLine.Status.MATCHED
    line.problem = "; ".join(problems)[:255]
    return line


def _day_bounds(day):
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), tz)
    return start, start + datetime.timedelta(days=1)


@transaction.atomic
def report_import(*, provider, report_date, content: bytes, file_name="", actor=None) -> SettlementReport:
    rows = formats.read(provider, content)
    digest = hashlib.sha256(content).hexdigest()
    if SettlementReport.objects.filter(provider=provider, sha256=digest).exists():
        raise ReportAlreadyImported()
    report = SettlementReport.objects.create(
        provider=provider, report_date=report_date, file_name=file_name[:255], sha256=digest, imported_by=actor
    )
    lines = [
        _match(
            SettlementLine(
                report=report,
                line_number=row.line_number,
                reference=row.reference,
                gross=row.gross,
                fee=row.fee,
                net=row.net,
                currency=row.currency,
            ),
            provider,
        )
        for row in rows
    ]
    SettlementLine.objects.bulk_create(lines)
    named = {line.payment_id for line in lines if line.payment_id}
    start, end = _day_bounds(report_date)
    missing = (
        Payment.objects.filter(provider=provider, status__in=PAID, processed_at__gte=start, processed_at__lt=end)
        .exclude(pk__in=named)
        .order_by("pk")
    )
    SettlementLine.objects.bulk_create(
        SettlementLine(
            report=report,
            reference=payment.external_id,
            gross=payment.amount,
            currency=payment.currency,
            payment=payment,
            status=SettlementLine.Status.MISSING,
            problem=_("confirmed to us but not in the provider's report"),
        )
        for payment in missing
    )
    audit_log(
        actor=actor,
        action="settlements.report.imported",
        obj=report,
        data={status: report.lines.filter(status=status).count() for status in SettlementLine.Status.values},
    )
    return report


def _close(line, status, *, actor, note):
    line = SettlementLine.objects.select_for_update().get(pk=line.pk)
    if line.status not in SettlementLine.OPEN:
        return line
    before = line.status
    line.status, line.note, line.resolved_by, line.resolved_at = status, note[:255], actor, timezone.now()
    line.save(update_fields=["status", "note", "resolved_by", "resolved_at"])
    audit_log(actor=actor, action=f"settlements.line.{status}", obj=line, data={"was": before, "note": note})
    return line


@transaction.atomic
def line_resolve(*, line, actor, note="") -> SettlementLine:
    """Staff settled the difference with the provider (or accepted it)."""
    return _close(line, SettlementLine.Status.RESOLVED, actor=actor, note=note)


@transaction.atomic
def line_ignore(*, line, actor, note="") -> SettlementLine:
    return _close(line, SettlementLine.Status.IGNORED, actor=actor, note=note)


@transaction.atomic
def report_rematch(*, report, actor=None) -> int:
    """Matches the report's unmatched and mismatched lines again; returns how many match now."""
    matched = 0
    for line in SettlementLine.objects.select_for_update().filter(
        report=report, status__in=(SettlementLine.Status.UNMATCHED, SettlementLine.Status.MISMATCHED)
    ):
        _match(line, report.provider)
        line.save(update_fields=["payment", "status", "problem"])
        matched += line.status == SettlementLine.Status.MATCHED
    audit_log(actor=actor, action="settlements.report.rematched", obj=report, data={"matched": matched})
    return matched
