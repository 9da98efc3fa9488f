"""Company bookings paid by invoice (``bookings.company``).

Lock order: the invoice row, then (inside ``booking_cancel``) the booking, the order and
the session; recording a payment locks the invoice, then the order. Every function
re-reads what it locked, and the two sweeps are safe to run twice or to be killed
mid-way (row locks with ``skip_locked``, ``reminder_sent_at``, status checks, notify's
dedupe keys)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.audit.services import audit_log, snapshot
from skypark.commerce.errors import OrderNotPayable
from skypark.commerce.invoicing import order_invoice_paid, order_pay_by_invoice
from skypark.commerce.models import Order

from ..company import CompanyInvoice, vat_number_normalise
from ..errors import InvalidAttendees, InvalidCompanyDetails, InvoiceNotAvailable, InvoiceNotPayable
from ..invoice_pdf import invoice_pdf
from ..models import Booking
from ._common import booking_notify
from .booking import booking_create
from .cancelling import booking_cancel

PDF_MIMETYPE = "application/pdf"


def invoice_terms_days() -> int:
    return int(getattr(settings, "BOOKINGS_INVOICE_TERMS_DAYS", 14))


def invoice_days_before_session() -> int:
    return int(getattr(settings, "BOOKINGS_INVOICE_DAYS_BEFORE_SESSION", 3))


def invoice_reminder_days() -> int:
    return int(getattr(settings, "BOOKINGS_INVOICE_REMINDER_DAYS", 3))


def invoice_due_date(*, session, today) -> datetime.date | None:
    """The invoice's terms, cut so the money arrives a few days before the session
    starts; None when that day has passed (too late to pay by invoice)."""
    latest = timezone.localdate(session.starts_at) - datetime.timedelta(days=invoice_days_before_session())
    due = min(today + datetime.timedelta(days=invoice_terms_days()), latest)
    return due if due >= today else None


def _held_until(due: datetime.date) -> datetime.datetime:
    """The order stays payable through the due date and one more day, so the invoice
    sweep (which cancels through ``booking_cancel``) releases it, not the checkout's
    generic expiry."""
    end = datetime.datetime.combine(due + datetime.timedelta(days=2), datetime.time.min)
    return timezone.make_aware(end, timezone.get_current_timezone())


def company_details_clean(*, company_name, company_address, purchase_order, vat_number, contact_email) -> dict:
    """The company's details, normalised; ``InvalidCompanyDetails`` names the first bad
    field."""
    details = {
        "company_name": (company_name or "").strip(),
        "company_address": (company_address or "").strip(),
        "purchase_order": (purchase_order or "").strip(),
        "vat_number": vat_number_normalise(vat_number),
        "contact_email": (contact_email or "").strip(),
    }
    if not details["company_name"] or len(details["company_name"]) > 200:
        raise InvalidCompanyDetails(_("Enter the company's name."), details={"field": "company_name"})
    if not details["company_address"]:
        raise InvalidCompanyDetails(_("Enter the address the invoice goes to."), details={"field": "company_address"})
    try:
        validate_email(details["contact_email"])
    except ValidationError:
        raise InvalidCompanyDetails(
            _("Enter the e-mail address of the company's accounts."), details={"field": "contact_email"}
        )
    probe = CompanyInvoice(**details)
    for field in ("purchase_order", "vat_number"):
        try:
            probe._meta.get_field(field).clean(details[field], probe)
        except ValidationError as exc:
            raise InvalidCompanyDetails(exc.messages[0], details={"field": field})
    return details


@transaction.atomic
def company_booking_create(
    *,
    customer,
    session,
    attendees,
    company_name: str,
    company_address: str,
    purchase_order: str,
    contact_email: str,
    vat_number: str = "",
    discount_code: str = "",
    notes: str = "",
    now=None,
) -> CompanyInvoice:
    """Books the named ``attendees`` (the company's staff) on ``session`` for
    ``customer`` and invoices the company: the booking stays pending with its places
    held until the invoice's due date, and the invoice PDF goes to the accounts e-mail.

    The session lock, capacity and discount rules are ``booking_create``'s (it raises
    ``SessionFull`` etc.). Refuses bad company details (``InvalidCompanyDetails``), no
    named staff (``InvalidAttendees``), and a session too close to pay by invoice
    (``InvoiceNotAvailable``); nothing is written then."""
    now = now or timezone.now()
    details = company_details_clean(
        company_name=company_name,
        company_address=company_address,
        purchase_order=purchase_order,
        vat_number=vat_number,
        contact_email=contact_email,
    )
    if not attendees:
        raise InvalidAttendees(_("Name the staff who will attend."), details={"field": "attendees"})
    due = invoice_due_date(session=session, today=timezone.localdate(now))
    if due is None:
        raise InvoiceNotAvailable(details={"field": "session"})
    booking = booking_create(
        customer=customer,
        session=session,
        attendees=attendees,
        discount_code=discount_code,
        notes="\n".join(
            filter(None, [_("Company booking, PO %(po)s") % {"po": details["purchase_order"]}, notes.strip()])
        ),
        now=now,
    )
    order = booking.order
    if order is None or order.status != Order.Status.PENDING_PAYMENT:
        raise InvoiceNotAvailable(_("There is nothing to invoice for this booking."), details={"field": "session"})
    order_pay_by_invoice(order=order, until=_held_until(due), actor=customer)
    invoice = CompanyInvoice(booking=booking, amount=order.total, currency=order.currency, due_date=due, **details)
    invoice.full_clean()
    invoice.save()
    audit_log(actor=customer, action="bookings.invoice.issued", obj=invoice, after=snapshot(invoice))
    _invoice_send(invoice, kind="bookings.company_invoice", dedupe=f"bookings.company_invoice.{invoice.pk}")
    return invoice


def _invoice_send(invoice, *, kind, dedupe):
    booking = invoice.booking
    booking_notify(
        booking=booking,
        kind=kind,
        dedupe_key=dedupe,
        extra={"invoice": invoice},
        attachments=[(f"{invoice.number}.pdf", invoice_pdf(invoice), PDF_MIMETYPE)],
        to_address=invoice.contact_email,
    )


@transaction.atomic
def invoice_mark_paid(*, invoice, actor, bank_reference: str = "", now=None) -> CompanyInvoice:
    """Staff saw the company's transfer: the order is paid by bank transfer (the usual
    ``order_paid`` then confirms the booking and sends the confirmation). Locks the
    invoice, then the order. Refuses an invoice that is not awaiting payment, or whose
    places were already released (``InvoiceNotPayable``)."""
    now = now or timezone.now()
    invoice = CompanyInvoice.objects.select_for_update(of=("self",)).select_related("booking__order").get(pk=invoice.pk)
    if invoice.status != CompanyInvoice.Status.ISSUED or invoice.booking.status != Booking.Status.PENDING:
        raise InvoiceNotPayable(details={"status": invoice.status})
    try:
        order_invoice_paid(order=invoice.booking.order, actor=actor, reference=bank_reference, now=now)
    except OrderNotPayable:
        raise InvoiceNotPayable(details={"status": invoice.status})
    before = snapshot(invoice)
    invoice.status = CompanyInvoice.Status.PAID
    invoice.paid_at = now
    invoice.paid_by = actor if getattr(actor, "pk", None) else None
    invoice.bank_reference = (bank_reference or "").strip()[:100]
    invoice.save(update_fields=["status", "paid_at", "paid_by", "bank_reference", "updated_at"])
    audit_log(actor=actor, action="bookings.invoice.paid", obj=invoice, before=before, after=snapshot(invoice))
    return invoice


def invoice_remind(*, invoice_id: int, now=None) -> bool:
    """Sends the reminder of one open invoice once (row lock with skip,
    ``reminder_sent_at``, the dedupe key)."""
    now = now or timezone.now()
    with transaction.atomic():
        invoice = (
            CompanyInvoice.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("booking__session__course", "booking__session__venue", "booking__customer")
            .filter(pk=invoice_id, status=CompanyInvoice.Status.ISSUED, reminder_sent_at__isnull=True)
            .first()
        )
        if invoice is None or invoice.booking.status != Booking.Status.PENDING:
            return False
        invoice.reminder_sent_at = now
        invoice.save(update_fields=["reminder_sent_at", "updated_at"])
        _invoice_send(invoice, kind="bookings.invoice_reminder", dedupe=f"bookings.invoice_reminder.{invoice.pk}")
    return True


def invoices_remind(*, now=None) -> int:
    """Reminds every company whose open invoice is due within
    ``BOOKINGS_INVOICE_REMINDER_DAYS`` days. Idempotent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    ids = CompanyInvoice.objects.filter(
        status=CompanyInvoice.Status.ISSUED,
        reminder_sent_at__isnull=True,
        due_date__gte=today,
        due_date__lte=today + datetime.timedelta(days=invoice_reminder_days()),
    ).values_list("pk", flat=True)
    return sum(invoice_remind(invoice_id=pk, now=now) for pk in list(ids))


