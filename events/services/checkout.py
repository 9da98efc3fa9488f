"""Reacting to the checkout: an order paid, expired, cancelled or refunded."""

from django.db import transaction
from django.utils import timezone

from skypark.audit.services import audit_log
from skypark.commerce.models import Order

from ..models import (
    Registration,
)
from ._common import Status, _confirm, _event_locked, _notify_confirmed
from .cancelling import _release_locked

# --- reacting to the checkout -----------------------------------------------------------


def _order_registration_ids(order) -> list[int]:
    return list(Registration.objects.filter(order_id=order.pk).values_list("pk", flat=True))


def registrations_confirm(*, order) -> int:
    """The order is paid: its pending registrations are confirmed and get their QR code.
    Idempotent (a confirmed registration is not pending any more)."""
    done = 0
    for pk in _order_registration_ids(order):
        with transaction.atomic():
            registration = (
                Registration.objects.select_for_update(of=("self",))
                .select_related("event", "customer")
                .filter(pk=pk, status=Status.PENDING_PAYMENT)
                .first()
            )
            if registration is None:
                continue
            _confirm(registration, now=timezone.now())
            registration.save()
            audit_log(actor=None, action="events.registration.paid", obj=registration, data={"order": order.reference})
            _notify_confirmed(registration)
            done += 1
    return done


def registrations_release(*, order, status, only_refunded=False) -> int:
    """The order expired, was cancelled, or was refunded in full outside this app: its
    registrations lose their place, which goes to the next person waiting. Locks the
    event, then the registration, and re-checks; a second call changes nothing."""
    if only_refunded and Order.objects.get(pk=order.pk).status != Order.Status.REFUNDED:
        return 0
    done = 0
    now = timezone.now()
    for pk in _order_registration_ids(order):
        with transaction.atomic():
            event_id = Registration.objects.filter(pk=pk).values_list("event_id", flat=True).first()
            event = _event_locked(event_id)
            wanted = (Status.PENDING_PAYMENT, Status.CONFIRMED) if only_refunded else (Status.PENDING_PAYMENT,)
            registration = Registration.objects.select_for_update().filter(pk=pk, status__in=wanted).first()
            if registration is None:
                continue
            _release_locked(event, registration, status=status, now=now)
            audit_log(
                actor=None, action=f"events.registration.{status}", obj=registration, data={"order": order.reference}
            )
            done += 1
    return done
