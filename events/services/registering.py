"""Registering, the waiting list and offers."""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from skypark.audit.services import audit_log, snapshot
from skypark.commerce.models import Order
from skypark.commerce.services import order_create
from skypark.config.selectors import get_int
from skypark.core import loyalty

from ..errors import (
    AlreadyRegistered,
    NotRegistrable,
    OfferNotAvailable,
)
from ..models import (
    ACTIVE,
    Event,
    Registration,
)
from ._common import (
    LINE_KIND,
    Status,
    _confirm,
    _event_locked,
    _fits,
    _free_places,
    _notify,
    _notify_confirmed,
    _place_take,
    _site_url,
)
from .groups import active_attendees, attendees_resolve, attendees_write, group_split

# --- registering ------------------------------------------------------------------------

REGISTRATION_REFUSALS = {
    "not_published": gettext_lazy("This event is not open for registration."),
    "started": gettext_lazy("This event has already started."),
}


def registration_refusal(event: Event, *, now=None) -> str:
    """Why ``event`` takes no registrations now ("" when it does)."""
    now = now or timezone.now()
    if event.status != Event.Status.PUBLISHED:
        return "not_published"
    if event.starts_at <= now:
        return "started"
    return ""


def _order_for(registration: Registration, event: Event, customer) -> Order:
    """One order line per person of the group (each the registration's, with the
    attendee in its metadata), so one person can later be cancelled on their own; the
    tier discount applies to the group's total."""
    tier = loyalty.tier_for(customer)
    people = active_attendees(registration) or [None]
    subtotal = event.price * len(people)
    discount = min(tier.discount_on(subtotal), subtotal)
    when = f"{timezone.localtime(event.starts_at):%d.%m.%Y %H:%M}"
    return order_create(
        customer=customer,
        currency=event.currency,
        lines=[
            {
                "kind": LINE_KIND,
                "item": registration,
                "description": f"{event.title}, {when}" + (f" ({person.name})" if person and len(people) > 1 else ""),
                "unit_price": event.price,
                "metadata": {"event": event.pk, **({"attendee": person.pk} if person else {})},
            }
            for person in people
        ],
        discount_total=discount,
        metadata={"event": event.pk, "registration": registration.pk, "tier": tier.code},
        actor=customer,
    )


def _start_payment(registration: Registration, event: Event, *, now):
    """Creates the order for places already held by ``registration``; a zero total
    (a full tier discount) is paid at once."""
    registration.status = Status.PENDING_PAYMENT
    registration.save()
    order = _order_for(registration, event, registration.customer)
    registration.order = order
    if order.status == Order.Status.PAID:
        _confirm(registration, now=now)
        _notify_confirmed(registration)


def _take(registration: Registration, event: Event, *, now):
    """``registration`` gets its places now: confirmed for a free event, pending payment
    with a checkout order for a paid one."""
    _place_take(event, registration.places)
    if event.is_free:
        registration.status = Status.CONFIRMED
        registration.save()
        _confirm(registration, now=now)
        _notify_confirmed(registration)
    else:
        _start_payment(registration, event, now=now)


