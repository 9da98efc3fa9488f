"""Cancelling a session: locked and marked cancelled first, refunds as a background
staff job with progress, the booker and every named attendee told; under PostgreSQL a
booking racing the cancellation leaves no live booking."""

from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection

from bookings import services
from bookings.errors import SessionNotBookable
from bookings.models import Booking, CourseSession, WaitlistEntry
from skypark.accounts.tests.factories import StaffFactory, UserFactory
from skypark.core.models import StaffJob
from skypark.core.testing import run_together

from .factories import SessionFactory


def group(session, customer=None):
    return services.booking_create(
        customer=customer or UserFactory(email="booker@example.co.uk"),
        session=session,
        attendees=[{"name": "Ann", "email": "ann@example.co.uk"}, {"name": "Bob", "email": ""}],
    )


@pytest.mark.django_db
def test_staff_cancel_runs_as_a_job_with_progress_and_tells_booker_and_attendees(
    pay, django_capture_on_commit_callbacks
):
    session = SessionFactory(capacity=4)
    paid = pay(group(session))
    unpaid = services.booking_create(customer=UserFactory(), session=session, attendees=[{"name": "Cat"}])
    waiting = services.waitlist_join(
        customer=UserFactory(), session=session, attendees=[{"name": f"P{n}"} for n in range(3)]
    )
    mail.outbox = []
    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.session_cancel_start(session=session, actor=staff, reason="Instructor ill")
    session.refresh_from_db()
    assert session.status == CourseSession.Status.CANCELLED
    job = StaffJob.objects.get(pk=job.pk)
    assert job.status == StaffJob.Status.SUCCEEDED and (job.done, job.total) == (2, 2)
    assert job.result == {"cancelled": 2, "failed": 0}
    paid.refresh_from_db()
    unpaid.refresh_from_db()
    assert paid.status == unpaid.status == Booking.Status.CANCELLED
    assert paid.refunded_amount == paid.amount == Decimal("200.00")
    waiting.refresh_from_db()
    assert waiting.status == WaitlistEntry.Status.CANCELLED
    to = [address for message in mail.outbox for address in message.to]
    assert "booker@example.co.uk" in to and "ann@example.co.uk" in to
    with pytest.raises(SessionNotBookable):
        group(session, UserFactory())
    # Run again (a redelivered job): nothing more happens.
    assert services.session_bookings_cancel(session=session) == {"cancelled": 0, "failed": 0}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_a_booking_racing_the_cancellation_leaves_no_live_booking():
    for _round in range(3):
        session = SessionFactory(capacity=20)
        for _ in range(3):
            group(session, UserFactory())
        buyers = [UserFactory() for _ in range(8)]

        def book(customer, session=session):
            def run():
                try:
                    return services.booking_create(customer=customer, session=session, attendees=[{"name": "X"}])
                except SessionNotBookable:
                    return None

            return run

        results, errors = run_together(
            [lambda session=session: services.session_cancel(session=session)] + [book(c) for c in buyers]
        )
        assert not errors, errors
        live = Booking.objects.filter(session=session, status__in=(Booking.Status.PENDING, Booking.Status.CONFIRMED))
        assert not live.exists()
