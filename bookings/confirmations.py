"""How a course booking is printed and confirmed (registered with notify's confirmations
in ``BookingsConfig.ready``). Called in the customer's language. The booking reference is
both the QR code's content and the code printed under it: the instructor's register is
kept by reference."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from skypark.notify.confirmations import CalendarEntry, TicketDescription

from .models import Booking
from .services._common import site_url
from .timing import session_days, session_when

CONFIRMABLE = (Booking.Status.CONFIRMED, Booking.Status.COMPLETED)


def describe_booking(booking: Booking) -> TicketDescription | None:
    if booking.status not in CONFIRMABLE:
        return None
    session, course, venue = booking.session, booking.session.course, booking.session.venue
    # The venue's clocks, its zone named; the calendar file carries the same zone (TZID
    # with its VTIMEZONE), one event per day.
    days = session_days(session)
    start, end = days[0]
    when = session_when(session)
    attendees = [attendee.name for attendee in booking.attendees.all()]
    who = ngettext("%(count)d place", "%(count)d places", booking.places) % {"count": booking.places}
    if attendees:
        who += ": " + ", ".join(attendees)
    url = site_url("bookings:booking-detail", booking.reference)
    return TicketDescription(
        kind="bookings.confirmation",
        dedupe_key=f"bookings.confirmation.{booking.pk}",
        reference=booking.reference,
        heading=_("Course booking"),
        title=course.name,
        qr_payload=booking.reference,
        backup_code=booking.reference,
        details=[
            (_("What"), course.name),
            (_("When"), when),
            (_("Where"), f"{venue.name}, {venue.address}"),
            (_("Who"), who),
        ],
        url=url,
        calendar=CalendarEntry(
            uid=booking.reference,
            summary=course.name,
            start=start,
            end=end,
            further_days=tuple(days[1:]),
            location=venue.address,
            description=ngettext(
                "Booking %(reference)s, %(count)d place.", "Booking %(reference)s, %(count)d places.", booking.places
            )
            % {"reference": booking.reference, "count": booking.places},
        ),
        context={
            "booking": booking,
            "session": session,
            "course": course,
            "venue": venue,
            "booking_url": url,
            "when": when,
        },
    )
