"""Writes of the parks domain: selling tickets, reacting to the checkout, gates, sweeps.

Lock order, everywhere: ticket rows, then slot-capacity rows, then the park row. The
counters (``SlotCapacity.sold``, ``Park.current_occupancy``) only change through
conditional UPDATEs whose WHERE clause re-checks the bound, so a concurrent writer waits
for the row lock and then re-evaluates against the committed value: capacity is never
oversold and occupancy never leaves ``0..capacity``, whatever the interleaving.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Greatest, Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from skypark.accounts.models import Child
from skypark.audit.services import audit_log, snapshot
from skypark.commerce.models import Order
from skypark.commerce.services import order_cancel, order_create
from skypark.core import loyalty
from skypark.eventlog.services import events_append
from skypark.notify.confirmations import confirmation_queue

from . import history, selectors
from .errors import InvalidVisitors, NotBookable, NotEnoughPoints, SoldOut, TicketNotCancellable
from .gates import signing
from .gates.scanning import (  # noqa: F401  (the gate's services, re-exported)
    ADMIT_FIELDS,
    REFUSALS,
    STATUS_REFUSALS,
    AdmitResult,
    ticket_admit,
    ticket_exit,
    visit_exit,
)
from .models import WHOLE_DAY, Park, ParkVisit, SlotCapacity, Ticket

ZERO = Decimal("0.00")
LINE_KIND = "parks.ticket"
MAX_VISITORS = 20
UNDER_3 = 3

# --- pricing ----------------------------------------------------------------------------


@dataclass
class QuoteLine:
    name: str
    age: int
    child_id: int | None
    band: str
    price: Decimal


@dataclass
class Quote:
    park: Park
    visit_date: datetime.date
    ticket_type: str
    visits: int
    lines: list = field(default_factory=list)
    subtotal: Decimal = ZERO
    tier: str = "none"
    tier_discount: Decimal = ZERO
    points: int = 0
    points_discount: Decimal = ZERO
    currency: str = "KGS"

    @property
    def discount(self) -> Decimal:
        return self.tier_discount + self.points_discount

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount


def _visitors_resolve(*, customer, visitors) -> list[dict]:
    """``visitors`` is a list of ``{"child_id": id}`` (the customer's own children) or
    ``{"name": ..., "age": years}`` (a named guest, age on the visit date)."""
    if not visitors:
        raise InvalidVisitors()
    if len(visitors) > MAX_VISITORS:
        raise InvalidVisitors(
            ngettext(
                "At most %(n)s visitor fits on one ticket.", "At most %(n)s visitors fit on one ticket.", MAX_VISITORS
            )
            % {"n": MAX_VISITORS},
            details={"field": "visitors"},
        )
    ids = [v["child_id"] for v in visitors if v.get("child_id")]
    if len(ids) != len(set(ids)):
        raise InvalidVisitors(_("Each child can be chosen once."), details={"field": "visitors"})
    children = {}
    if ids:
        owner = customer.pk if customer is not None and customer.is_authenticated else None
        children = {c.pk: c for c in Child.objects.filter(pk__in=ids, parent_id=owner, is_active=True)}
        if len(children) != len(ids):
            raise InvalidVisitors(_("One of the chosen children is not yours."), details={"field": "visitors"})
    resolved = []
    for visitor in visitors:
        if visitor.get("child_id"):
            child = children[int(visitor["child_id"])]
            resolved.append({"child": child, "name": child.name})
            continue
        name = str(visitor.get("name") or "").strip()
        age = visitor.get("age")
        if not name or age is None or not 0 <= int(age) <= 17:
            raise InvalidVisitors(_("A guest needs a name and an age from 0 to 17."), details={"field": "visitors"})
        resolved.append({"child": None, "name": name[:100], "age": int(age)})
    return resolved


def price_quote(*, park: Park, visit_date, visitors, customer=None, ticket_type=Ticket.Type.SINGLE, points=0) -> Quote:
    """What the visitors cost: each child priced by their age ON THE VISIT DATE (under 3
    → ``price_under_3``, otherwise ``price_over_3``), a subscription costs
    ``subscription_visits`` visits; then the customer's tier discount from the loyalty
    port, then the value of ``points`` redeemed. Writes nothing."""
    visits = park.subscription_visits if ticket_type == Ticket.Type.SUBSCRIPTION else 1
    quote = Quote(park=park, visit_date=visit_date, ticket_type=ticket_type, visits=visits)
    for visitor in _visitors_resolve(customer=customer, visitors=visitors):
        child = visitor["child"]
        age = child.age_on(visit_date) if child is not None else visitor["age"]
        band = "under_3" if age < UNDER_3 else "over_3"
        unit = park.price_under_3 if band == "under_3" else park.price_over_3
        quote.lines.append(
            QuoteLine(
                name=visitor["name"],
                age=age,
                child_id=child.pk if child is not None else None,
                band=band,
                price=unit * visits,
            )
        )
    quote.subtotal = sum((line.price for line in quote.lines), ZERO)
    tier = loyalty.tier_for(customer)
    quote.tier = tier.code
    quote.tier_discount = min(tier.discount_on(quote.subtotal), quote.subtotal)
    if points:
        provider = loyalty.get_provider()
        if points < 0 or points > provider.spendable_points(customer):
            raise NotEnoughPoints(details={"field": "points"})
        quote.points = points
        quote.points_discount = min(provider.points_value(points, quote.currency), quote.subtotal - quote.tier_discount)
    return quote


# --- buying -----------------------------------------------------------------------------


def _capacity_row(park, day, slot) -> SlotCapacity:
    row, _created = SlotCapacity.objects.get_or_create(
        park=park, date=day, slot=slot, defaults={"capacity": selectors.slot_capacity_for(park, slot)}
    )
    return row


def _capacity_take(park, day, slot, count):
    """Takes ``count`` places or raises ``SoldOut``. The conditional UPDATE's WHERE
    re-checks the bound after waiting for any concurrent buyer's row lock. When it
    changes nothing, the row may not exist yet (first sale of the day and slot): it is
    created and the UPDATE tried once more."""
    places = SlotCapacity.objects.filter(park=park, date=day, slot=slot, sold__lte=F("capacity") - count)
    if places.update(sold=F("sold") + count):
        return
    row = _capacity_row(park, day, slot)
    if places.update(sold=F("sold") + count):
        return
    row.refresh_from_db()
    raise SoldOut(details={"available_spots": row.left, "requested": count})


def _capacity_release(ticket):
    if ticket.is_subscription:
        return
    SlotCapacity.objects.filter(park_id=ticket.park_id, date=ticket.visit_date, slot=ticket.slot).update(
        sold=Greatest(F("sold") - ticket.visitors, 0)
    )


@transaction.atomic
def ticket_order_create(
    *,
    customer,
    park: Park,
    visit_date,
    slot: str = WHOLE_DAY,
    visitors,
    ticket_type=Ticket.Type.SINGLE,
    points: int = 0,
    today=None,
) -> Ticket:
    """Sells a ticket: creates its order through the checkout and the ticket
    ``pending_payment`` with it, then takes the places on the slot-capacity row with a
    conditional UPDATE. That row is the one every buyer of the slot shares, so it is
    locked last and held only until commit; when it is full the whole sale rolls back.
    Refuses with ``NotBookable`` (closed day, closure, past date, unknown slot),
    ``SoldOut`` and ``InvalidVisitors``. A subscription is not bound to one date, so it
    reserves no slot; it is limited by occupancy at the gate.

    The ticket's QR code is issued when it becomes active (paid): an unpaid ticket has
    no code that could open a gate."""
    if ticket_type not in Ticket.Type.values:
        raise NotBookable(details={"field": "ticket_type"})
    is_subscription = ticket_type == Ticket.Type.SUBSCRIPTION
    slot = WHOLE_DAY if is_subscription else (slot or WHOLE_DAY)
    reason = selectors.booking_refusal(park, visit_date, slot, today=today, dated=not is_subscription)
    if reason:
        raise NotBookable(str(selectors.REASON_MESSAGES[reason]), details={"reason": reason})
    quote = price_quote(
        park=park, visit_date=visit_date, visitors=visitors, customer=customer, ticket_type=ticket_type, points=points
    )
    ticket = Ticket(
        customer=customer,
        park=park,
        ticket_type=ticket_type,
        visit_date=visit_date,
        slot=slot,
        valid_until=visit_date + datetime.timedelta(days=park.subscription_days - 1) if is_subscription else None,
        visits_allowed=quote.visits,
        price=quote.subtotal,
        discount_amount=quote.discount,
        loyalty_points_used=quote.points,
        children_data=[
            {"name": line.name, "age": line.age, "child_id": line.child_id, "price": str(line.price)}
            for line in quote.lines
        ],
    )

    def ticket_save(order):
        # Called by the checkout between the order's INSERT and its lines': the ticket
        # goes in once, already pointing at its order.
        ticket.order = order
        ticket.save(force_insert=True)
        history.ticket_event(ticket, "ticket.created", actor=customer, data={"order": order.reference})
        if order.status == Order.Status.PAID:
            _ticket_activate(ticket)

    label = _("subscription") if is_subscription else _("entry")
    order = order_create(
        customer=customer,
        currency=quote.currency,
        lines=[
            {
                "kind": LINE_KIND,
                "item": ticket,
                "description": f"{park.name}, {visit_date:%d.%m.%Y}, {label}: {line.name} ({line.age})",
                "unit_price": line.price,
                "metadata": {"band": line.band, "age": line.age},
            }
            for line in quote.lines
        ],
        discount_total=quote.discount,
        metadata={"park": park.slug, "loyalty_points_used": quote.points, "tier": quote.tier},
        actor=customer,
        before_lines=ticket_save,
    )
    if quote.points:
        # Spent inside this transaction (the loyalty account is locked until commit), so a
        # refused sale spends nothing; loyalty gives the points back if the order expires.
        loyalty.get_provider().points_redeem_for_order(customer=customer, points=quote.points, order=order)
    audit_log(actor=customer, action="parks.ticket.created", obj=ticket, after=snapshot(ticket))
    if not is_subscription:
        _capacity_take(park, visit_date, slot, len(quote.lines))
    return ticket


@transaction.atomic
def ticket_order_cancel(*, ticket: Ticket, actor) -> Ticket:
    """Cancels the unpaid order of ``ticket`` through the checkout and frees its places
    at once (the ``order_cancelled`` receiver then finds nothing left to do)."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status != Ticket.Status.PENDING_PAYMENT or ticket.order_id is None:
        raise TicketNotCancellable(details={"status": ticket.status})
    order_cancel(order=ticket.order, actor=actor, reason="cancelled by the customer")
    return tickets_release(order=ticket.order, status=Ticket.Status.CANCELLED)[0]


# --- reacting to the checkout -----------------------------------------------------------


def _order_tickets_locked(order, *statuses):
    return list(Ticket.objects.select_for_update().filter(order_id=order.pk, status__in=statuses).order_by("pk"))


def _ticket_activate(ticket):
    """The ticket is paid: it becomes active and gets its QR code (kept if it has one)."""
    ticket.status = Ticket.Status.ACTIVE
    ticket.qr_code = ticket.qr_code or signing.ticket_code_sign(ticket)
    ticket.save(update_fields=["status", "qr_code", "updated_at"])
    history.ticket_event(ticket, "ticket.activated", fields=("status",))


@transaction.atomic(savepoint=False)
def tickets_activate(*, order) -> int:
    """The order is paid: its pending tickets become active and each customer gets the
    confirmation with the ticket attached (after commit). Idempotent. Runs inside the
    payment's transaction (``order_paid``), without a savepoint of its own."""
    tickets = _order_tickets_locked(order, Ticket.Status.PENDING_PAYMENT)
    for ticket in tickets:
        # Part of the order's payment, audited there; the ticket's own history records it.
        _ticket_activate(ticket)
        confirmation_queue(obj=ticket)
    return len(tickets)


@transaction.atomic
def tickets_release(*, order, status) -> list[Ticket]:
    """The order expired or was cancelled unpaid: its pending tickets get ``status`` and
    their places go back on sale. Locks the tickets, then the capacity rows.
    Idempotent: a ticket already released is not pending any more."""
    tickets = _order_tickets_locked(order, Ticket.Status.PENDING_PAYMENT)
    for ticket in tickets:
        ticket.status = status
        ticket.save(update_fields=["status", "updated_at"])
        history.ticket_event(ticket, f"ticket.{status}", fields=("status",), data={"order": order.reference})
        _capacity_release(ticket)
        audit_log(actor=None, action=f"parks.ticket.{status}", obj=ticket, data={"order": order.reference})
    return tickets


@transaction.atomic
def tickets_revive(*, order) -> list[Ticket]:
    """Money arrived for the expired ``order``: its expired tickets take their places
    again and go back to pending payment (one not released yet keeps its places) (the ``order_paid`` that follows activates
    them). Raises ``SoldOut`` when a slot has filled meanwhile; the checkout then rolls
    this back and refunds. Locks the tickets, then the capacity rows."""
    tickets = _order_tickets_locked(order, Ticket.Status.EXPIRED, Ticket.Status.PENDING_PAYMENT)
    for ticket in tickets:
        if ticket.status == Ticket.Status.PENDING_PAYMENT:
            continue  # not released yet: it still holds its places
        if not ticket.is_subscription:
            _capacity_take(ticket.park, ticket.visit_date, ticket.slot, ticket.visitors)
        ticket.status = Ticket.Status.PENDING_PAYMENT
        ticket.save(update_fields=["status", "updated_at"])
        audit_log(actor=None, action="parks.ticket.revived", obj=ticket, data={"order": order.reference})
    return tickets


@transaction.atomic
def tickets_refund(*, order) -> int:
    """The order was refunded in full: its unused tickets become refunded and their
    places go back on sale. A partial refund (a goodwill gesture) leaves tickets valid."""
    order = Order.objects.get(pk=order.pk)
    if order.status != Order.Status.REFUNDED:
        return 0
    tickets = _order_tickets_locked(order, Ticket.Status.ACTIVE, Ticket.Status.PENDING_PAYMENT)
    for ticket in tickets:
        ticket.status = Ticket.Status.REFUNDED
        ticket.save(update_fields=["status", "updated_at"])
        history.ticket_event(ticket, "ticket.refunded", fields=("status",), data={"order": order.reference})
        if ticket.visit_date >= timezone.localdate():
            _capacity_release(ticket)
        audit_log(actor=None, action="parks.ticket.refunded", obj=ticket, data={"order": order.reference})
    return len(tickets)


# --- sweeps -----------------------------------------------------------------------------


@transaction.atomic
def tickets_expire(*, today=None) -> int:
    """Active tickets whose last valid day has passed become expired: their rows locked
    (skipping any a gate holds: the next run takes them), one UPDATE, and one event per
    ticket in one INSERT."""
    today = today or timezone.localdate()
    due = Ticket.objects.filter(
        Q(ticket_type=Ticket.Type.SINGLE, visit_date__lt=today)
        | Q(ticket_type=Ticket.Type.SUBSCRIPTION, valid_until__lt=today),
        status=Ticket.Status.ACTIVE,
    )
    rows = list(due.select_for_update(skip_locked=True).values_list("pk", "park_id"))
    if not rows:
        return 0
    expired = Ticket.objects.filter(pk__in=[pk for pk, _park in rows]).update(
        status=Ticket.Status.EXPIRED, updated_at=Now()
    )
    events_append(
        [
            history.ticket_event_new(
                Ticket(pk=pk, park_id=park_id, status=Ticket.Status.EXPIRED), "ticket.expired", fields=("status",)
            )
            for pk, park_id in rows
        ]
    )
    return expired


def ticket_remind(*, ticket_id: int) -> bool:
    """Sends the day-before reminder for one ticket, once. Locks the ticket (skipping it
    if another worker holds it); ``reminder_sent_at`` and the notification's dedupe key
    make a re-run send nothing."""
    from skypark.notify.services import notification_send

    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("park", "customer")
            .filter(pk=ticket_id, status=Ticket.Status.ACTIVE, reminder_sent_at__isnull=True)
            .first()
        )
        if ticket is None:
            return False
        notification_send(
            recipient=ticket.customer,
            kind="parks.visit_reminder",
            context={
                "ticket": ticket,
                "park": ticket.park,
                "ticket_url": settings.SITE_URL.rstrip("/") + reverse("parks:ticket-detail", args=[ticket.pk]),
            },
            channels=("email", "sms", "in_app"),
            related=ticket,
            dedupe_key=f"parks.visit_reminder.{ticket.pk}",
        )
        ticket.reminder_sent_at = timezone.now()
        ticket.save(update_fields=["reminder_sent_at", "updated_at"])
    return True


