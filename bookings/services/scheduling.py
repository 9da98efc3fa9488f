"""Scheduling sessions: overlap checks (the service side of the PostgreSQL exclusion
constraints), capacity against venue and course, publishing, cancelling, completing."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from skypark.audit.services import audit_log, snapshot
from skypark.core.activity import COURSE_COMPLETED, activity_record

from ..errors import InvalidSession, ScheduleClash
from ..models import INSTRUCTORS_GROUP, Attendee, Booking, CourseSession, Venue, WaitlistEntry
from ._common import Status, booking_notify, status_for_places
from .cancelling import booking_cancel
from .days import clash_error, day_clash, days_errors, days_of, session_days_follow, session_days_write

SESSION_FIELDS = ("course", "venue", "instructor", "starts_at", "ends_at", "capacity", "notes", "days")


def days_of_input(starts_at, ends_at, days):
    """The days a caller gave: ``days`` in order, or the one day ``starts_at``–``ends_at``."""
    if days:
        return sorted((start, end) for start, end in days)
    if starts_at and ends_at:
        return [(starts_at, ends_at)]
    return []


def session_clash(session, days=None) -> tuple[str, CourseSession] | None:
    """``("venue" | "instructor", other session)`` when a day of ``session`` (its
    ``days``, stored days or span) overlaps a live day of another session at its venue
    or with its instructor; None otherwise. Sessions that merely touch (one ends when
    the next starts) do not overlap, as in the database's half-open ``tstzrange``."""
    clash = day_clash(session, days_of(session, days))
    return (clash[0], clash[1].session) if clash else None


def session_validate(session, days=None) -> None:
    """Raises ``InvalidSession`` (field errors in ``details``) or ``ScheduleClash``.
    Shared by the service, the admin form and the API. ``days`` are the session's days
    as ``(start, end)`` pairs (default: its stored days, or its span as one day)."""
    days = days_of(session, days)
    errors = days_errors(session, days)
    if session.starts_at and session.ends_at and session.ends_at <= session.starts_at:
        errors["ends_at"] = _("The session must end after it starts.")
    venue = session.venue if session.venue_id else None
    course = session.course if session.course_id else None
    if session.capacity is None or session.capacity < 1:
        errors["capacity"] = _("Give the number of places (at least one).")
    elif venue is not None and session.capacity > venue.capacity:
        errors["capacity"] = ngettext(
            "The venue holds at most %(n)s person.", "The venue holds at most %(n)s people.", venue.capacity
        ) % {"n": venue.capacity}
    elif course is not None and session.capacity > course.max_capacity:
        errors["capacity"] = ngettext(
            "This course takes at most %(n)s learner.", "This course takes at most %(n)s learners.", course.max_capacity
        ) % {"n": course.max_capacity}
    elif session.capacity < session.places_taken:
        errors["capacity"] = ngettext(
            "%(n)s place is already taken.", "%(n)s places are already taken.", session.places_taken
        ) % {"n": session.places_taken}
    if session.instructor_id and not (
        session.instructor.is_staff and session.instructor.groups.filter(name=INSTRUCTORS_GROUP).exists()
    ):
        errors["instructor"] = _("Choose a staff member from the Instructors group.")
    if venue is not None and not venue.is_active and session.status != Status.CANCELLED:
        errors["venue"] = _("This venue is not active.")
    if errors:
        raise InvalidSession(" ".join(str(v) for v in errors.values()), details=errors)
    clash = day_clash(session, days)
    if clash:
        raise clash_error(*clash)


def _session_save(session, *, update_fields=None, days=None):
    """Saves the session and its days inside a savepoint so that the PostgreSQL
    exclusion constraints, which catch the race two schedulers can win against
    ``session_clash``, surface as ``ScheduleClash`` instead of an IntegrityError."""
    try:
        with transaction.atomic():
            session.save(update_fields=update_fields)
            if days is not None:
                session_days_write(session, days)
            else:
                session_days_follow(session)
    except IntegrityError as exc:
        text = str(exc)
        for kind in ("venue", "instructor"):
            if f"bookings_day_no_{kind}_overlap" in text:
                raise ScheduleClash(details={"clash": kind})
        raise


