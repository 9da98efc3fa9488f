import datetime

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from bookings import services, tasks
from bookings.models import Booking, Certificate, CourseSession
from skypark.commerce.models import Order
from skypark.notify.models import Notification

from .factories import SessionFactory

pytestmark = pytest.mark.django_db


def test_every_scheduled_task_exists():
    services.schedules_install()
    for periodic in PeriodicTask.objects.filter(name__startswith="bookings:"):
        module, name = periodic.task.rsplit(".", 1)
        assert module == "bookings.tasks" and hasattr(tasks, name)


def test_reminder_task_sends_once(customer, pay):
    customer.email = "learner@example.co.uk"
    customer.save()
    session = SessionFactory()
    CourseSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() + datetime.timedelta(hours=3), ends_at=timezone.now() + datetime.timedelta(hours=9)
    )
    pay(services.booking_create(customer=customer, session=session))
    assert tasks.bookings_send_reminders() == 1
    assert tasks.bookings_send_reminders() == 0
    assert Notification.objects.filter(kind="bookings.reminder", recipient=customer).count() == 1


def test_release_task_frees_places_once(customer, session):
    booking = services.booking_create(customer=customer, session=session)
    Order.objects.filter(pk=booking.order_id).update(status=Order.Status.EXPIRED)
    assert tasks.bookings_release_unpaid() == 1
    assert tasks.bookings_release_unpaid() == 0
    session.refresh_from_db()
    assert session.places_taken == 0


def test_no_show_task_is_idempotent(customer, pay, django_assert_max_num_queries):
    booking = pay(services.booking_create(customer=customer, session=SessionFactory()))
    past = timezone.now() - datetime.timedelta(days=3)
    CourseSession.objects.filter(pk=booking.session_id).update(
        starts_at=past, ends_at=past + datetime.timedelta(hours=6)
    )
    assert tasks.bookings_mark_no_shows() == 1
    with django_assert_max_num_queries(1):
        assert tasks.bookings_mark_no_shows() == 0
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW


def test_certificate_expiry_task_once(customer, pay):
    customer.email = "learner@example.co.uk"
    customer.save()
    session = SessionFactory()
    booking = pay(services.booking_create(customer=customer, session=session))
    attendee = booking.attendees.get()
    services.attendance_mark(attendee=attendee, present=True, actor=None, now=session.starts_at)
    services.session_complete(session=session, now=session.ends_at)
    certificate = services.certificate_issue(attendee=attendee)
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=timezone.localdate() + datetime.timedelta(days=30))
    assert tasks.bookings_certificate_expiry_notices() == 1
    assert tasks.bookings_certificate_expiry_notices() == 0
    assert Notification.objects.filter(kind="bookings.certificate_expiry").count() == 1


def test_company_attendees_get_the_reminder_too(customer, pay):
    customer.email = "office@example.co.uk"
    customer.save()
    session = SessionFactory()
    CourseSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() + datetime.timedelta(hours=3), ends_at=timezone.now() + datetime.timedelta(hours=9)
    )
    people = [
        {"name": "Ann", "email": "ann@example.co.uk"},
        {"name": "Bob", "email": ""},
        {"name": "Office", "email": "OFFICE@example.co.uk"},
    ]
    pay(services.booking_create(customer=customer, session=session, attendees=people))
    assert tasks.bookings_send_reminders() == 1
    assert tasks.bookings_send_reminders() == 0
    sent = Notification.objects.filter(kind="bookings.reminder")
    assert sorted(sent.values_list("to_address", flat=True)) == ["ann@example.co.uk", "office@example.co.uk"]
