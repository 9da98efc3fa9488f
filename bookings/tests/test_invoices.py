"""Company bookings paid by invoice: places held until the due date, PDF, reminder,
marked paid by staff, released by the sweep through the one cancel service."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.company import CompanyInvoice
from bookings.errors import InvalidAttendees, InvalidCompanyDetails, InvoiceNotAvailable, InvoiceNotPayable
from bookings.invoice_pdf import invoice_pdf
from bookings.models import Booking
from skypark.accounts.tests.factories import UserFactory
from skypark.commerce.models import Order, Payment
from skypark.commerce.services import orders_expire
from skypark.notify.models import Notification

from .factories import SessionFactory, in_days

pytestmark = pytest.mark.django_db

STAFF = [
    {"name": "Amelia Hart", "email": "amelia@acme.test"},
    {"name": "Tom Reed", "email": ""},
    {"name": "Priya Shah"},
]
COMPANY = {
    "company_name": "Acme Logistics Ltd",
    "company_address": "Unit 4, Aire Street\nLeeds LS1 4PR",
    "purchase_order": "PO-2027/0042",
    "vat_number": "gb 123 456 789",
    "contact_email": "accounts@acme.test",
}


def company_booking(session=None, customer=None, now=None, **overrides):
    return services.company_booking_create(
        customer=customer or UserFactory(),
        session=session or SessionFactory(starts_at=in_days(30)),
        attendees=overrides.pop("attendees", STAFF),
        now=now,
        **{**COMPANY, **overrides},
    )


def test_a_company_books_three_staff_and_gets_an_invoice(django_capture_on_commit_callbacks):
    session = SessionFactory(starts_at=in_days(30))
    with django_capture_on_commit_callbacks(execute=True):
        invoice = company_booking(session)
    booking = invoice.booking
    session.refresh_from_db()
    assert booking.status == Booking.Status.PENDING and booking.places == 3 and session.places_taken == 3
    assert invoice.vat_number == "GB123456789" and invoice.purchase_order == "PO-2027/0042"
    assert str(invoice.amount) == "300.00" and invoice.currency == booking.currency
    assert invoice.due_date == timezone.localdate() + datetime.timedelta(days=14)
    order = Order.objects.get(pk=booking.order_id)
    assert order.status == Order.Status.PENDING_PAYMENT and timezone.localdate(order.expires_at) > invoice.due_date
    sent = Notification.objects.get(kind="bookings.company_invoice")
    assert sent.to_address == "accounts@acme.test"
    assert sent.attachments[0]["filename"] == f"{invoice.number}.pdf"


def test_the_due_date_is_before_the_session_and_too_late_is_refused():
    soon = SessionFactory(starts_at=in_days(8))
    invoice = company_booking(soon)
    assert invoice.due_date == timezone.localdate(soon.starts_at) - datetime.timedelta(days=3)
    tomorrow = SessionFactory(starts_at=in_days(2))
    with pytest.raises(InvoiceNotAvailable):
        company_booking(tomorrow)
    tomorrow.refresh_from_db()
    assert tomorrow.places_taken == 0 and not Booking.objects.filter(session=tomorrow).exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"company_name": " "}, "company_name"),
        ({"company_address": ""}, "company_address"),
        ({"purchase_order": ""}, "purchase_order"),
        ({"purchase_order": "PO 1; DROP"}, "purchase_order"),
        ({"vat_number": "GB12"}, "vat_number"),
        ({"contact_email": "accounts"}, "contact_email"),
    ],
)
def test_bad_company_details_are_refused_with_the_field(overrides, field):
    with pytest.raises(InvalidCompanyDetails) as refused:
        company_booking(**overrides)
    assert refused.value.details["field"] == field
    assert not Booking.objects.exists() and not CompanyInvoice.objects.exists()


def test_a_company_booking_names_its_staff():
    with pytest.raises(InvalidAttendees):
        company_booking(attendees=[])


def test_the_invoice_pdf_has_the_numbers():
    invoice = company_booking()
    pdf = invoice_pdf(invoice)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000


def test_staff_mark_it_paid_and_the_booking_is_confirmed(django_capture_on_commit_callbacks):
    invoice = company_booking()
    finance = UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.invoice_mark_paid(invoice=invoice, actor=finance, bank_reference="BACS 7781")
    invoice.refresh_from_db()
    booking = Booking.objects.get(pk=invoice.booking_id)
    assert invoice.status == CompanyInvoice.Status.PAID and invoice.paid_by == finance
    assert booking.status == Booking.Status.CONFIRMED
    payment = Payment.objects.get(order=booking.order)
    assert payment.provider == "invoice" and payment.method == "bank_transfer"
    assert payment.metadata["bank_reference"] == "BACS 7781"
    with pytest.raises(InvoiceNotPayable):
        services.invoice_mark_paid(invoice=invoice, actor=finance)


def test_customers_cannot_pay_by_invoice_themselves():
    from skypark.commerce.errors import ProviderUnavailable
    from skypark.commerce.services import payment_start

    invoice = company_booking()
    with pytest.raises(ProviderUnavailable):
        payment_start(order=invoice.booking.order, provider="invoice", method="bank_transfer")


def test_one_reminder_before_the_due_date():
    invoice = company_booking()
    early = timezone.now()
    assert services.invoices_remind(now=early) == 0
    near = timezone.now() + datetime.timedelta(days=12)
    assert services.invoices_remind(now=near) == 1
    assert services.invoices_remind(now=near) == 0
    invoice.refresh_from_db()
    assert invoice.reminder_sent_at is not None
    assert Notification.objects.filter(kind="bookings.invoice_reminder").count() == 1


def test_the_places_are_held_until_the_due_date_then_released_once(django_capture_on_commit_callbacks):
    session = SessionFactory(starts_at=in_days(30))
    invoice = company_booking(session)
    on_due = timezone.make_aware(datetime.datetime.combine(invoice.due_date, datetime.time(23, 0)))
    # The checkout's generic expiry leaves the held order alone through the due date.
    orders_expire(now=on_due)
    assert services.invoices_release_overdue(now=on_due) == 0
    session.refresh_from_db()
    assert session.places_taken == 3
    after = on_due + datetime.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invoices_release_overdue(now=after) == 1
    assert services.invoices_release_overdue(now=after) == 0
    invoice.refresh_from_db()
    session.refresh_from_db()
    booking = Booking.objects.get(pk=invoice.booking_id)
    assert invoice.status == CompanyInvoice.Status.CANCELLED
    assert booking.status == Booking.Status.CANCELLED and session.places_taken == 0
    assert Order.objects.get(pk=booking.order_id).status == Order.Status.CANCELLED
    with pytest.raises(InvoiceNotPayable):
        services.invoice_mark_paid(invoice=invoice, actor=None)


def test_an_invoice_of_a_booking_cancelled_by_the_customer_is_cancelled():
    invoice = company_booking()
    services.booking_cancel(booking=invoice.booking, actor=invoice.booking.customer)
    assert services.invoices_release_overdue() == 1
    invoice.refresh_from_db()
    assert invoice.status == CompanyInvoice.Status.CANCELLED


def test_admin_lists_invoices_downloads_the_pdf_and_marks_paid(client, django_capture_on_commit_callbacks):
    invoice = company_booking()
    finance = UserFactory(is_staff=True)
    finance.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_companyinvoice", "change_companyinvoice", "mark_invoice_paid"])
    )
    client.force_login(finance)
    listing = client.get(reverse("admin:bookings_companyinvoice_changelist"))
    assert listing.status_code == 200 and invoice.number in listing.content.decode()
    pdf = client.get(reverse("admin:bookings-invoice-pdf", args=[invoice.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:bookings_companyinvoice_changelist"),
            {"action": "mark_paid", "_selected_action": [invoice.pk], "index": 0},
        )
    invoice.refresh_from_db()
    assert invoice.status == CompanyInvoice.Status.PAID
    assert Booking.objects.get(pk=invoice.booking_id).status == Booking.Status.CONFIRMED


def test_admin_changelist_queries_do_not_grow(admin_client_logged, django_assert_max_num_queries):
    for _ in range(2):
        company_booking()
    with django_assert_max_num_queries(12):
        few = admin_client_logged.get(reverse("admin:bookings_companyinvoice_changelist"))
    for _ in range(4):
        company_booking()
    with django_assert_max_num_queries(12):
        many = admin_client_logged.get(reverse("admin:bookings_companyinvoice_changelist"))
    assert few.status_code == many.status_code == 200
