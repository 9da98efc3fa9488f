import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from skypark.accounts.tests.factories import ChildFactory
from skypark.commerce import qr
from skypark.commerce.models import Order
from skypark.commerce.services import order_refund, orders_expire
from skypark.core import loyalty
from skypark.parks import selectors, services
from skypark.parks.errors import InvalidVisitors, NotBookable, SoldOut, TicketNotCancellable
from skypark.parks.gates import signing
from skypark.parks.models import Park, ParkVisit, SlotCapacity, Ticket

from .factories import ParkFactory, TimeSlotFactory, tomorrow

pytestmark = pytest.mark.django_db


# --- pricing -------------------------------------------------------------------------------


def test_default_prices_come_from_system_settings():
    park = ParkFactory()
    assert park.price_under_3 == Decimal("590")
    assert park.price_over_3 == Decimal("790")


def test_child_priced_by_age_on_the_visit_date(customer, park):
    visit = timezone.localdate() + datetime.timedelta(days=10)
    # Two today, three on the visit date: the visit date decides.
    born = visit.replace(year=visit.year - 3) - datetime.timedelta(days=2)
    turning = ChildFactory(parent=customer, birth_date=born)
    assert turning.age_on(timezone.localdate()) == 2

    quote = services.price_quote(park=park, visit_date=visit, visitors=[{"child_id": turning.pk}], customer=customer)
    assert quote.lines[0].age == 3
    assert quote.lines[0].band == "over_3"
    assert quote.total == Decimal("790")

    earlier = services.price_quote(
        park=park,
        visit_date=born.replace(year=born.year + 3) - datetime.timedelta(days=1),
        visitors=[{"child_id": turning.pk}],
        customer=customer,
    )
    assert earlier.lines[0].band == "under_3"
    assert earlier.total == Decimal("590")


def test_guests_priced_by_given_age(customer, park):
    quote = services.price_quote(
        park=park,
        visit_date=tomorrow(),
        visitors=[{"name": "Dana", "age": 2}, {"name": "Emir", "age": 7}],
        customer=customer,
    )
    assert [line.price for line in quote.lines] == [Decimal("590"), Decimal("790")]
    assert quote.total == Decimal("1380")


def test_someone_elses_child_refused(customer, park):
    other = ChildFactory()
    with pytest.raises(InvalidVisitors):
        services.price_quote(park=park, visit_date=tomorrow(), visitors=[{"child_id": other.pk}], customer=customer)


class TenPercent:
    def tier_for(self, customer):
        return loyalty.TierBenefits(code="vip", name="VIP", discount_percent=Decimal("10"))

    def spendable_points(self, customer):
        return 0

    def points_value(self, points, currency):
        return Decimal("0")


@pytest.fixture
def vip_provider():
    previous = loyalty.get_provider()
    loyalty.set_provider(TenPercent())
    yield
    loyalty.set_provider(previous)


def test_tier_discount_applied_to_quote_ticket_and_order(vip_provider, buy, customer, park):
    ticket = buy(visitors=[{"name": "A", "age": 5}, {"name": "B", "age": 1}])
    assert ticket.price == Decimal("1380.00")
    assert ticket.discount_amount == Decimal("138.00")
    assert ticket.order.total == Decimal("1242.00")
    assert ticket.order.discount_total == Decimal("138.00")
    assert ticket.order.metadata["tier"] == "vip"


# --- bookability ---------------------------------------------------------------------------


def _next(weekday):
    day = timezone.localdate() + datetime.timedelta(days=1)
    while day.weekday() != weekday:
        day += datetime.timedelta(days=1)
    return day


def test_closed_weekday_refused(customer, child):
    park = ParkFactory(hours=[(0, datetime.time(10), datetime.time(20))])
    closed = _next(1)
    assert selectors.availability(park=park, day=closed).reason == "closed_day"
    with pytest.raises(NotBookable) as exc:
        services.ticket_order_create(customer=customer, park=park, visit_date=closed, visitors=[{"child_id": child.pk}])
    assert exc.value.details["reason"] == "closed_day"
    assert not SlotCapacity.objects.exists()


