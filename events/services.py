"""Writes of the events domain: registering, the waiting list, cancelling, check-in,
points, badges, streaks, leaderboards, sweeps.

Lock order, everywhere: the event row, then registration rows, then (inside the
checkout) the order row; for gamification, the member profile row, then user badges.
The event row lock is what keeps ``places_taken`` within the capacity and the waiting
list in arrival order: every registration, cancellation, release and promotion of an
event runs behind it, re-reads the counter and decides.

Member profile locks serialise every award of one member, so ledger lines, the running
total and the leaderboard counters move together. Awards are idempotent by the ledger's
unique ``reference``.
"""

import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from skypark.audit.services import audit_log, snapshot
from skypark.commerce import qr
from skypark.commerce.cancelling import (
    CancelQuote,
    order_lines_cancel,
    order_lines_for,
    refund_policy_get,
    refund_quote,
)
from skypark.commerce.models import Order
from skypark.commerce.services import order_create
from skypark.config.selectors import get, get_int
from skypark.core import loyalty, verdicts
from skypark.notify.confirmations import confirmation_queue

from . import selectors
from .errors import (
    AlreadyRegistered,
    CancellationClosed,
    EventNotCancellable,
    InvalidAward,
    NotCancellable,
    NotCheckedIn,
    NotRegistrable,
    OfferNotAvailable,
)
from .models import (
    ACTIVE,
    ALL_TIME_KEY,
    OVERALL,
    Badge,
    BadgeRule,
    Event,
    LeaderboardEntry,
    LeaderboardPeriod,
    LeaderboardScore,
    MemberProfile,
    PointsEntry,
    PointsKind,
    Registration,
    TriviaWin,
    UserBadge,
    month_key,
    week_key,
    week_start,
)

LINE_KIND = "events.registration"
CENT = Decimal("0.01")
Status = Registration.Status


