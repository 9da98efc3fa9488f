"""The waiting list of a full course session.

A group joins with its named attendees; when places free up (a cancellation, an
unpaid order expiring, staff raising the capacity) they are offered to the first
waiting group that fits, held on the session for ``bookings.offer_hours``. A group
of 4 is passed over while fewer than 4 places are free, unless it chose "split if
needed": then the people who fit are offered places and the rest keep the group's
turn in a new entry. Taking an offer books through the normal booking (and its
checkout order); an offer not taken in time lapses and the places move on.

Locks: the session row, then waiting-list rows (after any booking rows, as
everywhere in this app), so promotion is serialised per session and concurrent
cancellations never offer one place twice."""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from skypark.audit.services import audit_log
from skypark.config.selectors import get_int

from ..errors import SessionNotBookable, WaitlistNotAvailable
from ..models import CourseSession, WaitlistEntry
from ._common import booking_notify_entry, site_url, status_for_places
from .booking import NOT_BOOKABLE_MESSAGES, _attendees_resolve, _refusal, booking_create

W = WaitlistEntry.Status


def _session_locked(session_id) -> CourseSession:
    return CourseSession.objects.select_for_update(of=("self",)).select_related("course").get(pk=session_id)


@transaction.atomic
def waitlist_join(
    *, customer, session, attendees=None, split_if_needed=False, discount_code="", notes="", now=None
) -> WaitlistEntry:
    """Puts the customer's group on the session's waiting list (the session has fewer
    places left than the group needs). Locks the session; refuses with
    ``SessionNotBookable`` or ``InvalidAttendees``; a group that fits is told to book
    (``WaitlistNotAvailable``)."""
    now = now or timezone.now()
    people = _attendees_resolve(customer, attendees)
    session = _session_locked(session.pk)
    reason = _refusal(session, now)
    if reason:
        raise SessionNotBookable(NOT_BOOKABLE_MESSAGES[reason](), details={"reason": reason})
    waiting = WaitlistEntry.objects.filter(session=session, status=W.WAITING).exists()
    if session.places_left >= len(people) and not waiting:
        raise WaitlistNotAvailable(details={"places_left": session.places_left})
    entry = WaitlistEntry.objects.create(
        session=session,
        customer=customer,
        attendees=people,
        places=len(people),
        split_if_needed=bool(split_if_needed),
        discount_code=discount_code or "",
        notes=notes or "",
        joined_at=now,
    )
    audit_log(actor=customer, action="bookings.waitlist.joined", obj=entry, data={"places": entry.places})
    waitlist_promote(session, now=now)
    entry.refresh_from_db()
    return entry


def waitlist_position(entry: WaitlistEntry) -> int | None:
    """1 for the next group to be offered places; None when not waiting."""
    if entry.status != W.WAITING:
        return None
    return WaitlistEntry.objects.filter(
        Q(joined_at__lt=entry.joined_at) | Q(joined_at=entry.joined_at, pk__lte=entry.pk),
        session_id=entry.session_id,
        status=W.WAITING,
    ).count()


def _split(entry: WaitlistEntry, keep: int) -> WaitlistEntry:
    part = WaitlistEntry.objects.create(
        session_id=entry.session_id,
        customer_id=entry.customer_id,
        attendees=entry.attendees[keep:],
        places=entry.places - keep,
        split_if_needed=True,
        discount_code=entry.discount_code,
        notes=entry.notes,
        joined_at=entry.joined_at,
        part_of_id=entry.part_of_id or entry.pk,
    )
    entry.attendees = entry.attendees[:keep]
    entry.places = keep
    return part


def waitlist_promote(session: CourseSession, *, now=None) -> list[WaitlistEntry]:
    """Offers the session's free places to the waiting list, first group that fits
    first (the caller holds the session row lock). The offered places are held
    (``places_taken``) until booked or expired; each group is told by e-mail."""
    now = now or timezone.now()
    if session.starts_at <= now or session.status not in CourseSession.OPEN_STATUSES:
        return []
    offered = []
    waiting = list(
        WaitlistEntry.objects.select_for_update(of=("self",))
        .filter(session=session, status=W.WAITING)
        .order_by("joined_at", "pk")
    )
    for entry in waiting:
        free = session.places_left
        if free <= 0:
            break
        if entry.places > free:
            if not entry.split_if_needed:
                continue
            _split(entry, free)
        entry.status = W.OFFERED
        entry.offer_expires_at = now + datetime.timedelta(hours=get_int("bookings.offer_hours"))
        entry.save()
        session.places_taken += entry.places
        offered.append(entry)
        audit_log(actor=None, action="bookings.waitlist.offered", obj=entry, data={"places": entry.places})
        transaction.on_commit(lambda entry=entry: _offer_notify(entry.pk))
    if offered:
        session.status = status_for_places(session)
        session.save(update_fields=["places_taken", "status", "updated_at"])
    return offered