def test_temporary_closure_refused_until_its_last_day(buy, park):
    park.is_temporarily_closed = True
    park.closure_reason = "Ремонт"
    park.closed_until = tomorrow()
    park.save()
    with pytest.raises(NotBookable) as exc:
        buy(day=tomorrow())
    assert exc.value.details["reason"] == "temporarily_closed"
    assert buy(day=tomorrow() + datetime.timedelta(days=1)).status == Ticket.Status.PENDING_PAYMENT


def test_past_date_refused(buy):
    with pytest.raises(NotBookable) as exc:
        buy(day=timezone.localdate() - datetime.timedelta(days=1))
    assert exc.value.details["reason"] == "past_date"


def test_slots_are_required_when_the_park_has_them(buy, park):
    TimeSlotFactory(park=park, code="morning")
    with pytest.raises(NotBookable):
        buy()
    with pytest.raises(NotBookable):
        buy(slot="night")
    assert buy(slot="morning").slot == "morning"


def test_editing_hours_or_slots_is_seen_by_the_next_sale(buy, park):
    day = tomorrow()
    assert buy(day=day).status == Ticket.Status.PENDING_PAYMENT  # the schedule is cached now
    slot = TimeSlotFactory(park=park, code="morning")
    with pytest.raises(NotBookable) as exc:
        buy(day=day)
    assert exc.value.details["reason"] == "slot_required"
    slot.delete()
    park.hours.get(weekday=day.weekday()).delete()
    with pytest.raises(NotBookable) as exc:
        buy(day=day)
    assert exc.value.details["reason"] == "closed_day"


def test_overnight_hours():
    park = ParkFactory(hours=[(4, datetime.time(18), datetime.time(2))])
    friday = _next(4)
    at = lambda day, h, m=0: datetime.datetime.combine(day, datetime.time(h, m))  # noqa: E731
    assert services.selectors.park_is_open_at(park, at(friday, 23))
    assert services.selectors.park_is_open_at(park, at(friday + datetime.timedelta(days=1), 1, 30))
    assert not services.selectors.park_is_open_at(park, at(friday + datetime.timedelta(days=1), 2, 30))
    assert not services.selectors.park_is_open_at(park, at(friday, 17))
    assert park.hours.get().overnight
    assert selectors.availability(park=park, day=friday).bookable
    assert selectors.availability(park=park, day=friday + datetime.timedelta(days=1)).reason == "closed_day"


def test_opening_equal_to_closing_is_refused_by_the_database(park):
    park.hours.all().delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        park.hours.create(weekday=0, opens=datetime.time(10), closes=datetime.time(10))


def test_availability_statuses(park):
    day = tomorrow()
    assert selectors.availability(park=park, day=day).status == "available"
    SlotCapacity.objects.create(park=park, date=day, capacity=50, sold=35)
    limited = selectors.availability(park=park, day=day)
    assert (limited.status, limited.available_spots) == ("limited", 15)
    SlotCapacity.objects.filter(park=park).update(sold=50)
    assert selectors.availability(park=park, day=day).status == "full"


# --- ordering and capacity ---------------------------------------------------------------


def test_order_creates_pending_ticket_and_takes_places(buy, park):
    ticket = buy(visitors=[{"name": "A", "age": 4}, {"name": "B", "age": 5}])
    assert ticket.status == Ticket.Status.PENDING_PAYMENT
    assert ticket.order.status == Order.Status.PENDING_PAYMENT
    assert {line.object_id for line in ticket.order.lines.all()} == {str(ticket.pk)}
    assert ticket.order.lines.count() == 2
    assert SlotCapacity.objects.get(park=park).sold == 2


def test_qr_code_is_issued_when_the_ticket_is_paid(buy, pay, park):
    ticket = buy()
    assert Ticket.objects.get(pk=ticket.pk).qr_code == ""
    assert services.ticket_admit(code=ticket.backup_code, park=park).reason == "not_paid"
    paid = pay(ticket)
    assert signing.ticket_code_verify(paid.qr_code).ticket_id == ticket.pk


def test_free_order_is_active_with_its_code_at_once(buy, customer):
    free = ParkFactory(price_under_3=0, price_over_3=0)
    ticket = buy(park_=free, visitors=[{"name": "A", "age": 4}])
    assert (ticket.status, ticket.order.status) == (Ticket.Status.ACTIVE, Order.Status.PAID)
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.status, stored.order_id) == (Ticket.Status.ACTIVE, ticket.order.pk)
    assert signing.ticket_code_verify(stored.qr_code).ticket_id == ticket.pk


