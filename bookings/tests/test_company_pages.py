"""The company booking page (no JavaScript) and API."""

import pytest
from django.urls import reverse

from bookings.company import CompanyInvoice
from bookings.models import Booking

from .factories import SessionFactory, in_days

pytestmark = pytest.mark.django_db

FORM = {
    "company_name": "Acme Logistics Ltd",
    "company_address": "Unit 4, Aire Street\nLeeds LS1 4PR",
    "purchase_order": "PO-42",
    "vat_number": "GB123456789",
    "contact_email": "accounts@acme.test",
    "attendee_0_name": "Amelia Hart",
    "attendee_0_email": "amelia@acme.test",
    "attendee_1_name": "Tom Reed",
    "discount_code": "",
    "book": "1",
}


@pytest.fixture
def session():
    return SessionFactory(starts_at=in_days(30))


@pytest.fixture
def web(client, customer):
    client.force_login(customer)
    return client


def test_the_session_page_links_to_the_company_page(client, session):
    page = client.get(reverse("bookings:session-book", args=[session.pk])).content.decode()
    assert reverse("bookings:session-company-book", args=[session.pk]) in page


def test_a_company_books_on_the_page_and_sees_its_invoice(web, session):
    response = web.post(reverse("bookings:session-company-book", args=[session.pk]), FORM)
    invoice = CompanyInvoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("bookings:booking-detail", args=[invoice.booking.reference])
    detail = web.get(response["Location"], follow=True).content.decode()
    assert invoice.number in detail and "PO-42" in detail
    assert reverse("commerce:order-pay", args=[invoice.booking.order.reference]) not in detail
    pdf = web.get(reverse("bookings:booking-invoice", args=[invoice.booking.reference]), follow=True)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_bad_details_are_shown_on_their_fields_and_nothing_is_booked(web, session):
    bad = {**FORM, "vat_number": "GB1", "purchase_order": ""}
    page = web.post(reverse("bookings:session-company-book", args=[session.pk]), bad)
    assert page.status_code == 200
    form = page.context["form"]
    assert "purchase_order" in form.errors
    assert not Booking.objects.exists()
    page = web.post(reverse("bookings:session-company-book", args=[session.pk]), {**FORM, "vat_number": "GB1"})
    assert "vat_number" in page.context["form"].errors and not Booking.objects.exists()
    nobody = {k: v for k, v in FORM.items() if not k.startswith("attendee_")}
    page = web.post(reverse("bookings:session-company-book", args=[session.pk]), nobody)
    assert page.context["form"].errors and not Booking.objects.exists()


def test_another_customer_cannot_download_the_invoice(web, session, client):
    web.post(reverse("bookings:session-company-book", args=[session.pk]), FORM)
    invoice = CompanyInvoice.objects.get()
    from skypark.accounts.tests.factories import UserFactory

    client.force_login(UserFactory())
    url = reverse("bookings:booking-invoice", args=[invoice.booking.reference])
    assert client.get(url, follow=True).status_code == 404


API_BODY = {
    "attendees": [{"name": "Amelia Hart", "email": "amelia@acme.test"}, {"name": "Tom Reed"}],
    "company_name": "Acme Logistics Ltd",
    "company_address": "Unit 4, Aire Street, Leeds",
    "purchase_order": "PO-42",
    "vat_number": "GB123456789",
    "contact_email": "accounts@acme.test",
}


def _url(session):
    return f"/api/v1/courses/sessions/{session.pk}/company-bookings/"


def test_the_api_books_and_returns_the_invoice(customer_client, session):
    response = customer_client.post(_url(session), API_BODY, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["booking"]["status"] == "pending" and body["booking"]["places"] == 2
    assert body["invoice"]["purchase_order"] == "PO-42" and body["invoice"]["status"] == "issued"


@pytest.mark.parametrize(
    "change, code",
    [
        ({"vat_number": "XX"}, "invalid_company_details"),
        ({"purchase_order": "PO 1 ; x"}, "invalid_company_details"),
        ({"attendees": []}, "invalid_attendees"),
        ({"places": 2}, "validation_error"),
        ({"contact_email": "nope"}, "validation_error"),
    ],
)
def test_the_api_refuses_bad_input_with_a_clear_400(customer_client, session, change, code):
    response = customer_client.post(_url(session), {**API_BODY, **change}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == code
    assert not Booking.objects.exists()


def test_the_api_refuses_a_session_too_soon(customer_client):
    soon = SessionFactory(starts_at=in_days(2))
    response = customer_client.post(_url(soon), API_BODY, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invoice_not_available"