@transaction.atomic
def registration_create(
    *, customer, event: Event, attendees=None, split_if_needed: bool = False, now=None
) -> Registration:
    """Registers ``customer`` for ``event``, alone or as a group with ``attendees``
    (``[{"child": id}]`` or ``[{"name": ...}]``, see ``groups.attendees_resolve``): the
    group gets its places if they are all free once the waiting list has been served
    (confirmed at once for a free event, pending payment with a checkout order for a
    paid one), otherwise it waits as one. With ``split_if_needed`` the people who fit
    get their places now and the others wait, in a part of the registration.

    Locks the event row, then the customer's existing registration; re-reads the
    counter under the lock, so concurrent registrations never oversell and join the
    waiting list in the order they got the lock. A cancelled or expired registration
    is reused (one row per customer and event). Refuses with ``NotRegistrable``,
    ``AlreadyRegistered`` and ``InvalidAttendees``."""
    people = attendees_resolve(customer, attendees)
    event = _event_locked(event.pk)
    # Taken after the lock, so the waiting list's time order is the lock order.
    now = now or timezone.now()
    reason = registration_refusal(event, now=now)
    if reason:
        raise NotRegistrable(str(REGISTRATION_REFUSALS[reason]), details={"reason": reason})
    registration = (
        Registration.objects.select_for_update().filter(event=event, customer=customer, part_of__isnull=True).first()
    )
    if registration is not None and registration.status not in (Status.CANCELLED, Status.EXPIRED):
        raise AlreadyRegistered(details={"status": registration.status})
    if registration is not None and registration.parts.filter(status__in=ACTIVE).exists():
        raise AlreadyRegistered(details={"status": Status.WAITLISTED})
    before = snapshot(registration) if registration else None
    if registration is None:
        registration = Registration(event=event, customer=customer)
    else:
        for field in ("order", "waitlisted_at", "offer_expires_at", "confirmed_at", "cancelled_at"):
            setattr(registration, field, None)
        registration.qr_code = ""
        registration.cancelled_by_organiser = False
    registration.event = event
    registration.split_if_needed = bool(split_if_needed)
    registration.places = len(people)
    registration.status = Status.WAITLISTED
    registration.waitlisted_at = now
    registration.save()
    attendees_write(registration, people)
    # Whoever waits and fits goes first; what is left is this group's.
    _promote(event, now=now, skip=registration.pk)
    free = _free_places(event)
    if _fits(event, registration.places):
        registration.waitlisted_at = None
        _take(registration, event, now=now)
    elif registration.split_if_needed and free:
        group_split(registration, keep=free, now=now)
        registration.waitlisted_at = None
        _take(registration, event, now=now)
    registration.save()
    audit_log(
        actor=customer,
        action=f"events.registration.{registration.status}",
        obj=registration,
        before=before,
        after=snapshot(registration),
        data={"places": len(people)},
    )
    return registration


def waitlist_position(registration: Registration) -> int | None:
    """1 for the next group to be offered places; None when not waiting."""
    if registration.status != Status.WAITLISTED:
        return None
    mine = registration.waitlisted_at
    return Registration.objects.filter(
        Q(waitlisted_at__lt=mine) | Q(waitlisted_at=mine, pk__lte=registration.pk),
        event_id=registration.event_id,
        status=Status.WAITLISTED,
    ).count()


def _offer(registration: Registration, event: Event, *, now):
    registration.status = Status.OFFERED
    registration.offer_expires_at = now + datetime.timedelta(hours=get_int("events.offer_hours"))
    registration.save()
    _notify(
        registration.customer,
        "events.waitlist_offer",
        context={
            "event": event,
            "registration": registration,
            "url": _site_url("events:registration-detail", registration.pk),
        },
        related=registration,
        dedupe_key=f"events.offer.{registration.pk}.{int(registration.offer_expires_at.timestamp())}",
    )


def _promote(event: Event, *, now, skip=None) -> list[Registration]:
    """Gives free places to the waiting list (event row locked by the caller), in
    order, to the first group that fits: a group of 4 is passed over while fewer than 4
    places are free, unless it chose "split if needed", when the people who fit are
    promoted and the rest keep the group's place. A free event confirms the group at
    once; a paid event offers the places for ``events.offer_hours``, holding them until
    the offer is paid or expires."""
    promoted = []
    if _free_places(event) == 0:
        return promoted
    waiting = list(
        Registration.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(event=event, status=Status.WAITLISTED)
        .exclude(pk=skip)
        .order_by("waitlisted_at", "pk")
    )
    for registration in waiting:
        free = _free_places(event)
        if free == 0:
            break
        if free is not None and registration.places > free:
            if not registration.split_if_needed:
                continue
            group_split(registration, keep=free, now=now)
        _place_take(event, registration.places)
        registration.event = event
        if event.is_free:
            _confirm(registration, now=now)
            registration.save()
            _notify_confirmed(registration)
        else:
            _offer(registration, event, now=now)
        audit_log(
            actor=None,
            action=f"events.registration.promoted.{registration.status}",
            obj=registration,
            data={"places": registration.places},
        )
        promoted.append(registration)
    return promoted


@transaction.atomic
def registration_offer_accept(*, registration: Registration, now=None) -> Registration:
    """The waiting-list group takes the offered places: the checkout order is created
    and the places stay held while it is unpaid (the order's own expiry releases them).
    Locks the event, then the registration."""
    now = now or timezone.now()
    event = _event_locked(registration.event_id)
    registration = (
        Registration.objects.select_for_update(of=("self",)).select_related("customer").get(pk=registration.pk)
    )
    if registration.status != Status.OFFERED or registration.offer_expires_at <= now:
        raise OfferNotAvailable(details={"status": registration.status})
    registration.event = event
    _start_payment(registration, event, now=now)
    registration.save()
    audit_log(actor=registration.customer, action="events.registration.offer_accepted", obj=registration)
    return registration