def test_sold_out_refused_and_nothing_written(buy, park):
    SlotCapacity.objects.create(park=park, date=tomorrow(), capacity=1)
    buy()
    with pytest.raises(SoldOut) as exc:
        buy(visitors=[{"name": "X", "age": 4}])
    assert exc.value.code == "sold_out"
    assert Ticket.objects.count() == 1
    assert Order.objects.count() == 1


def test_capacity_check_constraint():
    park = ParkFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SlotCapacity.objects.create(park=park, date=tomorrow(), capacity=5, sold=6)


def test_payment_activates_ticket(buy, pay):
    assert pay(buy()).status == Ticket.Status.ACTIVE


def test_unpaid_expiry_releases_capacity(buy, park, django_capture_on_commit_callbacks):
    ticket = buy(visitors=[{"name": "A", "age": 4}, {"name": "B", "age": 5}])
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_expire(now=ticket.order.expires_at + datetime.timedelta(seconds=1)) == 1
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.EXPIRED
    assert SlotCapacity.objects.get(park=park).sold == 0
    services.tickets_release(order=ticket.order, status=Ticket.Status.EXPIRED)
    assert SlotCapacity.objects.get(park=park).sold == 0


def test_customer_cancel_releases_and_paid_cannot_be_cancelled(
    buy, pay, park, customer, django_capture_on_commit_callbacks
):
    ticket = buy()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_order_cancel(ticket=ticket, actor=customer)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CANCELLED
    assert ticket.order.status == Order.Status.CANCELLED
    assert SlotCapacity.objects.get(park=park).sold == 0
    with pytest.raises(TicketNotCancellable):
        services.ticket_order_cancel(ticket=pay(buy()), actor=customer)


def test_full_refund_marks_ticket_refunded(buy, pay, park, django_capture_on_commit_callbacks):
    ticket = pay(buy())
    with django_capture_on_commit_callbacks(execute=True):
        order_refund(order=ticket.order, reason="test")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.REFUNDED
    assert SlotCapacity.objects.get(park=park).sold == 0


# --- gates -----------------------------------------------------------------------------


def test_admit_by_qr_updates_ticket_occupancy_and_visit(active_ticket, park, staff_user):
    result = services.ticket_admit(code=active_ticket.qr_code, park=park, gate="north", staff=staff_user)
    assert result.admitted, result.reason
    active_ticket.refresh_from_db()
    park.refresh_from_db()
    assert active_ticket.status == Ticket.Status.USED
    assert active_ticket.validated_by == staff_user
    assert park.current_occupancy == 1
    visit = result.visit
    assert (visit.entry_method, visit.gate, visit.visitor_count) == ("qr", "north", 1)


def test_admit_by_backup_code_is_manual(active_ticket, park):
    code = active_ticket.backup_code.lower()[:4] + "-" + active_ticket.backup_code[4:]
    result = services.ticket_admit(code=code, park=park)
    assert result.admitted
    assert result.visit.entry_method == ParkVisit.EntryMethod.MANUAL


def test_second_scan_refused_as_used(active_ticket, park):
    assert services.ticket_admit(code=active_ticket.qr_code, park=park).admitted
    second = services.ticket_admit(code=active_ticket.qr_code, park=park)
    assert (second.admitted, second.reason) == (False, "already_used")


def test_forged_code_refused_without_a_query(active_ticket, park, django_assert_num_queries):
    tampered = active_ticket.qr_code[:-2] + ("AA" if not active_ticket.qr_code.endswith("AA") else "BB")
    with django_assert_num_queries(2):  # the savepoint of transaction.atomic only
        result = services.ticket_admit(code=tampered, park=park)
    assert result.reason == "forged"
    other_server = f"ticket.{active_ticket.pk}.1KX9Z2Q.8H3K2M9P.0000000000000000000000000"
    assert services.ticket_admit(code=other_server, park=park).reason == "forged"


def test_reissued_code_refused_as_forged(active_ticket, park):
    stale = qr.code_issue("ticket", active_ticket.pk)
    assert services.ticket_admit(code=stale, park=park).reason == "forged"


