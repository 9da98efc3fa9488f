import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import Booking
from skypark.accounts.tests.factories import UserFactory

from .factories import CourseFactory, DiscountCodeFactory, SessionFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner(customer, client):
    customer.language = "en"
    customer.email = "learner@example.co.uk"
    customer.save()
    client.force_login(customer)
    return customer


def test_catalogue_course_and_sessions_by_city_and_date(client, django_assert_max_num_queries):
    leeds = SessionFactory(venue=VenueFactory(city="Leeds"))
    york = SessionFactory(venue=VenueFactory(city="York"), course=leeds.course)
    CourseFactory(is_active=False, name="Old course")
    catalogue = client.get(reverse("bookings:course-list")).content.decode()
    assert leeds.course.name in catalogue and "Old course" not in catalogue
    url = reverse("bookings:course-detail", args=[leeds.course.pk])
    page = client.get(url, {"city": "York"}).content.decode()
    assert "York" in page and "Leeds, LS1" not in page
    day = timezone.localtime(leeds.starts_at).date().isoformat()
    page = client.get(reverse("bookings:session-list"), {"date_from": day, "date_to": day}).content.decode()
    assert reverse("bookings:session-book", args=[leeds.pk]) in page
    assert reverse("bookings:session-book", args=[york.pk]) not in page
    for _ in range(5):
        SessionFactory()
    with django_assert_max_num_queries(6):
        assert client.get(reverse("bookings:session-list")).status_code == 200


def test_book_page_applies_a_code_then_books_and_redirects_to_payment(client, learner, session):
    code = DiscountCodeFactory(discount_value=Decimal("20"))
    url = reverse("bookings:session-book", args=[session.pk])
    quoted = client.post(url, {"discount_code": code.code, "apply": "1"}).content.decode()
    assert "£80" in quoted
    assert not Booking.objects.exists()
    response = client.post(url, {"discount_code": code.code, "book": "1"})
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("commerce:order-pay", args=[booking.order.reference])
    assert booking.amount == Decimal("80.00")


def test_book_page_for_named_attendees(client, learner, session):
    url = reverse("bookings:session-book", args=[session.pk])
    client.post(
        url,
        {
            "attendee_0_name": "Ann",
            "attendee_0_email": "ann@example.co.uk",
            "attendee_1_name": "Bob",
            "book": "1",
        },
    )
    booking = Booking.objects.get()
    assert booking.places == 2
    assert sorted(booking.attendees.values_list("name", flat=True)) == ["Ann", "Bob"]


def test_refused_code_is_shown_on_the_field(client, learner, session):
    today = timezone.localdate()
    code = DiscountCodeFactory(
        valid_until=today - datetime.timedelta(days=1), valid_from=today - datetime.timedelta(days=9)
    )
    page = client.post(reverse("bookings:session-book", args=[session.pk]), {"discount_code": code.code, "book": "1"})
    assert page.status_code == 200
    assert "This discount code has expired." in page.content.decode()
    assert not Booking.objects.exists()


def test_book_page_needs_login(client, session):
    response = client.get(reverse("bookings:session-book", args=[session.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_my_bookings_detail_and_cancel_per_policy(client, learner, session, pay):
    booking = pay(services.booking_create(customer=learner, session=session))
    listing = client.get(reverse("bookings:booking-list")).content.decode()
    assert booking.reference in listing
    detail = client.get(reverse("bookings:booking-detail", args=[booking.reference])).content.decode()
    assert "If you cancel now you get £100 back (100%)." in detail
    assert "Full refund up to 7 days before the course, 50% up to 48 hours before" in detail
    client.post(reverse("bookings:booking-cancel", args=[booking.reference]), {"reason": "Busy"})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and booking.refunded_amount == Decimal("100.00")


def test_other_customers_booking_is_404(client, learner):
    other = services.booking_create(customer=UserFactory(), session=SessionFactory())
    assert client.get(reverse("bookings:booking-detail", args=[other.reference])).status_code == 404
    assert client.post(reverse("bookings:booking-cancel", args=[other.reference])).status_code == 404


def test_certificate_download_and_public_verification(client, learner, session, pay):
    booking = pay(services.booking_create(customer=learner, session=session))
    attendee = booking.attendees.get()
    services.attendance_mark(attendee=attendee, present=True, actor=None, now=session.starts_at)
    services.session_complete(session=session, now=session.ends_at)
    certificate = services.certificate_issue(attendee=attendee)
    detail = client.get(reverse("bookings:booking-detail", args=[booking.reference])).content.decode()
    pdf_url = reverse("bookings:certificate-pdf", args=[certificate.number])
    assert pdf_url in detail
    pdf = client.get(pdf_url)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    client.logout()
    assert client.get(pdf_url).status_code == 302
    verify = client.get(
        reverse("bookings:certificate-verify-form"), {"number": certificate.number.lower()}, follow=True
    )
    page = verify.content.decode()
    assert "Valid certificate" in page and attendee.name in page
    missing = client.get(reverse("bookings:certificate-verify", args=["RFT-2020-NOPE"]))
    assert missing.status_code == 404 and "No certificate has the number" in missing.content.decode()