@transaction.atomic
def session_create(
    *,
    course,
    venue,
    starts_at=None,
    ends_at=None,
    days=None,
    instructor=None,
    capacity=None,
    status=Status.DRAFT,
    notes="",
    actor=None,
) -> CourseSession:
    """Schedules a session of one day (``starts_at``–``ends_at``) or of several
    (``days``: ``(start, end)`` pairs; the session then spans them). Locks the venue
    row, so two schedulers at one venue queue and the second sees the first's session;
    an instructor clash raced across venues is refused by the PostgreSQL exclusion
    constraint on the days. Capacity defaults to the smaller of the course's and the
    venue's; the days' hours must fit the course's duration."""
    Venue.objects.select_for_update().get(pk=venue.pk)
    days = days_of_input(starts_at, ends_at, days)
    if days:
        starts_at, ends_at = days[0][0], days[-1][1]
    if status not in (Status.DRAFT, Status.PUBLISHED):
        raise InvalidSession(details={"status": _("A new session is a draft or published.")})
    session = CourseSession(
        course=course,
        venue=venue,
        instructor=instructor,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity or min(course.max_capacity, venue.capacity),
        status=status,
        notes=notes,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    session_validate(session, days)
    _session_save(session, days=days)
    audit_log(
        actor=actor,
        action="bookings.session.created",
        obj=session,
        after=snapshot(session),
        data={"days": [[start.isoformat(), end.isoformat()] for start, end in days]},
    )
    return session


@transaction.atomic
def session_update(*, session, actor=None, **fields) -> CourseSession:
    """Changes a session's schedule, venue, instructor, capacity or notes. Locks the
    session, then its venue (the new one if it moves). Capacity never drops below the
    places taken; the status follows the places (full ↔ published)."""
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"session_update() got unexpected fields {sorted(unknown)}")
    session = CourseSession.objects.select_for_update().get(pk=session.pk)
    before = snapshot(session)
    days = fields.pop("days", None)
    stored = days_of(session)
    for name, value in fields.items():
        setattr(session, name, value)
    Venue.objects.select_for_update().get(pk=session.venue_id)
    if session.status == Status.CANCELLED:
        raise InvalidSession(_("A cancelled session cannot be changed."))
    if days:
        days = days_of_input(None, None, days)
        session.starts_at, session.ends_at = days[0][0], days[-1][1]
    elif not stored or (session.starts_at, session.ends_at) != (stored[0][0], stored[-1][1]):
        if len(stored) > 1:
            raise InvalidSession(
                _("This session runs over several days: change its days, not only its start and end."),
                details={"days": _("Give every day of the session.")},
            )
        days = days_of_input(session.starts_at, session.ends_at, None)
    session_validate(session, days)
    session.status = status_for_places(session)
    _session_save(session, days=days or None)
    audit_log(actor=actor, action="bookings.session.updated", obj=session, before=before, after=snapshot(session))
    return session


@transaction.atomic
def session_publish(*, session, actor=None) -> CourseSession:
    """A draft goes on sale (or straight to full if its places are taken)."""
    session = CourseSession.objects.select_for_update().get(pk=session.pk)
    if session.status != Status.DRAFT:
        return session
    before = snapshot(session)
    session.status = Status.PUBLISHED
    session.status = status_for_places(session)
    session_validate(session)
    session.save(update_fields=["status", "updated_at"])
    audit_log(actor=actor, action="bookings.session.published", obj=session, before=before, after=snapshot(session))
    return session


def session_cancel_begin(*, session, actor=None, reason="") -> CourseSession:
    """The first step of cancelling a session: locks the session row and marks it
    cancelled, in one short transaction, so a booking made while the refunds run (its
    ``booking_create`` waits for this lock, then reads the status) is refused, and one
    made before is in the list the refunds read after this commits. Waiting-list
    entries are closed. Safe to call again."""
    with transaction.atomic():
        session = CourseSession.objects.select_for_update().get(pk=session.pk)
        if session.status != Status.CANCELLED:
            before = snapshot(session)
            session.status = Status.CANCELLED
            session.save(update_fields=["status", "updated_at"])
            session_days_follow(session)
            audit_log(
                actor=actor,
                action="bookings.session.cancelled",
                obj=session,
                before=before,
                after=snapshot(session),
                data={"reason": reason},
            )
        WaitlistEntry.objects.filter(
            session=session, status__in=(WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED)
        ).update(status=WaitlistEntry.Status.CANCELLED, offer_expires_at=None, updated_at=Now())
    return session