def test_unknown_backup_code(park):
    assert services.ticket_admit(code="ZZZZZZZZ", park=park).reason == "unknown"
    assert services.ticket_admit(code="hello", park=park).reason == "unknown"


@pytest.mark.parametrize(
    "status,reason",
    [("expired", "expired"), ("refunded", "refunded"), ("cancelled", "cancelled"), ("pending_payment", "not_paid")],
)
def test_status_refusals(active_ticket, park, status, reason):
    Ticket.objects.filter(pk=active_ticket.pk).update(status=status)
    assert services.ticket_admit(code=active_ticket.qr_code, park=park).reason == reason


def test_wrong_park_and_wrong_date(buy, pay, park):
    other = ParkFactory()
    ticket = pay(buy())
    assert services.ticket_admit(code=ticket.qr_code, park=other).reason == "wrong_park"
    assert services.ticket_admit(code=ticket.qr_code, park=park).reason == "wrong_date"
    later = timezone.now() + datetime.timedelta(days=3)
    assert services.ticket_admit(code=ticket.qr_code, park=park, now=later).reason == "expired"


def test_occupancy_never_above_capacity_or_below_zero(buy, pay, customer):
    park = ParkFactory(capacity=3)
    today = timezone.localdate()
    SlotCapacity.objects.create(park=park, date=today, capacity=10)
    first = pay(buy(park_=park, day=today, visitors=[{"name": "A", "age": 4}, {"name": "B", "age": 4}]))
    second = pay(buy(park_=park, day=today, visitors=[{"name": "C", "age": 4}, {"name": "D", "age": 4}]))
    visit = services.ticket_admit(code=first.qr_code, park=park).visit
    refused = services.ticket_admit(code=second.qr_code, park=park)
    assert refused.reason == "park_full"
    second.refresh_from_db()
    assert second.status == Ticket.Status.ACTIVE
    assert (second.visits_used, second.entry_time) == (0, None)
    assert not ParkVisit.objects.filter(ticket=second).exists()
    park.refresh_from_db()
    assert park.current_occupancy == 2
    # Someone corrected the counter by hand meanwhile: the exit still cannot go below zero.
    Park.objects.filter(pk=park.pk).update(current_occupancy=1)
    services.visit_exit(visit=visit)
    services.visit_exit(visit=visit)
    park.refresh_from_db()
    assert park.current_occupancy == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        Park.objects.filter(pk=park.pk).update(current_occupancy=4)


def test_subscription_admits_until_visits_are_used(buy, pay, park):
    park.subscription_visits = 2
    park.save()
    ticket = pay(buy(day=timezone.localdate(), ticket_type="subscription"))
    assert ticket.price == Decimal("1580.00")
    assert not SlotCapacity.objects.exists()
    first = services.ticket_admit(code=ticket.qr_code, park=park)
    services.visit_exit(visit=first.visit)
    assert services.ticket_admit(code=ticket.qr_code, park=park).admitted
    assert services.ticket_admit(code=ticket.qr_code, park=park).reason == "already_used"


def test_demo_seed_is_idempotent():
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    counts = (Park.objects.count(), SlotCapacity.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert counts == (Park.objects.count(), SlotCapacity.objects.count())
    assert counts[0] >= 2 and counts[1] >= 7
    day = timezone.localdate() + datetime.timedelta(days=1)
    for park in Park.objects.all():
        slot = park.slots.values_list("code", flat=True).first() or ""
        assert selectors.availability(park=park, day=day, slot=slot).bookable


def test_points_are_spent_on_the_order_and_come_back_when_it_expires(buy, customer, django_capture_on_commit_callbacks):
    provider = loyalty.get_provider()
    provider.points_award(customer=customer, points=300, source="test", reference="parks-points")
    ticket = buy(points=200)
    assert ticket.loyalty_points_used == 200
    assert provider.spendable_points(customer) == 100, "the points are deducted with the sale"
    with django_capture_on_commit_callbacks(execute=True):
        orders_expire(now=timezone.now() + datetime.timedelta(hours=2))
    assert provider.spendable_points(customer) == 300, "and given back when the order expires"
