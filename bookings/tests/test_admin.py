import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import Booking, CourseSession, Venue
from skypark.accounts.tests.factories import UserFactory
from skypark.audit.models import AuditEntry

from .factories import CourseFactory, DiscountCodeFactory, SessionFactory, VenueFactory, in_days, instructor

pytestmark = pytest.mark.django_db


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d"), timezone.localtime(dt).strftime("%H:%M:%S")


def _paid(customer, pay, **kwargs):
    return pay(services.booking_create(customer=customer, session=SessionFactory(), **kwargs))


@pytest.mark.parametrize(
    "name", ["bookings_booking", "bookings_coursesession", "bookings_discountcode", "bookings_certificate"]
)
def test_changelist_queries_do_not_grow(admin_client_logged, customer, pay, django_assert_max_num_queries, name):
    code = DiscountCodeFactory()
    _paid(customer, pay, discount_code=code.code)
    url = reverse(f"admin:{name}_changelist")
    admin_client_logged.get(url)
    with django_assert_max_num_queries(20) as few:
        assert admin_client_logged.get(url).status_code == 200
    for _ in range(8):
        _paid(UserFactory(), pay, discount_code=code.code)
    with django_assert_max_num_queries(20) as many:
        assert admin_client_logged.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("name", ["bookings_course", "bookings_venue", "bookings_coursetype"])
def test_catalogue_changelists(admin_client_logged, session, name):
    assert admin_client_logged.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_admin_venue_postcode_is_validated_and_normalised(admin_client_logged):
    url = reverse("admin:bookings_venue_add")
    data = {
        "name_ru": "Hall",
        "address_line1_ru": "1 Road",
        "city": "York",
        "postcode": "nope",
        "country": "GB",
        "capacity": 10,
        "facilities_ru": "[]",
    }
    bad = admin_client_logged.post(url, data)
    assert bad.status_code == 200 and "UK postcode" in bad.content.decode()
    admin_client_logged.post(url, {**data, "postcode": "yo17hh"})
    venue = Venue.objects.get(name_ru="Hall")
    assert venue.postcode == "YO1 7HH"
    assert AuditEntry.objects.filter(action="bookings.venue.added", object_id=str(venue.pk)).exists()


def _session_form(course, venue, start, end, **extra):
    day, time = _local(start)
    end_day, end_time = _local(end)
    return {
        "course": course.pk,
        "venue": venue.pk,
        "starts_at_0": day,
        "starts_at_1": time,
        "ends_at_0": end_day,
        "ends_at_1": end_time,
        "capacity": "",
        "notes": "",
        **extra,
    }


def test_admin_adds_a_session_through_the_service_and_refuses_overlaps(admin_client_logged):
    course, venue = CourseFactory(), VenueFactory(capacity=10)
    teacher = instructor()
    url = reverse("admin:bookings_coursesession_add")
    response = admin_client_logged.post(
        url, _session_form(course, venue, in_days(5, 9), in_days(5, 15), instructor=teacher.pk)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    session = CourseSession.objects.get()
    assert session.capacity == 10 and session.instructor == teacher
    assert AuditEntry.objects.filter(action="bookings.session.created", object_id=str(session.pk)).exists()
    clash = admin_client_logged.post(url, _session_form(CourseFactory(), venue, in_days(5, 12), in_days(5, 18)))
    assert clash.status_code == 200
    assert "The venue already has a session then" in clash.content.decode()
    busy = admin_client_logged.post(
        url, _session_form(CourseFactory(), VenueFactory(), in_days(5, 12), in_days(5, 18), instructor=teacher.pk)
    )
    assert "The instructor is already teaching then" in busy.content.decode()
    too_big = admin_client_logged.post(url, _session_form(course, venue, in_days(6, 9), in_days(6, 15), capacity=11))
    assert "The venue holds at most 10 people" in too_big.content.decode()
    assert CourseSession.objects.count() == 1


def test_publish_action(admin_client_logged):
    session = SessionFactory(status=CourseSession.Status.DRAFT)
    admin_client_logged.post(
        reverse("admin:bookings_coursesession_changelist"),
        {"action": "publish_selected", "_selected_action": [session.pk]},
    )
    session.refresh_from_db()
    assert session.status == CourseSession.Status.PUBLISHED


def test_week_calendar_per_venue(admin_client_logged):
    session = SessionFactory()
    start = timezone.localtime(session.starts_at).date()
    url = reverse("admin:bookings-venue-week", args=[session.venue_id])
    page = admin_client_logged.get(url, {"start": start.isoformat()}).content.decode()
    assert session.course.name in page
    other_week = admin_client_logged.get(url, {"start": (start + datetime.timedelta(days=14)).isoformat()})
    assert session.course.name not in other_week.content.decode()


def test_roster_marks_attendance(admin_client_logged, customer, pay):
    booking = _paid(customer, pay)
    attendee = booking.attendees.get()
    session = booking.session
    CourseSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=1), ends_at=timezone.now() + datetime.timedelta(hours=1)
    )
    url = reverse("admin:bookings-roster", args=[session.pk])
    assert attendee.name in admin_client_logged.get(url).content.decode()
    admin_client_logged.post(url, {"attendee": attendee.pk, "present": "1"})
    attendee.refresh_from_db()
    assert attendee.attendance == "present"