def _site_url(name, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _notify(recipient, kind, *, context, related=None, dedupe_key=None):
    """Queues a notification once the caller's transaction commits, so a rolled-back
    write sends nothing."""
    from skypark.notify.services import notification_send

    def send():
        notification_send(
            recipient=recipient,
            kind=kind,
            context=context,
            channels=("email", "in_app"),
            related=related,
            dedupe_key=dedupe_key,
        )

    transaction.on_commit(send)


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


def _event_locked(event_id) -> Event:
    return Event.objects.select_for_update().get(pk=event_id)


def _has_free_place(event: Event) -> bool:
    return event.capacity is None or event.places_taken < event.capacity


def _place_take(event: Event):
    event.places_taken += 1
    event.save(update_fields=["places_taken", "updated_at"])


def _place_release(event: Event):
    event.places_taken = max(event.places_taken - 1, 0)
    event.save(update_fields=["places_taken", "updated_at"])


def _code_issue(registration: Registration):
    registration.qr_code = qr.code_issue("registration", registration.pk)


def _confirm(registration: Registration, *, now):
    registration.status = Status.CONFIRMED
    registration.confirmed_at = now
    registration.offer_expires_at = None
    _code_issue(registration)


def _notify_confirmed(registration: Registration):
    """The confirmation with the ticket PDF and calendar file, after commit (see
    ``events.confirmations``)."""
    confirmation_queue(obj=registration)


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


def cancellation_deadline(event: Event) -> datetime.datetime:
    hours = event.cancellation_cutoff_hours
    if hours is None:
        hours = get_int("events.cancellation_cutoff_hours")
    return event.starts_at - datetime.timedelta(hours=hours)


POLICY_KEY = "events.refund_policy"


def _cancel_refusal(registration: Registration, *, now):
    event = registration.event
    if registration.status not in ACTIVE or event.starts_at <= now:
        return NotCancellable(details={"status": registration.status})
    if registration.status in (Status.CONFIRMED, Status.PENDING_PAYMENT) and now > cancellation_deadline(event):
        return CancellationClosed(details={"deadline": cancellation_deadline(event).isoformat()})
    return None


def registration_cancel_refusal(registration: Registration, *, now=None) -> str:
    """Why the customer cannot cancel ``registration`` now ("" when they can)."""
    refusal = _cancel_refusal(registration, now=now or timezone.now())
    return refusal.message if refusal is not None else ""


def registration_refund_quote(*, registration: Registration, now=None) -> CancelQuote | None:
    """What cancelling ``registration`` at ``now`` gives back under
    ``events.refund_policy``, or None when it has no order. Reads only."""
    if registration.order_id is None:
        return None
    return refund_quote(
        order=registration.order,
        lines=order_lines_for(order=registration.order, item=registration),
        policy=refund_policy_get(POLICY_KEY),
        starts_at=registration.event.starts_at,
        now=now,
        closes_at=cancellation_deadline(registration.event),
    )


def _order_settle(registration: Registration, *, actor, reason):
    """Cancels the registration's order lines through the checkout's cancel service: an
    unpaid order is cancelled, a paid one refunded in full."""
    order = registration.order
    if order is None or order.status not in (Order.Status.PENDING_PAYMENT, *Order.PAID_STATUSES):
        return
    order_lines_cancel(
        order=order,
        lines=order_lines_for(order=order, item=registration),
        full_refund=True,
        actor=actor,
        reason=reason,
    )


def _release_locked(event: Event, registration: Registration, *, status, now):
    held = registration.holds_place
    registration.status = status
    registration.cancelled_at = now if status == Status.CANCELLED else registration.cancelled_at
    registration.offer_expires_at = None
    registration.save()
    if held:
        _place_release(event)
        _promote(event, now=now)


@transaction.atomic
def registration_cancel(*, registration: Registration, actor, now=None) -> Registration:
    """The customer cancels. Waiting-list places and offers can be given up until the
    start; a held place until the cancellation cut-off, through the checkout's cancel
    service: a paid order is refunded as ``events.refund_policy`` says, an unpaid one is
    cancelled. The freed place goes to the next person waiting. Locks the event, then
    the registration (the checkout then locks the order and its lines); a second cancel
    waits for those locks and is refused with ``NotCancellable``."""
    now = now or timezone.now()
    event = _event_locked(registration.event_id)
    registration = Registration.objects.select_for_update(of=("self",)).select_related("order").get(pk=registration.pk)
    registration.event = event
    refusal = _cancel_refusal(registration, now=now)
    if refusal is not None:
        raise refusal
    before = snapshot(registration)
    order = registration.order
    if order is not None and order.status in (Order.Status.PENDING_PAYMENT, *Order.PAID_STATUSES):
        order_lines_cancel(
            order=order,
            lines=order_lines_for(order=order, item=registration),
            policy=refund_policy_get(POLICY_KEY),
            starts_at=event.starts_at,
            actor=actor,
            reason="registration cancelled by the customer",
            now=now,
        )
    _release_locked(event, registration, status=Status.CANCELLED, now=now)
    audit_log(
        actor=actor,
        action="events.registration.cancelled",
        obj=registration,
        before=before,
        after=snapshot(registration),
    )
    return registration


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


# --- organiser actions ------------------------------------------------------------------


@transaction.atomic
def event_cancel(*, event: Event, actor, reason: str = "") -> Event:
    """The organiser cancels the event. Locks the event row; the registrations are then
    cancelled, refunded in full and notified once by ``event_registrations_cancel`` in a
    Celery task queued on commit (one transaction per registration, safe to re-run)."""
    from .tasks import events_registrations_cancel

    event = _event_locked(event.pk)
    if event.status not in (Event.Status.DRAFT, Event.Status.PUBLISHED):
        raise EventNotCancellable(details={"status": event.status})
    before = snapshot(event)
    event.status = Event.Status.CANCELLED
    event.cancelled_at = timezone.now()
    event.cancellation_reason = reason
    event.save(update_fields=["status", "cancelled_at", "cancellation_reason", "updated_at"])
    audit_log(actor=actor, action="events.event.cancelled", obj=event, before=before, after=snapshot(event))
    events_registrations_cancel.delay_on_commit(event.pk, getattr(actor, "pk", None))
    return event


def event_registrations_cancel(*, event_id: int, actor=None) -> int:
    """Cancels every open registration of a cancelled event: paid orders are refunded in
    full, unpaid ones cancelled, and each member is told once (notify dedupe key). Each
    registration is its own transaction (event, then registration locked), so a run
    killed mid-way is finished by the next one and a second run does nothing."""
    ids = list(
        Registration.objects.filter(event_id=event_id, status__in=ACTIVE).order_by("pk").values_list("pk", flat=True)
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            event = _event_locked(event_id)
            if event.status != Event.Status.CANCELLED:
                return done
            registration = (
                Registration.objects.select_for_update(of=("self",))
                .select_related("order", "customer")
                .filter(pk=pk, status__in=ACTIVE)
                .first()
            )
            if registration is None:
                continue
            _order_settle(registration, actor=actor, reason="event cancelled by the organiser")
            held = registration.holds_place
            registration.status = Status.CANCELLED
            registration.cancelled_at = timezone.now()
            registration.cancelled_by_organiser = True
            registration.offer_expires_at = None
            registration.save()
            if held:
                _place_release(event)
            audit_log(actor=actor, action="events.registration.cancelled_by_organiser", obj=registration)
            _notify(
                registration.customer,
                "events.event_cancelled",
                context={"event": event, "registration": registration, "refunded": registration.order_id is not None},
                related=registration,
                dedupe_key=f"events.event_cancelled.{registration.pk}",
            )
            done += 1
    return done


@transaction.atomic
def event_duplicate(*, event: Event, starts_at=None, actor=None) -> Event:
    """A draft copy of ``event`` for a recurring series, a week later unless
    ``starts_at`` is given; nothing of the original's registrations is copied."""
    starts_at = starts_at or event.starts_at + datetime.timedelta(days=7)
    copy = Event.objects.get(pk=event.pk)
    copy.pk = None
    copy.id = None
    copy.starts_at = starts_at
    copy.ends_at = starts_at + (event.ends_at - event.starts_at)
    copy.status = Event.Status.DRAFT
    copy.places_taken = 0
    copy.reminders_sent = []
    copy.cancelled_at = None
    copy.cancellation_reason = ""
    copy.full_clean()
    copy.save()
    audit_log(actor=actor, action="events.event.duplicated", obj=copy, after=snapshot(copy), data={"from": event.pk})
    return copy


# --- check-in ---------------------------------------------------------------------------

REFUSALS = {
    "wrong_event": gettext_lazy("This registration is for another event."),
    "already_checked_in": gettext_lazy("This member is already checked in."),
    "not_paid": gettext_lazy("This registration has not been paid."),
    "not_confirmed": gettext_lazy("This member is on the waiting list, not registered."),
    "cancelled": gettext_lazy("This registration was cancelled."),
    "event_cancelled": gettext_lazy("This event was cancelled."),
    "too_early": gettext_lazy("Check-in has not opened yet."),
    "event_over": gettext_lazy("This event is over."),
    "forged": gettext_lazy("This code is not genuine."),
    "unknown": gettext_lazy("No registration has this code."),
}
STATUS_REFUSALS = {
    Status.ATTENDED: "already_checked_in",
    Status.PENDING_PAYMENT: "not_paid",
    Status.WAITLISTED: "not_confirmed",
    Status.OFFERED: "not_confirmed",
    Status.CANCELLED: "cancelled",
    Status.EXPIRED: "cancelled",
    Status.NO_SHOW: "event_over",
}


@dataclass
class CheckInResult:
    """A check-in verdict. ``facts`` say when a refused member was already checked in
    (``used_at``), for which event and day the code is (``event``, ``valid_on``), when
    check-in opens (``opens_at``) or when the event ended (``ended_at``)."""

    admitted: bool
    reason: str = ""
    registration: Registration | None = None
    facts: dict = field(default_factory=dict)

    @property
    def refusal(self) -> str:
        return str(REFUSALS[self.reason]) if self.reason else ""

    @property
    def detail(self) -> str:
        facts = self.facts
        if "used_at" in facts:
            date, time = verdicts.moment_parts(facts["used_at"])
            return verdicts.sentence(_("Checked in on %(date)s at %(time)s.") % {"date": date, "time": time})
        if "opens_at" in facts:
            date, time = verdicts.moment_parts(facts["opens_at"])
            return verdicts.sentence(_("Check-in opens on %(date)s at %(time)s.") % {"date": date, "time": time})
        if "ended_at" in facts:
            date, time = verdicts.moment_parts(facts["ended_at"])
            return verdicts.sentence(_("The event ended on %(date)s at %(time)s.") % {"date": date, "time": time})
        if "event" in facts:
            day = verdicts.day_text(facts["valid_on"])
            return verdicts.sentence(
                _("This code is for “%(event)s” on %(date)s.") % {"event": facts["event"], "date": day}
            )
        return ""

    @property
    def message(self) -> str:
        if not self.reason:
            return _("Checked in")
        return f"{self.refusal} {self.detail}".strip()


def _event_day(event: Event) -> datetime.date:
    return timezone.localtime(event.starts_at, timezone.get_default_timezone()).date()


def _registration_for_code(code: str):
    """The registration locked, with its check-in method, or a refusal. A signed code is
    verified by computation first, so a forged one costs no query."""
    code = (code or "").strip()
    if "." in code:
        try:
            payload = qr.code_read(code, kind="registration")
        except qr.ForgedCode:
            return CheckInResult(False, "forged")
        if not payload.object_id.isdigit():
            return CheckInResult(False, "forged")
        registration = Registration.objects.select_for_update().filter(pk=int(payload.object_id)).first()
        if registration is None:
            return CheckInResult(False, "unknown")
        if registration.qr_code != code:
            return CheckInResult(False, "forged")
        return registration, "qr"
    backup = qr.backup_code_normalise(code)
    registration = Registration.objects.select_for_update().filter(backup_code=backup).first() if backup else None
    if registration is None:
        return CheckInResult(False, "unknown")
    return registration, "backup"


def _check_in_locked(registration: Registration, event: Event, *, staff, now, method) -> CheckInResult:
    if event.status == Event.Status.CANCELLED:
        return CheckInResult(False, "event_cancelled", registration)
    if registration.status == Status.ATTENDED and registration.checked_in_at:
        return CheckInResult(False, "already_checked_in", registration, {"used_at": registration.checked_in_at})
    if registration.status in STATUS_REFUSALS:
        return CheckInResult(False, STATUS_REFUSALS[registration.status], registration)
    opens_at = event.starts_at - datetime.timedelta(minutes=get_int("events.checkin_opens_minutes"))
    if now < opens_at:
        return CheckInResult(False, "too_early", registration, {"valid_on": _event_day(event), "opens_at": opens_at})
    if now > event.ends_at:
        return CheckInResult(
            False, "event_over", registration, {"valid_on": _event_day(event), "ended_at": event.ends_at}
        )
    before = snapshot(registration)
    registration.status = Status.ATTENDED
    registration.checked_in_at = now
    registration.checked_in_by = staff if getattr(staff, "pk", None) else None
    registration.check_in_method = method
    registration.save()
    registration.event = event
    audit_log(
        actor=staff,
        action="events.registration.checked_in",
        obj=registration,
        before=before,
        after=snapshot(registration),
        data={"method": method},
    )
    attendance_reward(registration=registration, now=now)
    return CheckInResult(True, registration=registration)


@transaction.atomic
def registration_check_in(*, code: str, event: Event, staff=None, now=None) -> CheckInResult:
    """Checks in the holder of ``code`` (signed QR or backup code) at ``event``, or says
    why not, in the gates' verdict style. Locks the registration and re-checks it, so
    two devices scanning one code at once check it in once. Check-in earns the event's
    points, updates the streak and evaluates badges in the same transaction."""
    now = now or timezone.now()
    found = _registration_for_code(code)
    if isinstance(found, CheckInResult):
        return found
    registration, method = found
    if registration.event_id != event.pk:
        own = Event.objects.get(pk=registration.event_id)
        facts = {"event": own.display_title, "valid_on": _event_day(own)}
        return CheckInResult(False, "wrong_event", registration, facts)
    return _check_in_locked(registration, Event.objects.get(pk=event.pk), staff=staff, now=now, method=method)


@transaction.atomic
def registration_check_in_manual(*, registration: Registration, staff, now=None) -> CheckInResult:
    """Staff check a member in by hand (no code); same rules as a scan."""
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    event = Event.objects.get(pk=registration.event_id)
    return _check_in_locked(registration, event, staff=staff, now=now, method="manual")


@transaction.atomic
def registration_check_out(*, registration: Registration, staff=None, now=None) -> Registration:
    """Records when the member left. Locks the registration; a second check-out keeps the
    first time."""
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.checked_in_at is None:
        raise NotCheckedIn()
    if registration.checked_out_at is None:
        registration.checked_out_at = max(now, registration.checked_in_at)
        registration.save(update_fields=["checked_out_at", "updated_at"])
        audit_log(actor=staff, action="events.registration.checked_out", obj=registration)
    return registration


# --- points -----------------------------------------------------------------------------


def _profile_locked(customer) -> MemberProfile:
    """The member's profile row, created if missing, locked until the transaction ends.
    ``customer`` is a user or a user id."""
    customer_id = getattr(customer, "pk", customer)
    MemberProfile.objects.get_or_create(customer_id=customer_id)
    return MemberProfile.objects.select_for_update().get(customer_id=customer_id)


def _tops_forget(boards):
    keys = [selectors.leaderboard_top_cache_key(*board) for board in boards]
    cache.delete_many(keys)
    # Again after commit: a reader between the first delete and the commit cached the
    # old top.
    transaction.on_commit(lambda: cache.delete_many(keys))


def _scores_move(moves):
    """Moves members between the points values of their boards' histograms: ``moves``
    are ``((period, key, scope), old points or None, new points or None)``. Inserts
    rows only (-1 at the old value, +1 at the new), never updates one, so concurrent
    awards on one board neither wait for each other nor deadlock; see
    ``LeaderboardScore``."""
    rows = []
    for (period, key, scope), old, new in moves:
        if old == new:
            continue
        for points, members in ((old, -1), (new, 1)):
            if points is not None:
                rows.append(
                    LeaderboardScore(period=period, period_key=key, event_type_id=scope, points=points, members=members)
                )
    if rows:
        LeaderboardScore.objects.bulk_create(rows)


def _counters_add(*, customer_id, boards, points):
    """Adds ``points`` to the member's counters on ``boards`` ((period, key, scope))
    and moves the member in those boards' histograms, in at most four statements. The
    caller holds the member's profile lock, which is what makes reading the old
    counters and writing the new ones safe."""
    which = Q()
    for period, key, scope in boards:
        which |= Q(period=period, period_key=key, event_type_id=scope)
    current = {
        (entry.period, entry.period_key, entry.event_type_id): entry
        for entry in LeaderboardEntry.objects.filter(which, customer_id=customer_id)
    }
    changed, created, moves = [], [], []
    for board in boards:
        entry = current.get(board)
        if entry is None:
            period, key, scope = board
            created.append(
                LeaderboardEntry(
                    period=period, period_key=key, event_type_id=scope, customer_id=customer_id, points=points
                )
            )
            moves.append((board, None, points))
        else:
            moves.append((board, entry.points, entry.points + points))
            entry.points += points
            changed.append(entry)
    if changed:
        LeaderboardEntry.objects.bulk_update(changed, ["points"])
    if created:
        LeaderboardEntry.objects.bulk_create(created)
    _scores_move(moves)
    _tops_forget(boards)


def points_add(
    *, profile: MemberProfile, points: int, kind: str, reference: str, description="", event=None, actor=None, now=None
) -> PointsEntry | None:
    """Adds one ledger line for the member whose profile row the caller has locked, and
    moves the running total and the leaderboard counters and histograms (week, month,
    all time; overall and, for attendance, the event's type) with it. Returns None when
    ``reference`` was already awarded."""
    if not points or PointsEntry.objects.filter(reference=reference).exists():
        return None
    now = now or timezone.now()
    entry = PointsEntry.objects.create(
        customer_id=profile.customer_id,
        points=points,
        kind=kind,
        reference=reference,
        description=description[:255],
        event=event,
        event_type_id=event.event_type_id if event is not None else None,
        week=week_key(now),
        month=month_key(now),
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )
    profile.points_total += points
    profile.save(update_fields=["points_total", "updated_at"])
    scopes = [OVERALL] + ([event.event_type_id] if event is not None else [])
    periods = (
        (LeaderboardPeriod.WEEK, entry.week),
        (LeaderboardPeriod.MONTH, entry.month),
        (LeaderboardPeriod.ALL, ALL_TIME_KEY),
    )
    boards = [(period, key, scope) for period, key in periods for scope in scopes]
    _counters_add(customer_id=profile.customer_id, boards=boards, points=points)
    return entry


def streak_runs(weeks) -> tuple[int, int, datetime.date | None]:
    """``(current, longest, last_week)`` for a set of attended week Mondays: ``current``
    is the run of consecutive ISO weeks ending at the latest one (consecutive across
    year ends too, since the Mondays are dates 7 days apart)."""
    ordered = sorted(set(weeks))
    if not ordered:
        return 0, 0, None
    longest = run = 1
    for previous, week in zip(ordered, ordered[1:], strict=False):
        run = run + 1 if week - previous == datetime.timedelta(days=7) else 1
        longest = max(longest, run)
    return run, longest, ordered[-1]


def streak_bonus(length: int) -> int:
    """Bonus for reaching a streak of ``length`` weeks: ``streak_bonus_step`` per week
    beyond the first, capped at ``streak_bonus_max``."""
    if length < 2:
        return 0
    step, cap = get_int("events.streak_bonus_step"), get_int("events.streak_bonus_max")
    return min(step * (length - 1), cap)


def _attended_weeks(customer_id) -> set:
    times = Registration.objects.filter(
        customer_id=customer_id, status=Status.ATTENDED, checked_in_at__isnull=False
    ).values_list("checked_in_at", flat=True)
    return {week_start(moment) for moment in times}


def streak_update(*, profile: MemberProfile, now=None) -> int:
    """Recomputes the member's streak from the weeks they attended (profile row locked by
    the caller) and awards the streak bonus of the latest week once. A streak whose last
    week is older than last week is broken, so it counts as 0."""
    now = now or timezone.now()
    current, longest, last = streak_runs(_attended_weeks(profile.customer_id))
    if last is not None and last < week_start(now) - datetime.timedelta(days=7):
        current = 0
    profile.current_streak = current
    profile.longest_streak = max(profile.longest_streak, longest)
    profile.last_attended_week = last
    profile.save(update_fields=["current_streak", "longest_streak", "last_attended_week", "updated_at"])
    if current >= 2 and last is not None:
        points_add(
            profile=profile,
            points=streak_bonus(current),
            kind=PointsKind.STREAK,
            reference=f"streak:{profile.customer_id}:{last.isoformat()}",
            description=ngettext("Weekly streak: %(n)s week", "Weekly streak: %(n)s weeks", current) % {"n": current},
            now=now,
        )
    return current


def attendance_reward(*, registration: Registration, now=None):
    """What attending earns (inside the check-in transaction): the event's points on the
    gamification ledger, the same number of coalition bonus points through the loyalty
    port (idempotent per registration), the streak, and badge levels. The referrer's
    Community Builder badge is evaluated after commit, so two members' profile rows are
    never locked in one transaction."""
    from .tasks import events_member_badges_evaluate

    now = now or timezone.now()
    event = registration.event
    profile = _profile_locked(registration.customer_id)
    points_add(
        profile=profile,
        points=event.points_reward,
        kind=PointsKind.ATTENDANCE,
        reference=f"attendance:{registration.pk}",
        description=event.title,
        event=event,
        now=now,
    )
    if event.points_reward:
        loyalty.get_provider().points_award(
            customer=registration.customer,
            points=event.points_reward,
            source="event",
            reference=f"registration:{registration.pk}",
            description=event.title,
        )
    streak_update(profile=profile, now=now)
    badges_evaluate(customer=registration.customer, profile=profile, now=now)
    if profile.referred_by_id:
        events_member_badges_evaluate.delay_on_commit(profile.referred_by_id)


@transaction.atomic
def points_award_manual(*, customer, points: int, reason: str, actor) -> PointsEntry:
    """Staff award (or, with a negative number, take back) points with a reason; audited.
    Locks the member's profile."""
    if not points or not (reason or "").strip():
        raise InvalidAward()
    profile = _profile_locked(customer)
    entry = points_add(
        profile=profile,
        points=int(points),
        kind=PointsKind.MANUAL,
        reference=f"manual:{uuid.uuid4().hex}",
        description=reason.strip(),
        actor=actor,
    )
    audit_log(actor=actor, action="events.points.awarded", obj=entry, data={"points": points, "reason": reason})
    return entry


# --- badges -----------------------------------------------------------------------------


def badge_measure(rule: str, customer_id: int, profile: MemberProfile | None = None) -> int:
    """The number a badge rule compares with its level requirements."""
    attended = Registration.objects.filter(customer_id=customer_id, status=Status.ATTENDED)
    if rule == BadgeRule.EVENT_EXPLORER:
        return attended.values("event__event_type").distinct().count()
    if rule == BadgeRule.CONSISTENT_ATTENDEE:
        profile = profile or MemberProfile.objects.filter(customer_id=customer_id).first()
        return max(profile.longest_streak, profile.current_streak) if profile else 0
    if rule == BadgeRule.SOCIAL_BUTTERFLY:
        return (
            Registration.objects.filter(status=Status.ATTENDED, event_id__in=attended.values("event_id"))
            .exclude(customer_id=customer_id)
            .values("customer_id")
            .distinct()
            .count()
        )
    if rule == BadgeRule.COMMUNITY_BUILDER:
        return (
            MemberProfile.objects.filter(referred_by_id=customer_id)
            .filter(customer__event_registrations__status=Status.ATTENDED)
            .values("customer_id")
            .distinct()
            .count()
        )
    if rule == BadgeRule.TRIVIA_MASTER:
        return TriviaWin.objects.filter(customer_id=customer_id).count()
    return 0


def _badge_raise(*, profile: MemberProfile, badge: Badge, level: int, now, actor=None, reason="") -> UserBadge | None:
    """Raises the member's badge to ``level`` (profile row locked by the caller): every
    newly reached level's points are awarded once and the member is told once. A badge
    never goes down."""
    user_badge = UserBadge.objects.select_for_update().filter(customer_id=profile.customer_id, badge=badge).first()
    current = user_badge.level if user_badge else 0
    if level <= current:
        return None
    if user_badge is None:
        user_badge = UserBadge(customer_id=profile.customer_id, badge=badge, earned_at=now)
    user_badge.level = level
    user_badge.levelled_at = now
    user_badge.save()
    for badge_level in badge.levels.all():
        if current < badge_level.level <= level:
            points_add(
                profile=profile,
                points=badge_level.points,
                kind=PointsKind.BADGE,
                reference=f"badge:{badge.pk}:{badge_level.level}:{profile.customer_id}",
                description=f"{badge.name} {badge_level.level}",
                actor=actor,
                now=now,
            )
    audit_log(
        actor=actor,
        action="events.badge.levelled",
        obj=user_badge,
        data={"badge": badge.code, "from": current, "to": level, "reason": reason},
    )
    _notify(
        profile.customer,
        "events.badge_earned",
        context={"badge": badge, "level": level, "url": _site_url("events:me")},
        related=user_badge,
        dedupe_key=f"events.badge.{profile.customer_id}.{badge.pk}.{level}",
    )
    return user_badge


def badges_evaluate(*, customer, profile: MemberProfile | None = None, now=None) -> list[UserBadge]:
    """Evaluates every active rule badge for ``customer`` and raises the levels reached.
    Locks the member's profile (unless the caller holds it). Safe to run any number of
    times."""
    now = now or timezone.now()
    with transaction.atomic():
        customer_id = getattr(customer, "pk", customer)
        profile = profile or _profile_locked(customer_id)
        raised = []
        badges = Badge.objects.filter(is_active=True).exclude(badge_type=BadgeRule.MANUAL).prefetch_related("levels")
        measures = {}
        for badge in badges:
            if badge.badge_type not in measures:
                measures[badge.badge_type] = badge_measure(badge.badge_type, customer_id, profile)
            measure = measures[badge.badge_type]
            reached = max((lv.level for lv in badge.levels.all() if measure >= lv.requirement), default=0)
            user_badge = _badge_raise(profile=profile, badge=badge, level=reached, now=now)
            if user_badge is not None:
                raised.append(user_badge)
        return raised


@transaction.atomic
def badge_award_manual(*, customer, badge: Badge, level: int, reason: str, actor) -> UserBadge | None:
    """Staff raise a member's badge to ``level`` with a reason (audited), earning the
    levels' points like a rule would. Locks the member's profile, then the badge row."""
    if not (reason or "").strip() or not badge.levels.filter(level=level).exists():
        raise InvalidAward()
    profile = _profile_locked(customer)
    return _badge_raise(profile=profile, badge=badge, level=level, now=timezone.now(), actor=actor, reason=reason)


@transaction.atomic
def trivia_win_record(*, customer, event: Event, actor) -> TriviaWin:
    """Staff record that ``customer`` won the trivia at ``event`` (once per event), then
    the Trivia Master badge is evaluated."""
    win, created = TriviaWin.objects.get_or_create(customer=customer, event=event, defaults={"recorded_by": actor})
    if created:
        audit_log(actor=actor, action="events.trivia.won", obj=event, data={"customer": customer.pk})
        badges_evaluate(customer=customer)
    return win


@transaction.atomic
def member_referral_set(*, customer, referred_by, actor=None) -> MemberProfile:
    """Records who brought ``customer`` in (once: an existing link is kept)."""
    if referred_by is None or referred_by.pk == customer.pk:
        raise InvalidAward(_("A member cannot refer themselves."))
    profile = _profile_locked(customer)
    if profile.referred_by_id is None:
        profile.referred_by = referred_by
        profile.save(update_fields=["referred_by", "updated_at"])
        audit_log(actor=actor, action="events.member.referred", obj=profile, data={"by": referred_by.pk})
    return profile


# --- sweeps -----------------------------------------------------------------------------


def offers_expire(*, now=None) -> int:
    """Offers not taken in time lapse; each freed place goes to the next person waiting.
    One transaction per offer (event, then registration locked, status re-checked), so
    a second run does nothing."""
    now = now or timezone.now()
    due = list(
        Registration.objects.filter(status=Status.OFFERED, offer_expires_at__lte=now).values_list("pk", "event_id")
    )
    done = 0
    for pk, event_id in due:
        with transaction.atomic():
            event = _event_locked(event_id)
            registration = (
                Registration.objects.select_for_update()
                .filter(pk=pk, status=Status.OFFERED, offer_expires_at__lte=now)
                .first()
            )
            if registration is None:
                continue
            _release_locked(event, registration, status=Status.EXPIRED, now=now)
            audit_log(actor=None, action="events.registration.offer_expired", obj=registration)
            done += 1
    waitlists_fill(now=now)
    return done


def waitlists_fill(*, now=None) -> int:
    """Gives places that became free outside a cancellation (staff raised the capacity)
    to the waiting lists of upcoming events. Locks each event, then promotes in order."""
    now = now or timezone.now()
    candidates = (
        Event.objects.published()
        .filter(starts_at__gt=now, registrations__status=Status.WAITLISTED)
        .filter(Q(capacity__isnull=True) | Q(capacity__gt=F("places_taken")))
        .values_list("pk", flat=True)
        .distinct()
    )
    promoted = 0
    for event_id in list(candidates):
        with transaction.atomic():
            promoted += len(_promote(_event_locked(event_id), now=now))
    return promoted


def no_shows_mark(*, now=None) -> int:
    """Events that ended more than ``events.no_show_grace_minutes`` ago become finished:
    confirmed members who never checked in become no-shows, people still waiting or
    holding an offer expire, and attendees' badges are evaluated once more (Social
    Butterfly counts everyone who came). Set-wise UPDATEs per event; a second run
    finds no published event to finish."""
    from .tasks import events_member_badges_evaluate

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=get_int("events.no_show_grace_minutes"))
    marked = 0
    for event_id in list(Event.objects.published().filter(ends_at__lte=cutoff).values_list("pk", flat=True)):
        with transaction.atomic():
            event = _event_locked(event_id)
            if event.status != Event.Status.PUBLISHED:
                continue
            regs = Registration.objects.filter(event=event)
            count = regs.filter(status=Status.CONFIRMED).update(status=Status.NO_SHOW, updated_at=now)
            regs.filter(status__in=(Status.WAITLISTED, Status.OFFERED)).update(status=Status.EXPIRED, updated_at=now)
            event.status = Event.Status.FINISHED
            event.save(update_fields=["status", "updated_at"])
            audit_log(actor=None, action="events.event.finished", obj=event, data={"no_shows": count})
            for customer_id in regs.filter(status=Status.ATTENDED).values_list("customer_id", flat=True):
                events_member_badges_evaluate.delay_on_commit(customer_id)
            marked += count
    return marked


def streaks_compute(*, now=None) -> int:
    """Breaks the streaks of members who attended nothing last week: one UPDATE. Run any
    time (it is meant for just after midnight on Mondays, but daily is harmless)."""
    now = now or timezone.now()
    last_week = week_start(now) - datetime.timedelta(days=7)
    return MemberProfile.objects.filter(current_streak__gt=0, last_attended_week__lt=last_week).update(
        current_streak=0, updated_at=now
    )


def reminder_hours() -> list[int]:
    value = get("events.reminder_hours")
    return sorted({int(h) for h in value if int(h) > 0}, reverse=True)


def reminders_send(*, now=None) -> int:
    """Sends the reminders due now (``events.reminder_hours``, 24 and 2 by default). An
    event gets only the nearest reminder that is due, so an event published an hour
    before it starts gets the 2-hour one and not both. Each member is reminded once per
    mark (notify dedupe key); the event records the marks done, so re-runs send
    nothing."""
    from skypark.notify.services import notification_send

    now = now or timezone.now()
    marks = reminder_hours()
    if not marks:
        return 0
    sent = 0
    horizon = now + datetime.timedelta(hours=marks[0])
    for event in list(Event.objects.published().filter(starts_at__gt=now, starts_at__lte=horizon)):
        due = [h for h in marks if event.starts_at - now <= datetime.timedelta(hours=h)]
        mark = min(due)
        if mark in event.reminders_sent:
            continue
        regs = Registration.objects.filter(event=event, status=Status.CONFIRMED).select_related("customer")
        for registration in regs:
            notification_send(
                recipient=registration.customer,
                kind="events.reminder",
                context={
                    "event": event,
                    "registration": registration,
                    "hours": mark,
                    "url": _site_url("events:registration-detail", registration.pk),
                },
                channels=("email", "in_app"),
                related=registration,
                dedupe_key=f"events.reminder.{registration.pk}.{mark}h",
            )
            sent += 1
        with transaction.atomic():
            locked = _event_locked(event.pk)
            locked.reminders_sent = sorted(set(locked.reminders_sent) | {h for h in due})
            locked.save(update_fields=["reminders_sent", "updated_at"])
    return sent


# The PostgreSQL advisory lock key that ``_scores_check`` runs hold ("evls").
SCORES_CHECK_LOCK = 0x65766C73


def _scores_check(period, key) -> int:
    """Compares the histograms of every board of one period with the counters and adds
    the difference where they disagree (a counter written outside ``points_add``, a
    member deleted with their counters, a lost row). Returns the number of points
    values corrected.

    The comparison is one statement, so both tables are read in one snapshot (two
    reads would see an award committed in between as a difference), and the
    correction is inserted as rows to add, so awards committed after that snapshot
    stay counted. Runs of the check take turns (a PostgreSQL advisory lock; SQLite
    lets one writer in at a time): two at once would add the same correction twice."""
    score, entry = (connection.ops.quote_name(m._meta.db_table) for m in (LeaderboardScore, LeaderboardEntry))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCORES_CHECK_LOCK])
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT event_type_id, points, SUM(n) FROM (
                    SELECT event_type_id, points, members AS n FROM {score}
                    WHERE period = %s AND period_key = %s
                    UNION ALL
                    SELECT event_type_id, points, -COUNT(*) FROM {entry}
                    WHERE period = %s AND period_key = %s GROUP BY event_type_id, points
                ) AS board
                GROUP BY event_type_id, points HAVING SUM(n) <> 0
                """,
                [period, key, period, key],
            )
            wrong = cursor.fetchall()
        LeaderboardScore.objects.bulk_create(
            LeaderboardScore(period=period, period_key=key, event_type_id=scope, points=points, members=-difference)
            for scope, points, difference in wrong
        )
    return len(wrong)


def leaderboard_scores_fold() -> int:
    """Merges the histogram rows of each points value into one and deletes values whose
    rows sum to 0 (an empty value would only lengthen a rank's range), so a board
    stays at about one row per points value however many awards it has seen. Rows are
    locked with SKIP LOCKED: two runs at once fold disjoint rows, and awards, which
    only insert, never wait. Idempotent; returns the number of rows removed."""
    dirty = {}
    groups = (
        LeaderboardScore.objects.order_by()
        .values_list("period", "period_key", "event_type_id", "points")
        .annotate(rows=Count("pk"), total=Sum("members"))
        .filter(Q(rows__gt=1) | Q(total=0))
    )
    for period, key, scope, points, _rows, _total in groups:
        dirty.setdefault((period, key, scope), []).append(points)
    removed = 0
    for (period, key, scope), values in dirty.items():
        with transaction.atomic():
            rows = (
                LeaderboardScore.objects.select_for_update(skip_locked=True)
                .filter(period=period, period_key=key, event_type_id=scope, points__in=values)
                .order_by("pk")
            )
            kept, gone = {}, []
            for row in rows:
                first = kept.setdefault(row.points, row)
                if first is not row:
                    first.members += row.members
                    gone.append(row.pk)
            gone += [row.pk for row in kept.values() if row.members == 0]
            LeaderboardScore.objects.bulk_update([row for row in kept.values() if row.members], ["members"])
            removed += LeaderboardScore.objects.filter(pk__in=gone).delete()[0]
    return removed


def leaderboards_refresh(*, now=None, keep_periods=8) -> dict:
    """Checks the counters of the current week and month and all time against the
    ledger and repairs any member whose counter differs (their profile locked while
    it is rewritten, their histogram rows moved with it), then checks those periods'
    histograms against the counters (``_scores_check``), folds the histograms, and
    drops counters and histograms of weeks and months older than ``keep_periods``.
    Idempotent; normally finds nothing to repair. Returns ``repaired`` (members whose
    counters were rewritten), ``scores_repaired`` (histogram values corrected),
    ``folded`` and ``dropped`` (rows)."""
    now = now or timezone.now()
    repaired = scores_repaired = 0
    periods = [
        (LeaderboardPeriod.WEEK, week_key(now), {"week": week_key(now)}),
        (LeaderboardPeriod.MONTH, month_key(now), {"month": month_key(now)}),
        (LeaderboardPeriod.ALL, ALL_TIME_KEY, {}),
    ]
    for period, key, ledger_filter in periods:
        ledger = PointsEntry.objects.filter(**ledger_filter)
        expected = {}
        for customer_id, type_id, total in ledger.values_list("customer_id", "event_type_id").annotate(s=Sum("points")):
            expected[(customer_id, OVERALL)] = expected.get((customer_id, OVERALL), 0) + total
            if type_id:
                expected[(customer_id, type_id)] = total
        actual = {
            (c, t): p
            for c, t, p in LeaderboardEntry.objects.filter(period=period, period_key=key).values_list(
                "customer_id", "event_type_id", "points"
            )
        }
        wrong = {pair[0] for pair in set(expected) | set(actual) if expected.get(pair, 0) != actual.get(pair, 0)}
        for customer_id in wrong:
            with transaction.atomic():
                _profile_locked(customer_id)
                counters = LeaderboardEntry.objects.filter(period=period, period_key=key, customer_id=customer_id)
                before = dict(counters.values_list("event_type_id", "points"))
                counters.delete()
                sums = (
                    PointsEntry.objects.filter(customer_id=customer_id, **ledger_filter)
                    .values_list("event_type_id")
                    .annotate(s=Sum("points"))
                )
                rows = {}
                for type_id, total in sums:
                    rows[OVERALL] = rows.get(OVERALL, 0) + total
                    if type_id:
                        rows[type_id] = rows.get(type_id, 0) + total
                LeaderboardEntry.objects.bulk_create(
                    LeaderboardEntry(period=period, period_key=key, event_type_id=t, customer_id=customer_id, points=p)
                    for t, p in rows.items()
                )
                boards = [(period, key, t) for t in set(before) | set(rows)]
                _scores_move([(board, before.get(board[2]), rows.get(board[2])) for board in boards])
                _tops_forget(boards)
            repaired += 1
        scores_repaired += _scores_check(period, key)
    folded = leaderboard_scores_fold()
    kept_weeks = {week_key(now - datetime.timedelta(weeks=n)) for n in range(keep_periods)}
    today = timezone.localdate(now)
    kept_months = set()
    for n in range(keep_periods):
        year, month = divmod(today.year * 12 + today.month - 1 - n, 12)
        kept_months.add(f"{year:04d}-{month + 1:02d}")
    dropped = 0
    for model in (LeaderboardEntry, LeaderboardScore):
        for period, kept in ((LeaderboardPeriod.WEEK, kept_weeks), (LeaderboardPeriod.MONTH, kept_months)):
            dropped += model.objects.filter(period=period).exclude(period_key__in=kept).delete()[0]
    return {"repaired": repaired, "scores_repaired": scores_repaired, "folded": folded, "dropped": dropped}


# --- schedules --------------------------------------------------------------------------

SCHEDULES = [
    # name, task, every (minutes) or None, crontab (hour, minute) or None
    ("events: send reminders", "events.tasks.events_reminders_send", 10, None),
    ("events: expire waiting-list offers", "events.tasks.events_offers_expire", 5, None),
    ("events: mark no-shows and finish events", "events.tasks.events_no_shows_mark", 15, None),
    ("events: break missed streaks", "events.tasks.events_streaks_compute", None, (0, 20)),
    ("events: refresh leaderboards", "events.tasks.events_leaderboards_refresh", None, (3, 30)),
    ("events: fold leaderboard scores", "events.tasks.events_leaderboard_scores_fold", 1, None),
]


@transaction.atomic
def schedules_install() -> list:
    """Registers the events' periodic tasks with django-celery-beat, where staff can see
    and change them (the reminder schedule itself is the ``events.reminder_hours``
    setting). Safe to call any number of times."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    tasks = []
    for name, task, every, at in SCHEDULES:
        if every:
            interval, _created = IntervalSchedule.objects.get_or_create(every=every, period=IntervalSchedule.MINUTES)
            schedule = {"interval": interval}
        else:
            crontab, _created = CrontabSchedule.objects.get_or_create(
                minute=str(at[1]),
                hour=str(at[0]),
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone=settings.TIME_ZONE,
            )
            schedule = {"crontab": crontab}
        periodic, _created = PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "enabled": True, **schedule}
        )
        tasks.append(periodic)
    return tasks