def invoice_release(*, invoice_id: int, now=None) -> bool:
    """Releases the places of one invoice not paid by its due date, through the one
    cancel service (``booking_cancel``: the unpaid order is cancelled, the places go back
    on sale and the customer is told), and cancels the invoice. An invoice whose booking
    was cancelled otherwise is cancelled with it. Locks the invoice (skipping one that
    is being paid right now), then what ``booking_cancel`` locks."""
    now = now or timezone.now()
    with transaction.atomic():
        invoice = (
            CompanyInvoice.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("booking")
            .filter(pk=invoice_id, status=CompanyInvoice.Status.ISSUED)
            .first()
        )
        if invoice is None:
            return False
        booking = invoice.booking
        if booking.status == Booking.Status.PENDING:
            booking_cancel(
                booking=booking,
                actor=None,
                reason=_("Invoice %(number)s was not paid by its due date.") % {"number": invoice.number},
                now=now,
                by_staff=True,
            )
        elif booking.status != Booking.Status.CANCELLED:
            return False
        before = snapshot(invoice)
        invoice.status = CompanyInvoice.Status.CANCELLED
        invoice.cancelled_at = now
        invoice.save(update_fields=["status", "cancelled_at", "updated_at"])
        audit_log(actor=None, action="bookings.invoice.released", obj=invoice, before=before, after=snapshot(invoice))
    return True


def invoices_release_overdue(*, now=None) -> int:
    """The sweep: releases every open invoice past its due date, and cancels open
    invoices whose booking was cancelled. Idempotent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    open_ = CompanyInvoice.objects.filter(status=CompanyInvoice.Status.ISSUED)
    ids = set(open_.filter(due_date__lt=today).values_list("pk", flat=True))
    ids |= set(open_.filter(booking__status=Booking.Status.CANCELLED).values_list("pk", flat=True))
    return sum(invoice_release(invoice_id=pk, now=now) for pk in sorted(ids))