def test_booking_page_shows_payments_and_partial_refund(admin_client_logged, customer, pay):
    booking = _paid(customer, pay)
    page = admin_client_logged.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()
    assert "Payments and refunds" in page and "£100" in page
    url = reverse("admin:bookings-booking-refund", args=[booking.pk])
    missing_reason = admin_client_logged.post(url, {"amount": "10", "reason": ""})
    assert "Give a reason" in missing_reason.content.decode()
    admin_client_logged.post(url, {"amount": "10.00", "reason": "Late start"})
    booking.refresh_from_db()
    assert booking.refunded_amount == Decimal("10.00")
    page = admin_client_logged.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()
    assert "Late start" in page


def test_cancel_action_applies_the_policy(admin_client_logged, customer, pay):
    booking = _paid(customer, pay)
    admin_client_logged.post(
        reverse("admin:bookings_booking_changelist"),
        {"action": "cancel_per_policy", "_selected_action": [booking.pk]},
    )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.refunded_amount == Decimal("100.00")


def test_revenue_report_and_csv(admin_client_logged, customer, pay):
    _paid(customer, pay)
    _paid(UserFactory(), pay, attendees=[{"name": "A"}, {"name": "B"}])
    page = admin_client_logged.get(reverse("admin:bookings-revenue"))
    assert "£300" in page.content.decode()
    csv = admin_client_logged.get(reverse("admin:bookings-revenue"), {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().strip().splitlines()
    assert lines[0].startswith("Month,Course type")
    month = timezone.localdate().strftime("%Y-%m")
    assert lines[1] == f"{month},EFAW,GBP,2,3,300.00,0.00,300.00"
    assert admin_client_logged.get(reverse("admin:index")).status_code == 200


def test_admin_changes_go_to_the_audit_log(admin_client_logged):
    course = CourseFactory()
    url = reverse("admin:bookings_course_change", args=[course.pk])
    data = {
        "name_ru": "Renamed",
        "description_ru": "",
        "course_type": course.course_type_id,
        "duration_hours": "6.00",
        "price": "120.00",
        "currency": "GBP",
        "max_capacity": 12,
        "certificate_validity_years": 3,
        "is_active": "on",
    }
    assert admin_client_logged.post(url, data).status_code == 302
    entry = AuditEntry.objects.get(action="bookings.course.changed", object_id=str(course.pk))
    assert entry.before["price"] == "100.00" and entry.after["price"] == "120.00"


def test_instructor_uses_the_customer_roster_page(client, customer, pay):
    teacher = instructor(language="en")
    teacher.user_permissions.add(Permission.objects.get(codename="mark_attendance"))
    booking = _paid(customer, pay)
    session = booking.session
    CourseSession.objects.filter(pk=session.pk).update(
        instructor=teacher, starts_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    client.force_login(teacher)
    url = reverse("bookings:roster", args=[session.pk])
    response = client.get(url)
    assert response.status_code == 200, response
    assert booking.attendees.get().name in response.content.decode()
    client.post(url, {"attendee": booking.attendees.get().pk, "present": "0"})
    assert booking.attendees.get().attendance == "absent"
    other = SessionFactory()
    assert client.get(reverse("bookings:roster", args=[other.pk])).status_code == 404


def test_roster_completes_the_session_and_issues_certificates(admin_client_logged, customer, pay):
    from bookings.models import Certificate

    booking = _paid(customer, pay)
    session = booking.session
    url = reverse("admin:bookings-roster", args=[session.pk])
    early = admin_client_logged.post(url, {"do": "certificates"}, follow=True).content.decode()
    assert "Certificates can only be issued after the session is completed." in early
    past = timezone.now() - datetime.timedelta(hours=8)
    CourseSession.objects.filter(pk=session.pk).update(starts_at=past, ends_at=past + datetime.timedelta(hours=6))
    admin_client_logged.post(url, {"attendee": booking.attendees.get().pk, "present": "1"})
    admin_client_logged.post(url, {"do": "complete"})
    session.refresh_from_db()
    assert session.completed_at is not None
    admin_client_logged.post(url, {"do": "certificates"})
    assert Certificate.objects.filter(booking=booking).count() == 1


def test_booking_payments_show_local_time_in_the_short_datetime_format(admin_client_logged, customer, pay):
    from django.utils import timezone
    from django.utils.formats import date_format

    from skypark.commerce.models import Payment

    booking = _paid(customer, pay)
    payment = Payment.objects.get(order_id=booking.order_id)
    page = admin_client_logged.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()
    local = timezone.localtime(payment.created_at)
    assert local.strftime("%d/%m/%Y %H:%M") in page
    assert date_format(local, "SHORT_DATETIME_FORMAT") == local.strftime("%d/%m/%Y %H:%M")
