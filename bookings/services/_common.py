"""Helpers the service modules share: the line kind, the session status that follows
its places, releasing places, returning a code use, locking an order's bookings and
sending a booking's e-mail."""

from decimal import Decimal

from django.conf import settings
from django.db.models import F
from django.db.models.functions import Greatest, Now
from django.urls import reverse

from ..models import Booking, CourseSession, DiscountCode

LINE_KIND = "bookings.booking"
CENT = Decimal("0.01")
Status = CourseSession.Status


def status_for_places(session):
    if session.status == Status.PUBLISHED and session.places_taken >= session.capacity:
        return Status.FULL
    if session.status == Status.FULL and session.places_taken < session.capacity:
        return Status.PUBLISHED
    return session.status


def places_release(session_id, count):
    """Gives ``count`` places back (the caller holds the booking locks; this locks the
    session). A full session goes back on sale."""
    from .waitlist import waitlist_promote

    session = CourseSession.objects.select_for_update().get(pk=session_id)
    session.places_taken = max(session.places_taken - count, 0)
    session.status = status_for_places(session)
    session.save(update_fields=["places_taken", "status", "updated_at"])
    # The freed places go to the waiting list at once, under the same session lock.
    waitlist_promote(session)


def discount_use_return(booking):
    if booking.discount_code_id:
        DiscountCode.objects.filter(pk=booking.discount_code_id).update(
            times_used=Greatest(F("times_used") - 1, 0), updated_at=Now()
        )


def order_bookings_locked(order, *statuses):
    return list(
        Booking.objects.select_for_update(of=("self",))
        .select_related("session__course", "session__venue", "customer")
        .filter(order_id=order.pk, status__in=statuses)
        .order_by("pk")
    )


def site_url(name, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def booking_notify(*, booking, kind, dedupe_key, extra=None, attachments=None, to_address=None):
    from skypark.notify.services import notification_send

    context = {
        "booking": booking,
        "session": booking.session,
        "course": booking.session.course,
        "venue": booking.session.venue,
        "booking_url": site_url("bookings:booking-detail", booking.reference),
        **(extra or {}),
    }
    if attachments:
        context["attachments"] = attachments
    return notification_send(
        recipient=booking.customer,
        kind=kind,
        context=context,
        channels=("email",),
        related=booking,
        dedupe_key=dedupe_key,
        to_address=to_address,
    )


def booking_notify_entry(*, entry, kind, dedupe_key, url, extra=None):
    """An e-mail about a waiting-list entry (an offer) to its customer."""
    from skypark.notify.services import notification_send

    return notification_send(
        recipient=entry.customer,
        kind=kind,
        context={
            "entry": entry,
            "session": entry.session,
            "course": entry.session.course,
            "venue": entry.session.venue,
            "url": url,
            **(extra or {}),
        },
        channels=("email", "in_app"),
        related=entry,
        dedupe_key=dedupe_key,
    )
