"""Times are stored in UTC and told on the venue's clocks: a London session at 09:30 is
09:30 Europe/London on the page, in the e-mails and in the calendar file, on either side
of the UK's change to summer time (28 March 2027), whatever the platform's zone."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from bookings import services
from bookings.models import CourseSession, Venue
from skypark.notify.tests.pdf import attachment

from .factories import CourseFactory, SessionFactory, VenueFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture
def learner(customer):
    customer.email = "learner@example.co.uk"
    customer.language = "en"
    customer.save()
    return customer


@pytest.mark.parametrize(
    ("day", "utc_hour", "zone_name"),
    [(datetime.date(2027, 3, 16), 9, "GMT"), (datetime.date(2027, 4, 13), 8, "BST")],
    ids=["winter", "summer"],
)
def test_a_london_session_at_0930_is_0930_london_everywhere(
    client, learner, pay, outbox, settings, day, utc_hour, zone_name, django_capture_on_commit_callbacks
):
    assert settings.TIME_ZONE != "Europe/London"
    venue = VenueFactory(time_zone="Europe/London")
    starts = datetime.datetime.combine(day, datetime.time(9, 30), tzinfo=LONDON)
    session = services.session_create(
        course=CourseFactory(duration_hours=Decimal("6")),
        venue=venue,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=6),
        status=CourseSession.Status.PUBLISHED,
    )
    session.refresh_from_db()
    assert session.starts_at.astimezone(datetime.UTC).hour == utc_hour
    assert session.local_starts_at.tzname() == zone_name

    client.cookies["django_language"] = "en"
    page = client.get(reverse("bookings:session-book", args=[session.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "09:30" in page and "15:30" in page and "Europe/London" in page
    listing = client.get(reverse("bookings:session-list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "09:30" in listing and "Europe/London" in listing

    booking = pay(services.booking_create(customer=learner, session=session))
    [message] = [m for m in mail.outbox if booking.reference in m.subject]
    assert "09:30" in message.body and "Europe/London" in message.body
    ics = attachment(message, ".ics")[1]
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert f"DTSTART;TZID=Europe/London:{day:%Y%m%d}T093000" in ics
    calendar = Calendar.from_ical(ics)
    [vevent] = calendar.walk("VEVENT")
    assert vevent.decoded("dtstart") == session.starts_at
    [vtimezone] = calendar.walk("VTIMEZONE")
    assert vtimezone["tzid"] == "Europe/London"
    assert {sub.name for sub in vtimezone.subcomponents} == {"STANDARD", "DAYLIGHT"}

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.booking_remind(booking_id=booking.pk)
    [reminder] = mail.outbox
    assert "09:30" in reminder.body and "Europe/London" in reminder.body

    detail = client.get(reverse("bookings:booking-detail", args=[booking.reference]))
    assert detail.status_code in (200, 302)


def test_a_multi_day_course_sends_one_calendar_event_per_day(learner, pay, outbox):
    venue = VenueFactory(time_zone="Europe/London")
    days = [
        (
            datetime.datetime(2027, 3, 26 + i, 9, 30, tzinfo=LONDON),
            datetime.datetime(2027, 3, 26 + i, 16, 30, tzinfo=LONDON),
        )
        for i in range(3)
    ]
    session = services.session_create(
        course=CourseFactory(duration_hours=Decimal("18")),
        venue=venue,
        days=days,
        status=CourseSession.Status.PUBLISHED,
    )
    booking = pay(services.booking_create(customer=learner, session=session))
    [message] = [m for m in mail.outbox if booking.reference in m.subject]
    events = Calendar.from_ical(attachment(message, ".ics")[1]).walk("VEVENT")
    # 26 and 27 March are GMT, 28 March (the change) is BST: 09:30 on the clock each day.
    assert [e.decoded("dtstart").astimezone(LONDON).strftime("%d %H:%M") for e in events] == [
        "26 09:30",
        "27 09:30",
        "28 09:30",
    ]
    assert [e.decoded("dtstart").astimezone(datetime.UTC).hour for e in events] == [9, 9, 8]
    assert len({str(e["uid"]) for e in events}) == 3
    assert message.body.count("09:30") >= 3


def test_a_venue_needs_a_real_time_zone():
    from django.core.exceptions import ValidationError

    venue = Venue(
        name="Hall", address_line1="1 Street", city="Leeds", postcode="LS1 4AP", capacity=5, time_zone="Mars/Olympus"
    )
    with pytest.raises(ValidationError) as exc:
        venue.full_clean()
    assert "time_zone" in exc.value.message_dict


def test_kyrgyz_venues_show_bishkek_time(client):
    session = SessionFactory(venue=VenueFactory(country="KG", postcode="720001", time_zone="Asia/Bishkek"))
    page = client.get(reverse("bookings:session-book", args=[session.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Asia/Bishkek" in page
