"""Sessions of one or more days: the days' checks (each day ends after it starts, days do
not overlap one another, the total hours fit the course's duration), the overlap check
per day against other sessions' days (the service side of the PostgreSQL exclusion
constraints on ``SessionDay``), writing the days, and attendance per attendee per day.

A session's ``starts_at``/``ends_at`` are its first day's start and last day's end; its
days say when the venue and the instructor are busy. Times are stored in UTC; the
venue's zone only decides how they are shown and how staff's wall-clock entries are
read (``venue_datetime``)."""

import datetime
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from skypark.audit.services import audit_log, snapshot

from ..errors import AttendanceNotOpen, ScheduleClash
from ..models import Attendee, AttendeeDay, SessionDay

# A teaching day has its breaks: a course of N hours over D days may be scheduled for up
# to N + BREAK_HOURS_PER_DAY × D hours (First Aid at Work: 18 h of teaching over three
# 09:00–16:30 days).
BREAK_HOURS_PER_DAY = Decimal("2")
HOUR = Decimal(3600)


def days_of(session, days=None) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The session's days as ``(start, end)`` pairs in order: the ``days`` given, else
    its stored days, else its span as one day."""
    if days:
        return sorted((start, end) for start, end in days)
    if session.pk:
        stored = list(session.days.order_by("starts_at").values_list("starts_at", "ends_at"))
        if stored:
            return stored
    if session.starts_at and session.ends_at:
        return [(session.starts_at, session.ends_at)]
    return []


def hours_of(days) -> Decimal:
    return sum((Decimal((end - start).total_seconds()) / HOUR for start, end in days), Decimal(0))


def days_errors(session, days) -> dict:
    """Field errors of the days (``ends_at`` for their order, ``days`` for the hours)."""
    errors = {}
    for start, end in days:
        if end <= start:
            errors["ends_at"] = _("The session must end after it starts.")
            return errors
    for (_start, end), (next_start, _end) in zip(days, days[1:], strict=False):
        if next_start < end:
            errors["days"] = _("The days of a session must not overlap.")
            return errors
    course = session.course if session.course_id else None
    if course is not None and days:
        total = hours_of(days)
        most = course.duration_hours + BREAK_HOURS_PER_DAY * len(days)
        if total < course.duration_hours:
            errors["days"] = _(
                "%(course)s takes %(hours)s hours; these days give only %(total)s. Add time or another day."
            ) % {"course": course.name, "hours": _hours(course.duration_hours), "total": _hours(total)}
        elif total > most:
            errors["days"] = ngettext(
                "%(course)s takes %(hours)s hours; %(total)s hours over %(n)s day leaves more than "
                "%(breaks)s hours a day for breaks.",
                "%(course)s takes %(hours)s hours; %(total)s hours over %(n)s days leaves more than "
                "%(breaks)s hours a day for breaks.",
                len(days),
            ) % {
                "course": course.name,
                "hours": _hours(course.duration_hours),
                "total": _hours(total),
                "n": len(days),
                "breaks": _hours(BREAK_HOURS_PER_DAY),
            }
    return errors


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value.quantize(Decimal('0.01')):f}"


def day_clash(session, days) -> tuple[str, SessionDay] | None:
    """``("venue" | "instructor", the other session's day)`` when any of ``days``
    overlaps a live day of another session at the venue or with the instructor.
    Touching days (one ends when the next starts) do not overlap, as in the database's
    half-open ``tstzrange``."""
    if not days or session.status == "cancelled":
        return None
    when = Q()
    for start, end in days:
        when |= Q(starts_at__lt=end, ends_at__gt=start)
    overlapping = (
        SessionDay.objects.filter(is_live=True)
        .filter(when)
        .exclude(session_id=session.pk)
        .select_related("session__course", "venue")
        .order_by("starts_at")
    )
    other = overlapping.filter(venue_id=session.venue_id).first()
    if other is not None:
        return "venue", other
    if session.instructor_id:
        other = overlapping.filter(instructor_id=session.instructor_id).first()
        if other is not None:
            return "instructor", other
    return None


def clash_error(kind, other_day) -> ScheduleClash:
    start = other_day.local_starts_at
    if kind == "venue":
        message = _("The venue already has a session then: %(other)s.")
    else:
        message = _("The instructor is already teaching then: %(other)s.")
    return ScheduleClash(
        message % {"other": f"{other_day.session.course.name}, {start:%d.%m.%Y %H:%M}"},
        details={"clash": kind, "session": other_day.session_id},
    )


def session_days_write(session, days) -> list[SessionDay]:
    """Replaces the session's days (the caller holds the session's and venue's locks and
    has validated them). Attendance already marked on a day that stays is kept."""
    kept = {day.starts_at: day for day in session.days.all()}
    wanted = {start: end for start, end in days}
    session.days.exclude(starts_at__in=list(wanted)).delete()
    rows = []
    for start, end in days:
        day = kept.get(start) or SessionDay(session=session, starts_at=start)
        day.ends_at = end
        day.venue_id = session.venue_id
        day.instructor_id = session.instructor_id
        day.is_live = session.status != "cancelled"
        day.save()
        rows.append(day)
    return rows


def session_days_follow(session) -> int:
    """The days follow the session's venue, instructor and status."""
    return SessionDay.objects.filter(session_id=session.pk).update(
        venue_id=session.venue_id, instructor_id=session.instructor_id, is_live=session.status != "cancelled"
    )


