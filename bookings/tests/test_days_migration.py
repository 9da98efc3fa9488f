"""Migration 0010 turns every session into a session of one day, with the attendance
already marked copied onto that day, and sets each venue's zone from its country."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps

from bookings import services
from bookings.models import Attendee, AttendeeDay, SessionDay, Venue
from skypark.accounts.tests.factories import UserFactory

from .factories import SessionFactory, VenueFactory

pytestmark = pytest.mark.django_db


def test_each_session_becomes_one_day_with_its_attendance():
    migration = importlib.import_module("bookings.migrations.0010_sessions_to_days")
    session = SessionFactory(venue=VenueFactory(country="KG", postcode="720001", time_zone="Europe/London"))
    cancelled = SessionFactory(status="cancelled")
    booking = services.booking_create(customer=UserFactory(), session=session, attendees=[{"name": "A"}, {"name": "B"}])
    first, second = booking.attendees.order_by("pk")
    Attendee.objects.filter(pk=first.pk).update(attendance="present")
    SessionDay.objects.all().delete()

    migration.forwards(apps, SimpleNamespace(connection=SimpleNamespace(vendor="sqlite")))

    day = SessionDay.objects.get(session=session)
    assert (day.starts_at, day.ends_at, day.venue_id, day.is_live) == (
        session.starts_at,
        session.ends_at,
        session.venue_id,
        True,
    )
    assert SessionDay.objects.get(session=cancelled).is_live is False
    assert list(AttendeeDay.objects.values_list("attendee_id", "day_id", "attendance")) == [
        (first.pk, day.pk, "present")
    ]
    assert Venue.objects.get(pk=session.venue_id).time_zone == "Asia/Bishkek"
    migration.backwards(apps, SimpleNamespace(connection=SimpleNamespace(vendor="sqlite")))
    assert not SessionDay.objects.exists()
