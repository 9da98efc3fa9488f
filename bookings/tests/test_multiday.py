"""Sessions over several days: overlaps per day (service, admin form and, on PostgreSQL,
the exclusion constraint on the day table), the hours against the course's duration,
attendance per attendee per day and a certificate only for every day attended."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from bookings import services
from bookings.documents import certificate_pdf
from bookings.errors import InvalidSession, NotCertifiable, ScheduleClash
from bookings.models import Attendee, CourseSession, SessionDay
from skypark.accounts.tests.factories import UserFactory
from skypark.notify.tests.pdf import pdf_text

from .factories import CourseFactory, VenueFactory, in_days, instructor

pytestmark = pytest.mark.django_db


def three_days(start_day=10, hours=(9, 16)):
    return [(in_days(start_day + i, hours[0]), in_days(start_day + i, hours[1])) for i in range(3)]


@pytest.fixture
def faw():
    return CourseFactory(name="First Aid at Work", duration_hours=Decimal("18"))


def test_a_three_day_session_clashes_with_a_one_day_session_on_its_second_day(faw):
    venue = VenueFactory()
    course = services.session_create(course=faw, venue=venue, days=three_days())
    assert course.days.count() == 3
    assert (course.starts_at, course.ends_at) == (in_days(10, 9), in_days(12, 16))
    with pytest.raises(ScheduleClash) as exc:
        services.session_create(course=CourseFactory(), venue=venue, starts_at=in_days(11, 10), ends_at=in_days(11, 16))
    assert exc.value.details == {"clash": "venue", "session": course.pk}
    # The evening between two days is free, and so is the same day at another venue.
    services.session_create(
        course=CourseFactory(duration_hours=2), venue=venue, starts_at=in_days(11, 17), ends_at=in_days(11, 19)
    )
    services.session_create(
        course=CourseFactory(), venue=VenueFactory(), starts_at=in_days(11, 9), ends_at=in_days(11, 15)
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints are PostgreSQL's")
def test_the_database_refuses_a_one_day_session_on_the_second_day(faw):
    venue = VenueFactory()
    course = services.session_create(course=faw, venue=venue, days=three_days())
    other = CourseSession.objects.create(
        course=CourseFactory(), venue=venue, starts_at=in_days(11, 10), ends_at=in_days(11, 16), capacity=5
    )
    with pytest.raises(IntegrityError, match="bookings_day_no_venue_overlap"), transaction.atomic():
        SessionDay.objects.create(session=other, venue=venue, starts_at=in_days(11, 10), ends_at=in_days(11, 16))
    # Once the course is cancelled its days no longer hold the room.
    services.session_cancel(session=course)
    assert not SessionDay.objects.filter(session=course, is_live=True).exists()
    SessionDay.objects.create(session=other, venue=venue, starts_at=in_days(11, 10), ends_at=in_days(11, 16))


def test_an_instructor_teaching_a_three_day_course_is_busy_on_each_day(faw):
    teacher = instructor()
    course = services.session_create(course=faw, venue=VenueFactory(), days=three_days(), instructor=teacher)
    with pytest.raises(ScheduleClash) as exc:
        services.session_create(
            course=CourseFactory(),
            venue=VenueFactory(),
            starts_at=in_days(12, 9),
            ends_at=in_days(12, 15),
            instructor=teacher,
        )
    assert exc.value.details == {"clash": "instructor", "session": course.pk}


def test_the_admin_form_shows_the_second_day_clash_as_a_field_error(admin_client_logged, faw):
    venue = VenueFactory()
    services.session_create(course=CourseFactory(), venue=venue, starts_at=in_days(11, 10), ends_at=in_days(11, 16))
    first, second, third = three_days()
    local = [(start.astimezone(venue.zone), end.astimezone(venue.zone)) for start, end in (first, second, third)]
    data = {
        "course": faw.pk,
        "venue": venue.pk,
        "starts_at_0": f"{local[0][0]:%Y-%m-%d}",
        "starts_at_1": f"{local[0][0]:%H:%M}",
        "ends_at_0": f"{local[0][1]:%Y-%m-%d}",
        "ends_at_1": f"{local[0][1]:%H:%M}",
        "further_days": "\n".join(f"{s:%Y-%m-%d %H:%M}-{e:%H:%M}" for s, e in local[1:]),
        "capacity": "",
        "notes": "",
    }
    response = admin_client_logged.post(reverse("admin:bookings_coursesession_add"), data)
    assert response.status_code == 200
    assert "The venue already has a session then" in response.content.decode()
    assert not CourseSession.objects.filter(course=faw).exists()
    bad = admin_client_logged.post(reverse("admin:bookings_coursesession_add"), {**data, "further_days": "tomorrow"})
    assert bad.status_code == 200 and "Line 1" in bad.content.decode()
    # At another venue the three days are scheduled, each on the venue's clocks.
    saved = admin_client_logged.post(reverse("admin:bookings_coursesession_add"), {**data, "venue": VenueFactory().pk})
    assert saved.status_code == 302, saved.content.decode()[:3000]
    session = CourseSession.objects.get(course=faw)
    assert [day.local_starts_at.hour for day in session.days.all()] == [local[0][0].hour] * 3


def test_the_days_must_give_the_course_its_hours(faw):
    venue = VenueFactory()
    short = [(in_days(10, 9), in_days(10, 16)), (in_days(11, 9), in_days(11, 16))]
    with pytest.raises(InvalidSession) as exc:
        services.session_create(course=faw, venue=venue, days=short)
    assert "18 hours" in exc.value.details["days"] and "14" in exc.value.details["days"]
    long = three_days(hours=(8, 17))
    with pytest.raises(InvalidSession) as exc:
        services.session_create(course=faw, venue=venue, days=long)
    assert "days" in exc.value.details
    overlapping = [
        (in_days(10, 9), in_days(10, 16)),
        (in_days(10, 15), in_days(10, 22)),
        (in_days(11, 9), in_days(11, 16)),
    ]
    with pytest.raises(InvalidSession):
        services.session_create(course=faw, venue=venue, days=overlapping)


def test_moving_a_multi_day_session_needs_its_days(faw):
    session = services.session_create(course=faw, venue=VenueFactory(), days=three_days())
    with pytest.raises(InvalidSession):
        services.session_update(session=session, starts_at=in_days(20, 9), ends_at=in_days(20, 16))
    services.session_update(session=session, days=three_days(start_day=20))
    assert [d.starts_at for d in session.days.all()] == [start for start, _end in three_days(start_day=20)]


def test_certificate_only_for_an_attendee_present_every_day(faw, pay):
    session = services.session_create(
        course=faw, venue=VenueFactory(), days=three_days(), status=CourseSession.Status.PUBLISHED
    )
    booking = pay(
        services.booking_create(
            customer=UserFactory(), session=session, attendees=[{"name": "Aisha Khan"}, {"name": "Tom Reid"}]
        )
    )
    aisha, tom = booking.attendees.order_by("pk")
    days = list(session.days.order_by("starts_at"))
    last = days[-1].ends_at
    with pytest.raises(Exception) as exc:
        services.attendance_mark(attendee=aisha, present=True, actor=None, now=days[0].starts_at)
    assert exc.value.code == "day_required"
    with pytest.raises(Exception) as exc:
        services.attendance_mark(attendee=aisha, present=True, actor=None, now=days[0].starts_at, day=days[1])
    assert exc.value.code == "attendance_not_open"
    for day in days:
        services.attendance_mark(attendee=aisha, present=True, actor=None, now=day.starts_at, day=day)
    for day, here in zip(days, (True, False, True), strict=True):
        services.attendance_mark(attendee=tom, present=here, actor=None, now=day.starts_at, day=day)
    aisha.refresh_from_db()
    tom.refresh_from_db()
    assert aisha.attendance == Attendee.Attendance.PRESENT
    assert tom.attendance == Attendee.Attendance.ABSENT
    services.session_complete(session=session, now=last + datetime.timedelta(hours=1))
    certificate = services.certificate_issue(attendee=aisha)
    assert certificate.learner_name == "Aisha Khan"
    with pytest.raises(NotCertifiable):
        services.certificate_issue(attendee=tom)
    assert [c.learner_name for c in services.certificates_issue(session=session)] == ["Aisha Khan"]
    text = pdf_text(certificate_pdf(certificate))
    assert "Aisha Khan" in text and "18 hours over 3 days" in text