def venue_datetime(value: datetime.datetime, venue) -> datetime.datetime:
    """A wall-clock time staff typed for a venue: the same clock reading in the venue's
    zone (a form reads it in the platform's zone first)."""
    if value is None or venue is None:
        return value
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return local.replace(tzinfo=None).replace(tzinfo=venue.zone)


def days_parse(text: str, venue) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """``2027-04-13 09:30-16:30`` per line (the venue's clocks) → ``(start, end)`` in
    UTC-aware datetimes. Raises ``ValueError`` naming the line it cannot read."""
    days = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            date_text, times = line.split(None, 1)
            start_text, end_text = [part.strip() for part in times.replace("–", "-").split("-", 1)]
            day = datetime.date.fromisoformat(date_text)
            start = datetime.datetime.combine(day, datetime.time.fromisoformat(start_text), tzinfo=venue.zone)
            end = datetime.datetime.combine(day, datetime.time.fromisoformat(end_text), tzinfo=venue.zone)
        except ValueError:
            raise ValueError(number) from None
        days.append((start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)))
    return days


def attendance_summary(attendee) -> str:
    """Present once every day of the session is marked present; absent once a day is
    marked absent; not marked otherwise."""
    total = SessionDay.objects.filter(session_id=attendee.booking.session_id).count()
    marks = list(AttendeeDay.objects.filter(attendee=attendee).values_list("attendance", flat=True))
    if Attendee.Attendance.ABSENT in marks:
        return Attendee.Attendance.ABSENT
    if total and marks.count(Attendee.Attendance.PRESENT) >= total:
        return Attendee.Attendance.PRESENT
    return Attendee.Attendance.UNKNOWN


def attended_every_day(attendee) -> bool:
    days = SessionDay.objects.filter(session_id=attendee.booking.session_id)
    present = AttendeeDay.objects.filter(attendee=attendee, attendance=Attendee.Attendance.PRESENT)
    return days.exists() and present.filter(day__in=days).count() == days.count()


def attendance_mark_day(*, attendee, day, present: bool, actor, now, check_start=True) -> AttendeeDay:
    """Marks one attendee on one day (the caller holds the booking's lock): open from
    the day's start. Returns the day's row; the attendee's summary follows."""
    if day.session_id != attendee.booking.session_id:
        raise AttendanceNotOpen(_("This day is not part of the attendee's session."), code="wrong_day")
    if check_start and day.starts_at > now:
        raise AttendanceNotOpen(
            _("Attendance for %(day)s can be marked once that day has started.")
            % {"day": f"{day.local_starts_at:%d.%m.%Y}"}
        )
    row, _created = AttendeeDay.objects.get_or_create(attendee=attendee, day=day)
    before = snapshot(row)
    row.attendance = Attendee.Attendance.PRESENT if present else Attendee.Attendance.ABSENT
    row.marked_at = now
    row.marked_by = actor if getattr(actor, "pk", None) else None
    row.save()
    audit_log(actor=actor, action="bookings.attendance.day_marked", obj=row, before=before, after=snapshot(row))
    return row
