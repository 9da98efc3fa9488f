"""A database error in the middle of a checkout leaves nothing behind.

Each test runs a real sale in its own outermost transaction (transactional db, so the
service's ``atomic`` is a real COMMIT/ROLLBACK, not a savepoint) and makes its last
database step raise ``DatabaseError`` after the order, its lines, the ticket /
registration / booking, the loyalty points spend and the audit entry have been written.
Afterwards none of those rows exist and every capacity counter is as it was.
"""

from decimal import Decimal
from unittest import mock

import pytest
from django.db import DatabaseError

from loyalty.models import LedgerEntry, LotUse, PointLot
from skypark.accounts.tests.factories import ChildFactory, UserFactory
from skypark.audit.models import AuditEntry
from skypark.commerce.models import Order, OrderLine, Payment

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = (Order, OrderLine, Payment, LedgerEntry, PointLot, LotUse, AuditEntry)


def counts(*models):
    return {model.__name__: model.objects.count() for model in (*ROWS, *models)}


def boom(*args, **kwargs):
    raise DatabaseError("injected: connection lost")


def test_park_ticket_purchase_with_points_rolls_back_whole():
    from loyalty.tests.factories import give_points
    from skypark.parks import services
    from skypark.parks.models import SlotCapacity, Ticket
    from skypark.parks.tests.factories import ParkFactory, tomorrow

    customer = UserFactory()
    child = ChildFactory(parent=customer)
    park = ParkFactory()
    give_points(customer, 200)
    day = tomorrow()
    sold_before = list(SlotCapacity.objects.values_list("park_id", "date", "slot", "sold"))
    before = counts(Ticket)
    with mock.patch.object(services, "_capacity_take", side_effect=boom) as failing:
        with pytest.raises(DatabaseError):
            services.ticket_order_create(
                customer=customer, park=park, visit_date=day, visitors=[{"child_id": child.pk}], points=100
            )
    assert failing.called
    assert counts(Ticket) == before
    assert list(SlotCapacity.objects.values_list("park_id", "date", "slot", "sold")) == sold_before
    # The sale works once the database is back, so the failure was the only reason.
    ticket = services.ticket_order_create(
        customer=customer, park=park, visit_date=day, visitors=[{"child_id": child.pk}], points=100
    )
    assert ticket.order.lines.count() == 1
    assert LedgerEntry.objects.count() > before["LedgerEntry"]


def test_paid_event_registration_rolls_back_whole():
    from events import services
    from events.models import Event, Registration
    from events.tests.factories import EventFactory

    customer = UserFactory()
    event = EventFactory(price=Decimal("500.00"), capacity=3)
    before = counts(Registration)
    with mock.patch.object(services.registering, "audit_log", side_effect=boom) as failing:
        with pytest.raises(DatabaseError):
            services.registration_create(customer=customer, event=event)
    assert failing.called
    assert counts(Registration) == before
    assert Event.objects.get(pk=event.pk).places_taken == 0
    registration = services.registration_create(customer=customer, event=event)
    assert registration.order is not None and registration.order.total == Decimal("500.00")
    assert Event.objects.get(pk=event.pk).places_taken == 1


def test_course_booking_with_a_discount_code_rolls_back_whole():
    from bookings import services
    from bookings.models import Attendee, Booking, CourseSession, DiscountCode
    from bookings.services import booking as booking_services
    from bookings.tests.factories import DiscountCodeFactory, SessionFactory

    customer = UserFactory()
    session = SessionFactory()
    code = DiscountCodeFactory(code="SAVE10", usage_limit=5)
    before = counts(Booking, Attendee)
    with mock.patch.object(booking_services, "audit_log", side_effect=boom) as failing:
        with pytest.raises(DatabaseError):
            services.booking_create(customer=customer, session=session, discount_code="SAVE10")
    assert failing.called
    assert counts(Booking, Attendee) == before
    assert CourseSession.objects.get(pk=session.pk).places_taken == session.places_taken
    assert DiscountCode.objects.get(pk=code.pk).times_used == 0
    booking = services.booking_create(customer=customer, session=session, discount_code="SAVE10")
    assert booking.discount_applied > 0
    assert DiscountCode.objects.get(pk=code.pk).times_used == 1
