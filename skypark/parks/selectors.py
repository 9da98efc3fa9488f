"""Reads of the parks domain: parks, availability, tickets, occupancy and daily stats."""

import datetime
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skypark.core.translated import any_language, in_active_language

from .models import WHOLE_DAY, DoubleEntry, OpeningHours, Park, ParkVisit, SlotCapacity, Ticket, TimeSlot

LIMITED_SHARE = Decimal("0.3")

REASON_MESSAGES = {
    "inactive": _("This park is not taking bookings."),
    "past_date": _("This date has already passed."),
    "closed_day": _("The park is closed on this day."),
    "temporarily_closed": _("The park is temporarily closed."),
    "unknown_slot": _("There is no such time slot in this park."),
    "slot_required": _("Choose a time slot."),
}


def park_list(*, search: str = "", include_inactive=False):
    """Parks with their hours and slots prefetched; ``search`` matches the name or
    address in any of the three languages."""
    parks = Park.objects.all() if include_inactive else Park.objects.active()
    if search:
        parks = parks.filter(any_language("name", "icontains", search) | any_language("address", "icontains", search))
    return parks.prefetch_related(
        Prefetch("hours", queryset=OpeningHours.objects.order_by("weekday")),
        Prefetch("slots", queryset=TimeSlot.objects.filter(is_active=True).order_by("starts")),
    ).order_by("name", "pk")


def park_get(*, slug: str) -> Park:
    """One active park by slug: its row read now (occupancy and closures change at any
    time), its hours and active slots from ``park_timetable``, attached as if prefetched
    (``park.hours.all()``, ``park.slots.all()``), in the order ``park_list`` gives."""
    park = Park.objects.active().get(slug=slug)
    hours, slots = park_timetable(park.pk)
    park._prefetched_objects_cache = {"hours": hours, "slots": slots}
    return park


def park_get_for_sale(*, slug: str) -> Park:
    """The active park's row alone, for selling its tickets: the booking rules read its
    hours and slots from ``park_schedule`` (cached), so they are not loaded here."""
    return Park.objects.active().get(slug=slug)


# Booking reads a park's opening weekdays and slots on every sale; they change only when
# staff edit them, so they are cached per park. Saving or deleting hours or a slot clears
# the entry (``receivers.park_schedule_changed``). A change the models' signals do not
# see (a queryset ``update()``, SQL), or one made in another process while the cache is
# process-local, is picked up within this many seconds.
SCHEDULE_SECONDS = 60


@dataclass(frozen=True)
class ParkSchedule:
    """What selling a day and slot of a park needs of its hours and slots."""

    weekdays: frozenset  # weekdays with opening hours
    slots: dict  # active slot code → its own capacity (None: the park's)


def _schedule_key(park_id) -> str:
    return f"parks:schedule:{park_id}"


def park_schedule(park: Park) -> ParkSchedule:
    """The park's opening weekdays and active slots: from the cache, or two small
    queries on a miss. See ``SCHEDULE_SECONDS`` for how fresh it is."""
    key = _schedule_key(park.pk)
    schedule = cache.get(key)
    if schedule is None:
        # No ORDER BY: the models' default ordering ("park" first) would join the park.
        hours = OpeningHours.objects.filter(park=park).order_by()
        slots = TimeSlot.objects.filter(park=park, is_active=True).order_by()
        schedule = ParkSchedule(
            weekdays=frozenset(hours.values_list("weekday", flat=True)),
            slots=dict(slots.values_list("code", "capacity")),
        )
        cache.set(key, schedule, SCHEDULE_SECONDS)
    return schedule


def park_schedule_forget(park_id) -> None:
    cache.delete_many([_schedule_key(park_id), _timetable_key(park_id)])


def _timetable_key(park_id) -> str:
    return f"parks:timetable:{park_id}"


