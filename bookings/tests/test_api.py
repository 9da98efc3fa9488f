import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from bookings import services
from bookings.models import Booking, CourseSession
from skypark.accounts.tests.factories import UserFactory

from .factories import CourseFactory, DiscountCodeFactory, SessionFactory, VenueFactory

pytestmark = pytest.mark.django_db


def test_course_list_is_public_and_constant(api_client, django_assert_max_num_queries):
    for _ in range(3):
        CourseFactory()
    with django_assert_max_num_queries(3):
        few = api_client.get("/api/v1/courses/")
    for _ in range(10):
        CourseFactory()
    with django_assert_max_num_queries(3):
        many = api_client.get("/api/v1/courses/")
    assert few.status_code == many.status_code == 200
    assert many.json()["count"] == 13
    assert many.json()["results"][0]["currency"] == "GBP"


def test_session_list_filters_and_constant_queries(api_client, django_assert_max_num_queries):
    leeds = SessionFactory(venue=VenueFactory(city="Leeds"))
    SessionFactory(venue=VenueFactory(city="York"))
    SessionFactory(status=CourseSession.Status.DRAFT)
    for _ in range(8):
        SessionFactory()
    with django_assert_max_num_queries(3):
        body = api_client.get("/api/v1/courses/sessions/").json()
    assert body["count"] == 10
    york = api_client.get("/api/v1/courses/sessions/", {"city": "york"}).json()
    assert [s["venue"]["city"] for s in york["results"]] == ["York"]
    day = timezone.localtime(leeds.starts_at).date()
    dated = api_client.get("/api/v1/courses/sessions/", {"date_from": day, "date_to": day}).json()
    assert [s["id"] for s in dated["results"]] == [leeds.pk]
    assert dated["results"][0]["places_left"] == 12
    bad = api_client.get("/api/v1/courses/sessions/", {"date_from": "soon"})
    assert bad.status_code == 400 and "error" in bad.json()


def test_quote_with_code_and_refusal(api_client, session):
    code = DiscountCodeFactory(discount_value=Decimal("10"))
    ok = api_client.post(f"/api/v1/courses/sessions/{session.pk}/quote/", {"places": 2, "discount_code": code.code})
    assert ok.json()["total"] == "180.00"
    refused = api_client.post(f"/api/v1/courses/sessions/{session.pk}/quote/", {"discount_code": "NOPE"})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "discount_refused"
    assert refused.json()["error"]["details"]["reason"] == "unknown"


