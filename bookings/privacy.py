"""Personal data held by bookings: bookings with their attendees, and certificates. On
erasure the bookings and certificates stay (their numbers may be checked), without the
names and e-mail addresses; a paid place on a session still to come blocks the erasure."""

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from skypark.privacy.registry import Section, not_personal, register, rows

from .models import Attendee, AttendeeDay, Booking, BookingStatus, Certificate, CompanyInvoice, WaitlistEntry


def export(user):
    return {
        "bookings": rows(Booking.objects.filter(customer=user).order_by("pk")),
        "attendees": rows(Attendee.objects.filter(booking__customer=user).order_by("pk"), exclude=("marked_by",)),
        "attendance_by_day": rows(
            AttendeeDay.objects.filter(attendee__booking__customer=user).order_by("pk"), exclude=("marked_by",)
        ),
        "certificates": rows(Certificate.objects.filter(booking__customer=user).order_by("pk"), exclude=("issued_by",)),
        "waiting_list": rows(WaitlistEntry.objects.filter(customer=user).order_by("pk")),
        "company_invoices": rows(
            CompanyInvoice.objects.filter(booking__customer=user).order_by("pk"), exclude=("paid_by",)
        ),
    }


def erase(user):
    from skypark.privacy.services import erased_name

    Booking.objects.filter(customer=user).exclude(notes="").update(notes="")
    Attendee.objects.filter(booking__customer=user).update(name=erased_name(user.pk), email="")
    Certificate.objects.filter(booking__customer=user).update(learner_name=erased_name(user.pk), learner_email="")
    # Leaving the lists gives any offered places back at the next sweep's promotion.
    WaitlistEntry.objects.filter(customer=user).update(attendees=[], notes="", discount_code="")
    WaitlistEntry.objects.filter(customer=user, status__in=("waiting",)).update(status="cancelled")


def blockers(user):
    upcoming = (
        Booking.objects.filter(customer=user, status=BookingStatus.CONFIRMED, session__starts_at__gt=timezone.now())
        .select_related("session__course")
        .order_by("session__starts_at")
    )
    return [
        _(
            "You have a booking %(reference)s on %(course)s on %(date)s: cancel it or attend it, then ask again; "
            "or wait for our staff to review your request."
        )
        % {
            "reference": booking.reference,
            "course": booking.session.course.name,
            "date": formats.date_format(timezone.localtime(booking.session.starts_at), "DATE_FORMAT"),
        }
        for booking in upcoming
    ]


register(
    Section(
        key="bookings",
        export=export,
        erase=erase,
        blockers=blockers,
        covers=("bookings.Booking.customer", "bookings.WaitlistEntry.customer"),
        order=70,
    )
)
not_personal(
    "bookings.CourseSession.instructor",
    "bookings.CourseSession.created_by",
    "bookings.Attendee.marked_by",
    "bookings.Certificate.issued_by",
    "bookings.SessionDay.instructor",
    "bookings.AttendeeDay.marked_by",
    reason="the instructor or member of staff who acted",
)
# A company invoice names the company, not the person, and is an accounting record kept
# for the statutory period; it is exported with the booker's data and left on erasure.
not_personal("bookings.CompanyInvoice.paid_by", reason="the member of staff who recorded the payment")