def _offer_notify(entry_id):
    """The offer says how many places, for whom, until when, and (after a split) who of
    the group is still waiting."""
    entry = WaitlistEntry.objects.select_related("session__course", "session__venue", "customer").get(pk=entry_id)
    group = entry.part_of_id or entry.pk
    still_waiting = [
        person.get("name", "")
        for other in WaitlistEntry.objects.filter(Q(part_of_id=group) | Q(pk=group), status=W.WAITING)
        .exclude(pk=entry.pk)
        .order_by("pk")
        for person in other.attendees
    ]
    booking_notify_entry(
        entry=entry,
        kind="bookings.waitlist_offer",
        dedupe_key=f"bookings.offer.{entry.pk}.{int(entry.offer_expires_at.timestamp())}",
        url=site_url("bookings:waitlist"),
        extra={
            "names": ", ".join(person.get("name", "") for person in entry.attendees),
            "still_waiting": ", ".join(still_waiting),
        },
    )


def _places_give_back(session: CourseSession, places: int):
    session.places_taken = max(session.places_taken - places, 0)
    session.status = status_for_places(session)
    session.save(update_fields=["places_taken", "status", "updated_at"])


@transaction.atomic
def waitlist_offer_accept(*, entry: WaitlistEntry, now=None):
    """The group books the places it was offered: the held places become a normal
    booking (with its checkout order and the entry's discount code), in one
    transaction. Locks the session, then the entry. Raises ``WaitlistNotAvailable``
    when there is no live offer; a refused booking (e.g. the code ran out) leaves the
    offer as it was."""
    now = now or timezone.now()
    session = _session_locked(entry.session_id)
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != W.OFFERED or entry.offer_expires_at <= now:
        raise WaitlistNotAvailable(details={"status": entry.status})
    _places_give_back(session, entry.places)
    booking = booking_create(
        customer=entry.customer,
        session=session,
        attendees=entry.attendees,
        discount_code=entry.discount_code,
        notes=entry.notes,
        now=now,
    )
    entry.status = W.BOOKED
    entry.booking = booking
    entry.offer_expires_at = None
    entry.save()
    audit_log(actor=entry.customer, action="bookings.waitlist.booked", obj=entry, data={"booking": booking.reference})
    return booking


@transaction.atomic
def waitlist_leave(*, entry: WaitlistEntry, actor, now=None) -> WaitlistEntry:
    """The customer leaves the list (or turns an offer down): an offer's places go to
    the next group. Locks the session, then the entry; a second call changes nothing."""
    now = now or timezone.now()
    session = _session_locked(entry.session_id)
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status not in (W.WAITING, W.OFFERED):
        return entry
    held = entry.status == W.OFFERED
    entry.status = W.CANCELLED
    entry.offer_expires_at = None
    entry.save()
    audit_log(actor=actor, action="bookings.waitlist.left", obj=entry)
    if held:
        _places_give_back(session, entry.places)
        waitlist_promote(session, now=now)
    return entry


def waitlist_offers_expire(*, now=None) -> int:
    """Offers not taken in time lapse and their places go to the next group; then any
    session with free places and a waiting list is served (staff raised the capacity).
    One transaction per session; a second run does nothing."""
    now = now or timezone.now()
    due = set(
        WaitlistEntry.objects.filter(status=W.OFFERED, offer_expires_at__lte=now).values_list("session_id", flat=True)
    )
    waiting = set(WaitlistEntry.objects.filter(status=W.WAITING).values_list("session_id", flat=True))
    expired = 0
    for session_id in sorted(due | waiting):
        with transaction.atomic():
            session = _session_locked(session_id)
            lapsed = list(
                WaitlistEntry.objects.select_for_update().filter(
                    session=session, status=W.OFFERED, offer_expires_at__lte=now
                )
            )
            for entry in lapsed:
                entry.status = W.EXPIRED
                entry.save(update_fields=["status", "updated_at"])
                session.places_taken = max(session.places_taken - entry.places, 0)
                audit_log(actor=None, action="bookings.waitlist.offer_expired", obj=entry)
                expired += 1
            if lapsed:
                session.status = status_for_places(session)
                session.save(update_fields=["places_taken", "status", "updated_at"])
            waitlist_promote(session, now=now)
    return expired
