"""Attendance on the roster and certificates (only after the session is completed)."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.audit.services import audit_log, snapshot

from .. import signals
from ..documents import PDF_MIMETYPE, certificate_pdf
from ..errors import AttendanceNotOpen, NotCertifiable, SessionNotCompleted
from ..models import Attendee, Booking, Certificate, CourseSession
from ._common import booking_notify, site_url
from .days import attendance_mark_day, attendance_summary, attended_every_day


@transaction.atomic
def attendance_mark(*, attendee, present: bool, actor, now=None, day=None) -> Attendee:
    """An instructor marks one attendee present or absent on one ``day`` of the session
    (a ``SessionDay``; it may be left out when the session has one day), from that
    day's start onwards. The attendee's ``attendance`` sums the days up: present once
    present every day, absent once absent on any. Locks the attendee's booking. A
    booking marked no-show by the sweep comes back as confirmed (or completed, once the
    session is) when someone turns out to have been there."""
    now = now or timezone.now()
    booking = Booking.objects.select_for_update(of=("self",)).select_related("session").get(pk=attendee.booking_id)
    days = list(booking.session.days.select_related("venue").order_by("starts_at"))
    if day is None:
        if len(days) > 1:
            raise AttendanceNotOpen(_("Choose the day of the course to mark."), code="day_required")
        if booking.session.starts_at > now:
            raise AttendanceNotOpen()
    if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.COMPLETED, Booking.Status.NO_SHOW):
        raise AttendanceNotOpen(
            _("Only confirmed bookings are on the roster."), code="not_on_roster", details={"status": booking.status}
        )
    attendee = Attendee.objects.select_related("booking").get(pk=attendee.pk)
    before = snapshot(attendee)
    if day is not None:
        attendance_mark_day(attendee=attendee, day=day, present=present, actor=actor, now=now)
        attendee.attendance = attendance_summary(attendee)
    elif days:
        attendance_mark_day(attendee=attendee, day=days[0], present=present, actor=actor, now=now, check_start=False)
        attendee.attendance = attendance_summary(attendee)
    else:
        attendee.attendance = Attendee.Attendance.PRESENT if present else Attendee.Attendance.ABSENT
    attendee.marked_at = now
    attendee.marked_by = actor if getattr(actor, "pk", None) else None
    attendee.save(update_fields=["attendance", "marked_at", "marked_by"])
    present = present or attendee.days.filter(attendance=Attendee.Attendance.PRESENT).exists()
    if present and booking.status == Booking.Status.NO_SHOW:
        booking.status = Booking.Status.COMPLETED if booking.session.completed_at else Booking.Status.CONFIRMED
        booking.save(update_fields=["status", "updated_at"])
    signals.attendance_marked.send(sender=Attendee, attendee=attendee, booking=booking, now=now)
    audit_log(actor=actor, action="bookings.attendance.marked", obj=attendee, before=before, after=snapshot(attendee))
    return attendee


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def certificate_issue(*, attendee, actor=None, today=None) -> Certificate:
    """Issues the certificate of an attendee who was present on every day of a completed
    session, in the attendee's own name,
    valid for the course's ``certificate_validity_years``, and e-mails it as a PDF.
    Locks the attendee row; issuing twice returns the first certificate. Raises
    ``SessionNotCompleted`` before completion and ``NotCertifiable`` for anyone not
    marked present."""
    today = today or timezone.localdate()
    attendee = (
        Attendee.objects.select_for_update(of=("self",))
        .select_related("booking__session__course", "booking__session__venue", "booking__customer")
        .get(pk=attendee.pk)
    )
    existing = Certificate.objects.filter(attendee=attendee).first()
    if existing is not None:
        return existing
    booking = attendee.booking
    session = booking.session
    if session.completed_at is None:
        raise SessionNotCompleted()
    every_day = attended_every_day(attendee) if session.days.exists() else True
    if (
        attendee.attendance != Attendee.Attendance.PRESENT
        or not every_day
        or booking.status != Booking.Status.COMPLETED
    ):
        raise NotCertifiable(details={"attendance": attendee.attendance, "booking": booking.status})
    course = session.course
    certificate = Certificate.objects.create(
        attendee=attendee,
        booking=booking,
        course=course,
        learner_name=attendee.name,
        learner_email=attendee.email,
        issued_on=today,
        expires_on=_add_years(today, course.certificate_validity_years),
        issued_by=actor if getattr(actor, "pk", None) else None,
    )
    booking_notify(
        booking=booking,
        kind="bookings.certificate_issued",
        dedupe_key=f"bookings.certificate_issued.{certificate.pk}",
        extra={"certificate": certificate, "verify_url": site_url("bookings:certificate-verify", certificate.number)},
        attachments=[(f"{certificate.number}.pdf", certificate_pdf(certificate), PDF_MIMETYPE)],
        to_address=attendee.email or None,
    )
    audit_log(actor=actor, action="bookings.certificate.issued", obj=certificate, after=snapshot(certificate))
    return certificate


def certificates_issue(*, session, actor=None, today=None) -> list[Certificate]:
    """Issues certificates to everyone present at a completed session. Each is its own
    transaction; the ones already issued are returned as they are."""
    session = CourseSession.objects.get(pk=session.pk)
    if session.completed_at is None:
        raise SessionNotCompleted()
    attendees = Attendee.objects.filter(
        booking__session=session,
        booking__status=Booking.Status.COMPLETED,
        attendance=Attendee.Attendance.PRESENT,
        cancelled_at__isnull=True,
    ).order_by("pk")
    return [certificate_issue(attendee=a, actor=actor, today=today) for a in attendees]
