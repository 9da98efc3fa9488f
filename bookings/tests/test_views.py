import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

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


def test_anonymous_sees_price_and_places_then_books_after_logging_in(client, session):
    code = DiscountCodeFactory(discount_value=Decimal("20"))
    url = reverse("bookings:session-book", args=[session.pk])
    page = client.get(url).content.decode()
    assert "Places left: " in page and "£100 per person" in page and "Log in and book" in page
    quoted = client.post(url, {"discount_code": code.code, "apply": "1"}).content.decode()
    assert "£80" in quoted
    form = {"discount_code": code.code, "attendee_0_name": "Ann", "notes": "Vegan lunch", "book": "1"}
    response = client.post(url, form)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert not Booking.objects.exists()
    learner = UserFactory(language="en")
    client.post(response["Location"], {"username": learner.phone, "password": "pass-word-123"})
    restored = client.get(url).content.decode()
    assert f'value="{code.code}"' in restored and 'value="Ann"' in restored and "Vegan lunch" in restored
    assert "£80" in restored and "Book and pay" in restored
    assert 'value="Ann"' not in client.get(url).content.decode()
    response = client.post(url, form)
    booking = Booking.objects.get(customer=learner)
    assert response["Location"] == reverse("commerce:order-pay", args=[booking.order.reference])


def test_my_bookings_detail_and_cancel_per_policy(client, learner, session, pay):
    booking = pay(services.booking_create(customer=learner, session=session))
    with translation.override("en"):
        listing_url = reverse("bookings:booking-list")
        detail_url = reverse("bookings:booking-detail", args=[booking.reference])
        cancel_url = reverse("bookings:booking-cancel", args=[booking.reference])
    assert booking.reference in client.get(listing_url).content.decode()
    detail = client.get(detail_url).content.decode()
    assert "If you cancel now you get £100 back (100%)." in detail
    assert "At least 7 days before the start: full refund." in detail
    assert "At least 2 days before the start: 50% back." in detail
    assert "Later: no refund." in detail
    assert cancel_url in detail
    client.post(cancel_url, {"reason": "Busy"})
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


def test_a_free_booking_skips_payment_and_opens_the_booking(client, learner, session):
    code = DiscountCodeFactory(discount_value=Decimal("100"))
    response = client.post(
        reverse("bookings:session-book", args=[session.pk]), {"discount_code": code.code, "book": "1"}
    )
    booking = Booking.objects.get()
    assert booking.order.status == "paid" and booking.order.total == Decimal("0.00")
    assert response["Location"] == reverse("bookings:booking-detail", args=[booking.reference])
