"""A park visit and a completed course count in the events gamification: parks and
bookings send ``skypark.core.activity``; events receives it."""

import pytest
from django.utils import timezone

from bookings import services as bookings_services
from bookings.tests.factories import SessionFactory
from events.models import Activity, MemberProfile
from skypark.accounts.tests.factories import ChildFactory, UserFactory
from skypark.commerce.services import payment_complete, payment_start
from skypark.parks import services as parks_services
from skypark.parks.tests.factories import ParkFactory

pytestmark = pytest.mark.django_db


def _paid(order, capture):
    with capture(execute=True):
        payment, _action = payment_start(order=order, provider="sandbox", method="visa")
        payment_complete(payment=payment, external_id=payment.external_id)


def test_a_park_admission_counts_as_a_park_visit(django_capture_on_commit_callbacks):
    customer = UserFactory()
    park = ParkFactory()
    child = ChildFactory(parent=customer)
    ticket = parks_services.ticket_order_create(
        customer=customer, park=park, visit_date=timezone.localdate(), visitors=[{"child_id": child.pk}]
    )
    _paid(ticket.order, django_capture_on_commit_callbacks)
    ticket.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert parks_services.ticket_admit(code=ticket.qr_code, park=park).admitted
    activity = Activity.objects.get(customer=customer)
    assert activity.kind == "park_visit" and activity.reference.startswith("park_visit:")
    assert MemberProfile.objects.get(customer=customer).points_total == 5


def test_a_completed_course_counts_for_the_booker_who_attended(django_capture_on_commit_callbacks):
    customer = UserFactory()
    session = SessionFactory()
    booking = bookings_services.booking_create(customer=customer, session=session)
    _paid(booking.order, django_capture_on_commit_callbacks)
    attendee = booking.attendees.get()
    bookings_services.attendance_mark(attendee=attendee, present=True, actor=None, now=session.starts_at)
    with django_capture_on_commit_callbacks(execute=True):
        bookings_services.session_complete(session=session, now=session.ends_at)
        bookings_services.session_complete(session=session, now=session.ends_at)
    activity = Activity.objects.get(customer=customer)
    assert activity.kind == "course_completed" and activity.reference == f"course_completed:{booking.pk}"
    assert MemberProfile.objects.get(customer=customer).points_total == 50