def tickets_remind(*, day=None) -> int:
    """Reminds everyone with an active ticket for ``day`` (tomorrow by default)."""
    day = day or timezone.localdate() + datetime.timedelta(days=1)
    ids = list(
        Ticket.objects.filter(
            status=Ticket.Status.ACTIVE, visit_date=day, reminder_sent_at__isnull=True, ticket_type=Ticket.Type.SINGLE
        ).values_list("pk", flat=True)
    )
    return sum(1 for pk in ids if ticket_remind(ticket_id=pk))


@transaction.atomic
def visits_close(*, before=None, now=None) -> int:
    """End of day: visits still open from days before ``before`` (today by default) are
    closed as expired and their visitors leave the occupancy count. Locks the parks
    concerned, then updates set-wise; a second run finds nothing open."""
    before = before or timezone.localdate()
    now = now or timezone.now()
    open_visits = ParkVisit.objects.filter(status=ParkVisit.Status.ACTIVE, visit_date__lt=before)
    per_park = dict(open_visits.values_list("park").annotate(n=Sum("visitor_count")).values_list("park", "n"))
    if not per_park:
        return 0
    list(Park.objects.select_for_update().filter(pk__in=per_park).order_by("pk").values_list("pk", flat=True))
    closed = open_visits.update(
        status=ParkVisit.Status.EXPIRED, exit_time=Greatest(F("entry_time"), now), updated_at=Now()
    )
    for park_id, count in per_park.items():
        Park.objects.filter(pk=park_id).update(current_occupancy=Greatest(F("current_occupancy") - count, 0))
    audit_log(actor=None, action="parks.visits.closed", data={"visits": closed, "parks": sorted(per_park)})
    return closed


# --- schedules --------------------------------------------------------------------------

SCHEDULES = [
    # name, task, hour, minute
    ("parks: expire past tickets", "skypark.parks.tasks.parks_tickets_expire", 0, 10),
    ("parks: close open visits", "skypark.parks.tasks.parks_visits_close", 4, 0),
    ("parks: remind tomorrow's visitors", "skypark.parks.tasks.parks_tickets_remind", 10, 0),
]


@transaction.atomic
def schedules_install() -> list:
    """Registers the parks' periodic tasks with django-celery-beat, where staff can see
    and change them. Safe to call any number of times. Visits are closed at 04:00 so
    that parks open past midnight are not emptied while still open."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    tasks = []
    for name, task, hour, minute in SCHEDULES:
        crontab, _created = CrontabSchedule.objects.get_or_create(
            minute=str(minute),
            hour=str(hour),
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        periodic, _created = PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "enabled": True}
        )
        tasks.append(periodic)
    return tasks
