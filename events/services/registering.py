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
    Event,
    Registration,
)
from ._common import (
    LINE_KIND,
    Status,
    _confirm,
    _event_locked,
    _has_free_place,
    _notify,
    _notify_confirmed,
    _place_take,
    _site_url,
)

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
    tier = loyalty.tier_for(customer)
    discount = min(tier.discount_on(event.price), event.price)
    return order_create(
        customer=customer,
        currency=event.currency,
        lines=[
            {
                "kind": LINE_KIND,
                "item": registration,
                "description": f"{event.title}, {timezone.localtime(event.starts_at):%d.%m.%Y %H:%M}",
                "unit_price": event.price,
                "metadata": {"event": event.pk},
            }
        ],
        discount_total=discount,
        metadata={"event": event.pk, "registration": registration.pk, "tier": tier.code},
        actor=customer,
    )


def _start_payment(registration: Registration, event: Event, *, now):
    """Creates the order for a place already held by ``registration``; a zero total
    (a full tier discount) is paid at once."""
    registration.status = Status.PENDING_PAYMENT
    registration.save()
    order = _order_for(registration, event, registration.customer)
    registration.order = order
    if order.status == Order.Status.PAID:
        _confirm(registration, now=now)
        _notify_confirmed(registration)


@transaction.atomic
def registration_create(*, customer, event: Event, now=None) -> Registration:
    """Registers ``customer`` for ``event``: a place if one is free and nobody is waiting
    (confirmed at once for a free event, pending payment with a checkout order for a
    paid one), otherwise a place on the waiting list.

    Locks the event row, then the customer's existing registration; re-reads the
    counter under the lock, so concurrent registrations never oversell and join the
    waiting list in the order they got the lock. A cancelled or expired registration
    is reused (one row per customer and event). Refuses with ``NotRegistrable`` and
    ``AlreadyRegistered``."""
    event = _event_locked(event.pk)
    # Taken after the lock, so the waiting list's time order is the lock order.
    now = now or timezone.now()
    reason = registration_refusal(event, now=now)
    if reason:
        raise NotRegistrable(str(REGISTRATION_REFUSALS[reason]), details={"reason": reason})
    registration = Registration.objects.select_for_update().filter(event=event, customer=customer).first()
    if registration is not None and registration.status not in (Status.CANCELLED, Status.EXPIRED):
        raise AlreadyRegistered(details={"status": registration.status})
    before = snapshot(registration) if registration else None
    if registration is None:
        registration = Registration(event=event, customer=customer)
    else:
        for field in ("order", "waitlisted_at", "offer_expires_at", "confirmed_at", "cancelled_at"):
            setattr(registration, field, None)
        registration.qr_code = ""
        registration.cancelled_by_organiser = False
    registration.event = event
    waiting = Registration.objects.filter(event=event, status=Status.WAITLISTED).exists()
    if _has_free_place(event) and not waiting:
        _place_take(event)
        if event.is_free:
            registration.status = Status.CONFIRMED
            registration.save()
            _confirm(registration, now=now)
            _notify_confirmed(registration)
        else:
            _start_payment(registration, event, now=now)
    else:
        registration.status = Status.WAITLISTED
        registration.waitlisted_at = now
    registration.save()
    audit_log(
        actor=customer,
        action=f"events.registration.{registration.status}",
        obj=registration,
        before=before,
        after=snapshot(registration),
    )
    return registration


def waitlist_position(registration: Registration) -> int | None:
    """1 for the next person to get a place; None when not waiting."""
    if registration.status != Status.WAITLISTED:
        return None
    mine = registration.waitlisted_at
    return Registration.objects.filter(
        Q(waitlisted_at__lt=mine) | Q(waitlisted_at=mine, pk__lte=registration.pk),
        event_id=registration.event_id,
        status=Status.WAITLISTED,
    ).count()


def _promote(event: Event, *, now) -> list[Registration]:
    """Gives free places to the waiting list in order (event row locked by the caller):
    a free event confirms the next person at once; a paid event offers the place for
    ``events.offer_hours``, holding it until the offer is paid or expires."""
    promoted = []
    while _has_free_place(event):
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("customer")
            .filter(event=event, status=Status.WAITLISTED)
            .order_by("waitlisted_at", "pk")
            .first()
        )
        if registration is None:
            break
        _place_take(event)
        registration.event = event
        if event.is_free:
            _confirm(registration, now=now)
            registration.save()
            _notify_confirmed(registration)
        else:
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
        audit_log(actor=None, action=f"events.registration.promoted.{registration.status}", obj=registration)
        promoted.append(registration)
    return promoted


@transaction.atomic
def registration_offer_accept(*, registration: Registration, now=None) -> Registration:
    """The waiting-list member takes the offered place: the checkout order is created
    and the place stays held while it is unpaid (the order's own expiry releases it).
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
