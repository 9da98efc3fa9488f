import datetime

import pytest
from django.utils import timezone

from skypark.accounts.tests.factories import ChildFactory, UserFactory
from skypark.commerce.services import payment_complete, payment_start


@pytest.fixture
def pay_order(django_capture_on_commit_callbacks):
    def _pay(order):
        with django_capture_on_commit_callbacks(execute=True):
            payment, _action = payment_start(order=order, provider="sandbox", method="visa")
            payment_complete(payment=payment, external_id=payment.external_id)

    return _pay


@pytest.fixture
def make_customer(db, pay_order, django_capture_on_commit_callbacks):
    """A customer with rows in every domain: a child, a paid (already used) park ticket, a
    free event registration, a completed paid course booking, points, a coupon and a
    message. Nothing of it blocks an erasure."""
    from bookings.models import Booking, BookingStatus, Certificate
    from bookings.services import booking_create
    from bookings.tests.factories import SessionFactory
    from events.services import registration_create
    from events.tests.factories import EventFactory
    from loyalty.tests.factories import CouponFactory, give_points
    from skypark.accounts.tests.factories import MerchantFactory
    from skypark.notify.tests.factories import NotificationFactory
    from skypark.parks.models import Ticket, TicketStatus
    from skypark.parks.services import ticket_order_create
    from skypark.parks.tests.factories import ParkFactory

    def _make(name="Aigerim Toktosunova", child_name="Nurlan", email=None):
        user = UserFactory(name=name, email=email, birth_date=datetime.date(1990, 5, 17), language="en")
        child = ChildFactory(parent=user, name=child_name)
        ticket = ticket_order_create(
            customer=user,
            park=ParkFactory(),
            visit_date=timezone.localdate() + datetime.timedelta(days=1),
            visitors=[{"child_id": child.pk}],
        )
        pay_order(ticket.order)
        Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.USED, notes=f"{child_name} lost a sock")
        with django_capture_on_commit_callbacks(execute=True):
            registration_create(customer=user, event=EventFactory())
        booking = booking_create(
            customer=user,
            session=SessionFactory(),
            attendees=[{"name": name, "email": f"{child_name.lower()}@example.com"}],
            notes=f"{name} needs a ramp",
        )
        pay_order(booking.order)
        Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.COMPLETED)
        attendee = booking.attendees.get()
        Certificate.objects.create(
            attendee=attendee,
            booking=booking,
            course=booking.session.course,
            learner_name=attendee.name,
            learner_email=attendee.email,
            issued_on=timezone.localdate(),
            expires_on=timezone.localdate() + datetime.timedelta(days=3 * 365),
        )
        give_points(user, 120)
        CouponFactory(customer=user, merchant=MerchantFactory())
        NotificationFactory(recipient=user, to_address=user.phone, subject=f"Hi {name}", body=f"Dear {name}")
        user.refresh_from_db()
        return user

    return _make