def test_book_pay_cancel_over_the_api(customer_client, customer, session, pay):
    payload = {"attendees": [{"name": "Ann", "email": "ann@example.co.uk"}, {"name": "Bob"}]}
    response = customer_client.post(f"/api/v1/courses/sessions/{session.pk}/bookings/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    reference = body["booking"]["reference"]
    assert body["booking"]["status"] == "pending"
    assert body["booking"]["places"] == 2
    order_reference = body["booking"]["order_reference"]
    assert body["payment_url"].endswith(reverse("commerce:order-pay", args=[order_reference]))
    pay(Booking.objects.get(reference=reference))
    detail = customer_client.get(f"/api/v1/courses/bookings/{reference}/").json()
    assert detail["status"] == "confirmed"
    quote = customer_client.get(f"/api/v1/courses/bookings/{reference}/refund-quote/").json()
    assert quote == {"rule": "full", "percent": "100.00", "amount": "200.00", "currency": "GBP"}
    cancelled = customer_client.post(f"/api/v1/courses/bookings/{reference}/cancel/", {"reason": "ill"})
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["refunded_amount"] == "200.00"
    again = customer_client.post(f"/api/v1/courses/bookings/{reference}/cancel/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "booking_not_cancellable"


def test_booking_errors_are_4xx_json(customer_client):
    full = SessionFactory(capacity=1)
    services.booking_create(customer=UserFactory(), session=full)
    response = customer_client.post(f"/api/v1/courses/sessions/{full.pk}/bookings/", {}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "session_full"
    bad = customer_client.post(
        f"/api/v1/courses/sessions/{full.pk}/bookings/", {"attendees": [{"email": "x"}]}, format="json"
    )
    assert bad.status_code == 400 and "error" in bad.json()
    draft = SessionFactory(status=CourseSession.Status.DRAFT)
    assert customer_client.post(f"/api/v1/courses/sessions/{draft.pk}/bookings/", {}).status_code == 404


def test_booking_needs_a_customer(api_client, session):
    response = api_client.post(f"/api/v1/courses/sessions/{session.pk}/bookings/", {})
    assert response.status_code in (401, 403)


def test_my_bookings_only_mine_and_constant(customer_client, customer, django_assert_max_num_queries):
    services.booking_create(customer=UserFactory(), session=SessionFactory())
    services.booking_create(customer=customer, session=SessionFactory())
    with django_assert_max_num_queries(6):
        few = customer_client.get("/api/v1/courses/bookings/").json()
    for _ in range(6):
        services.booking_create(customer=customer, session=SessionFactory(), attendees=[{"name": "A"}, {"name": "B"}])
    with django_assert_max_num_queries(6):
        many = customer_client.get("/api/v1/courses/bookings/").json()
    assert few["count"] == 1 and many["count"] == 7
    other = Booking.objects.exclude(customer=customer).get()
    assert customer_client.get(f"/api/v1/courses/bookings/{other.reference}/").status_code == 404


def test_certificates_list_pdf_and_public_verify(customer_client, customer, pay, api_client):
    session = SessionFactory()
    booking = pay(services.booking_create(customer=customer, session=session))
    attendee = booking.attendees.get()
    services.attendance_mark(attendee=attendee, present=True, actor=None, now=session.starts_at)
    services.session_complete(session=session, now=session.ends_at)
    certificate = services.certificate_issue(attendee=attendee)
    listed = customer_client.get("/api/v1/courses/certificates/").json()
    assert [c["number"] for c in listed["results"]] == [certificate.number]
    pdf = customer_client.get(f"/api/v1/courses/certificates/{certificate.number}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]).startswith(b"%PDF")
    stranger = APIClient()
    stranger.force_authenticate(UserFactory())
    assert stranger.get(f"/api/v1/courses/certificates/{certificate.number}/pdf/").status_code == 404
    verified = api_client.get(f"/api/v1/courses/certificates/verify/{certificate.number.lower()}/").json()
    assert verified["learner_name"] == attendee.name and verified["is_valid"] is True
    assert api_client.get("/api/v1/courses/certificates/verify/RFT-0000-NOPE/").status_code == 404


def test_course_detail_404(api_client):
    course = CourseFactory()
    assert api_client.get(f"/api/v1/courses/{course.pk}/").json()["name"] == course.name
    assert api_client.get("/api/v1/courses/999999/").json()["error"]["code"] == "not_found"


def test_past_sessions_are_not_listed(api_client):
    past = SessionFactory()
    start = timezone.now() - datetime.timedelta(days=1)
    CourseSession.objects.filter(pk=past.pk).update(starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    assert api_client.get("/api/v1/courses/sessions/").json()["count"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"places": 2},
        {"attendees": [{"name": "A", "email": "a@example.com"}], "places": 2},
        {"attendees": [{"name": "A", "phone": "+996555000000"}]},
        {"attendees": [{"name": "Aida", "email": "a@example.com"}, {"name": "aida ", "email": "A@example.com"}]},
    ],
)
def test_booking_refuses_unknown_or_inconsistent_input_and_books_nothing(customer_client, session, body):
    response = customer_client.post(f"/api/v1/courses/sessions/{session.pk}/bookings/", body, format="json")
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["details"]
    session.refresh_from_db()
    assert session.places_taken == 0