def park_timetable(park_id) -> tuple[list[OpeningHours], list[TimeSlot]]:
    """The park's opening hours (by weekday) and active slots (by start) as its pages and
    API show them: from the cache, or two small queries on a miss; as fresh as
    ``park_schedule`` (cleared by the same receivers)."""
    key = _timetable_key(park_id)
    timetable = cache.get(key)
    if timetable is None:
        timetable = (
            list(OpeningHours.objects.filter(park_id=park_id).order_by("weekday")),
            list(TimeSlot.objects.filter(park_id=park_id, is_active=True).order_by("starts")),
        )
        cache.set(key, timetable, SCHEDULE_SECONDS)
    return timetable


def hours_on(park: Park, day: datetime.date) -> OpeningHours | None:
    for hours in park.hours.all():
        if hours.weekday == day.weekday():
            return hours
    return None


def park_is_open_at(park: Park, moment: datetime.datetime) -> bool:
    """Open at local ``moment``, counting yesterday's hours when they run past midnight."""
    moment = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    day, time = moment.date(), moment.time()
    today = hours_on(park, day)
    if today is not None:
        if today.overnight and time >= today.opens:
            return True
        if not today.overnight and today.opens <= time < today.closes:
            return True
    yesterday = hours_on(park, day - datetime.timedelta(days=1))
    return bool(yesterday and yesterday.overnight and time < yesterday.closes)


def slot_capacity_for(park: Park, slot: str) -> int:
    if slot == WHOLE_DAY:
        return park.capacity
    slots = park_schedule(park).slots
    if slot not in slots:
        raise KeyError(slot)
    return slots[slot] or park.capacity


def booking_refusal(park: Park, day: datetime.date, slot: str, *, today=None, dated=True) -> str | None:
    """Why ``park`` cannot be booked for ``day``/``slot``, or None when it can.
    ``dated=False`` (a subscription starting on ``day``) skips the weekday and slot."""
    today = today or timezone.localdate()
    if not park.is_active:
        return "inactive"
    if day < today:
        return "past_date"
    if park.is_closed_on(day):
        return "temporarily_closed"
    if not dated:
        return None
    schedule = park_schedule(park)
    if day.weekday() not in schedule.weekdays:
        return "closed_day"
    if slot == WHOLE_DAY and schedule.slots:
        return "slot_required"
    if slot != WHOLE_DAY and slot not in schedule.slots:
        return "unknown_slot"
    return None


@dataclass
class Availability:
    park: str
    date: datetime.date
    slot: str
    bookable: bool
    status: str  # available / limited / full / closed
    reason: str
    message: str
    capacity: int
    sold: int
    available_spots: int
    occupancy_percentage: Decimal

    def as_dict(self):
        return asdict(self)


def availability(
    *, park: Park, day: datetime.date, slot: str = WHOLE_DAY, visitors: int = 1, today=None
) -> Availability:
    """Places left for ``park`` on ``day``/``slot``, as the seed's
    ``check_park_availability``: ``limited`` when at most 30 % of the capacity is left.

    Unlike the seed, the people inside right now are not subtracted: they came on
    tickets already counted in ``sold`` for today, so subtracting them would count
    them twice and would wrongly shrink future dates.
    """
    reason = booking_refusal(park, day, slot, today=today)
    if reason:
        return Availability(
            park=park.slug,
            date=day,
            slot=slot,
            bookable=False,
            status="closed",
            reason=reason,
            message=str(REASON_MESSAGES[reason]),
            capacity=0,
            sold=0,
            available_spots=0,
            occupancy_percentage=Decimal("0"),
        )
    row = SlotCapacity.objects.filter(park=park, date=day, slot=slot).only("capacity", "sold").first()
    capacity = row.capacity if row else slot_capacity_for(park, slot)
    sold = row.sold if row else 0
    left = max(capacity - sold, 0)
    if left < max(visitors, 1):
        status = "full"
    elif Decimal(left) > Decimal(capacity) * LIMITED_SHARE:
        status = "available"
    else:
        status = "limited"
    return Availability(
        park=park.slug,
        date=day,
        slot=slot,
        bookable=status != "full",
        status=status,
        reason="sold_out" if status == "full" else "",
        message="",
        capacity=capacity,
        sold=sold,
        available_spots=left,
        occupancy_percentage=(Decimal(sold) * 100 / Decimal(capacity)).quantize(Decimal("0.1")),
    )