def session_bookings_cancel(*, session, actor=None, reason="", progress=None) -> dict:
    """The second step: every pending or confirmed booking of the cancelled session is
    cancelled with a full refund through the checkout (the policy does not apply when
    we cancel), the booker told, and each named attendee with an e-mail address of
    their own told too. Each booking is its own transaction, so a provider failure on
    one leaves the others done; run again, it finishes what is left."""
    reason = reason or _("The session was cancelled by the organiser.")
    ids = list(
        Booking.objects.filter(session_id=session.pk, status__in=(Booking.Status.PENDING, Booking.Status.CONFIRMED))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done, failed = 0, 0
    for index, pk in enumerate(ids, start=1):
        error = None
        try:
            booking = booking_cancel(
                booking=Booking.objects.get(pk=pk), actor=actor, reason=reason, full_refund=True, by_staff=True
            )
        except Exception as exc:  # one booking's provider failure must not stop the others
            failed += 1
            error = f"{pk}: {exc}"
        else:
            done += 1
            own = (booking.customer.email or "").casefold()
            for attendee in booking.attendees.exclude(email="").filter(cancelled_at__isnull=True):
                if attendee.email.casefold() != own:
                    booking_notify(
                        booking=booking,
                        kind="bookings.session_cancelled",
                        dedupe_key=f"bookings.session_cancelled.{booking.pk}.{attendee.pk}",
                        extra={"reason": reason, "attendee": attendee.name},
                        to_address=attendee.email,
                    )
        if progress is not None:
            progress(index, len(ids), error=error)
    return {"cancelled": done, "failed": failed}


def session_cancel(*, session, actor=None, reason="") -> CourseSession:
    """Cancels a session at once (``session_cancel_begin``, then
    ``session_bookings_cancel``) in the caller's thread."""
    session = session_cancel_begin(session=session, actor=actor, reason=reason)
    session_bookings_cancel(session=session, actor=actor, reason=reason)
    return session


def session_cancel_start(*, session, actor=None, reason=""):
    """What staff do: the session is locked and marked cancelled now, and the refunds
    and e-mails run as a background staff job with progress (``skypark.core.jobs``)."""
    from skypark.core.jobs import job_start

    session = session_cancel_begin(session=session, actor=actor, reason=reason)
    return job_start(
        kind=SESSION_CANCEL_JOB,
        params={"session": session.pk, "reason": reason},
        actor=actor,
        description=f"Cancel session {session.pk}",
    )


SESSION_CANCEL_JOB = "bookings.session_cancel"


@transaction.atomic
def session_complete(*, session, actor=None, now=None) -> CourseSession:
    """Marks a session that has ended as completed. Confirmed bookings with someone
    present become completed, the rest no-shows. Locks the session, then its bookings.
    Running it again changes nothing."""
    now = now or timezone.now()
    session = CourseSession.objects.select_for_update().get(pk=session.pk)
    if session.completed_at:
        return session
    if session.status == Status.CANCELLED or session.ends_at > now:
        raise InvalidSession(_("Only a session that has ended can be completed."), details={"status": session.status})
    before = snapshot(session)
    session.completed_at = now
    session.save(update_fields=["completed_at", "updated_at"])
    # Present on at least one day: the booking was taken up (a certificate still needs
    # every day).
    present = Attendee.objects.filter(booking=OuterRef("pk")).filter(
        Q(attendance=Attendee.Attendance.PRESENT) | Q(days__attendance=Attendee.Attendance.PRESENT)
    )
    bookings = Booking.objects.select_for_update().filter(
        session=session, status__in=(Booking.Status.CONFIRMED, Booking.Status.NO_SHOW)
    )
    list(bookings.order_by("pk").values_list("pk", flat=True))
    finishers = list(bookings.filter(Exists(present)).values_list("pk", "customer_id"))
    completed = bookings.filter(Exists(present)).update(status=Booking.Status.COMPLETED, updated_at=Now())
    for booking_id, customer_id in finishers:
        activity_record(
            customer_id=customer_id,
            kind=COURSE_COMPLETED,
            reference=f"course_completed:{booking_id}",
            occurred_at=session.ends_at,
            title=session.course.name,
        )
    no_show = bookings.filter(~Exists(present), status=Booking.Status.CONFIRMED).update(
        status=Booking.Status.NO_SHOW, updated_at=Now()
    )
    audit_log(
        actor=actor,
        action="bookings.session.completed",
        obj=session,
        before=before,
        after=snapshot(session),
        data={"completed": completed, "no_show": no_show},
    )
    return session


def instructors():
    """Staff in the Instructors group, for forms and the admin."""
    return get_user_model().objects.filter(is_staff=True, is_active=True, groups__name=INSTRUCTORS_GROUP).distinct()