def ticket_list(*, customer):
    """The customer's tickets, without orders they abandoned unpaid."""
    return (
        Ticket.objects.filter(customer=customer)
        .exclude(status=Ticket.Status.CANCELLED, order__paid_at__isnull=True)
        .select_related("park", "order")
        .order_by("-visit_date", "-pk")
    )


def ticket_get(*, customer, pk) -> Ticket:
    """One of the customer's tickets, whatever its status (a cancelled one says so)."""
    return Ticket.objects.select_related("park", "order").get(customer=customer, pk=pk)


def admin_ticket_queryset():
    return Ticket.objects.select_related("park", "customer", "order", "validated_by")


def occupancy_board(*, today=None):
    """Per active park: inside now, places booked for today, % of capacity."""
    today = today or timezone.localdate()
    booked = dict(
        SlotCapacity.objects.filter(date=today).values_list("park").annotate(n=Sum("sold")).values_list("park", "n")
    )
    rows = []
    for park in Park.objects.active().order_by("name", "pk"):
        rows.append(
            {
                "park": park,
                "inside": park.current_occupancy,
                "capacity": park.capacity,
                "booked_today": booked.get(park.pk, 0),
                "percent": park.occupancy_percent,
            }
        )
    return rows


def daily_park_stats(*, date_from: datetime.date, date_to: datetime.date, park=None):
    """The seed's ``daily_park_stats`` per park and day, computed on demand: tickets,
    visitors, average group size, QR vs manual entries, first/last activity and the
    revenue of the tickets that came in."""
    visits = ParkVisit.objects.filter(visit_date__gte=date_from, visit_date__lte=date_to)
    if park is not None:
        visits = visits.filter(park=park)
    rows = (
        visits.values("park", "visit_date", park_name=in_active_language("park__name"))
        .annotate(
            total_tickets=Count("ticket", distinct=True),
            total_visitors=Sum("visitor_count"),
            entries=Count("id"),
            qr_entries=Count("ticket", filter=Q(entry_method="qr"), distinct=True),
            manual_entries=Count("ticket", filter=Q(entry_method="manual"), distinct=True),
            paying_customers=Count("ticket__customer", distinct=True),
        )
        .order_by("-visit_date", "park_name")
    )
    revenue = {
        (r["park"], r["visit_date"]): r["revenue"] or Decimal("0")
        for r in Ticket.objects.filter(
            ticket_type=Ticket.Type.SINGLE,
            visit_date__gte=date_from,
            visit_date__lte=date_to,
            status__in=[Ticket.Status.ACTIVE, Ticket.Status.USED, Ticket.Status.EXPIRED],
        )
        .values("park", "visit_date")
        .annotate(revenue=Sum("price") - Sum("discount_amount"))
    }
    result = []
    for row in rows:
        row["park__name"] = row.pop("park_name")
        row["avg_group_size"] = (Decimal(row["total_visitors"]) / row["entries"]).quantize(Decimal("0.01"))
        row["total_revenue"] = revenue.get((row["park"], row["visit_date"]), Decimal("0"))
        result.append(row)
    return result


def double_entries_recent(*, today=None) -> list[dict]:
    """Per park with any: double entries found for today and for the last seven days."""
    today = today or timezone.localdate()
    week = today - datetime.timedelta(days=6)
    rows = (
        DoubleEntry.objects.filter(day__gte=week, day__lte=today)
        .values("park__name")
        .annotate(today=Count("pk", filter=Q(day=today)), week=Count("pk"))
        .order_by("park__name")
    )
    return [{"park": row["park__name"], "today": row["today"], "week": row["week"]} for row in rows]
