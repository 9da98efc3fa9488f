"""Course-booking webhooks through the core's one sender, to the endpoints of the
merchant named by ``BOOKINGS_WEBHOOK_MERCHANT``."""

import jsonschema
import pytest

from bookings import services
from bookings.webhooks import EVENTS
from skypark.accounts.tests.factories import MerchantFactory, UserFactory
from skypark.webhooks.catalogue import events as catalogue
from skypark.webhooks.models import WebhookDelivery
from skypark.webhooks.tests.factories import EndpointFactory

from .factories import SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(settings):
    merchant = MerchantFactory()
    settings.BOOKINGS_WEBHOOK_MERCHANT = merchant.code
    return EndpointFactory(merchant=merchant)


def _schema(name):
    return next(item.data_schema for item in catalogue() if item.name == name)


def test_the_booking_events_are_in_the_catalogue():
    registered = {item.name: item for item in catalogue()}
    for name in EVENTS:
        jsonschema.validate(registered[name].example, registered[name].data_schema)


def test_confirmed_attendance_and_cancelled_are_sent(endpoint, pay):
    session = SessionFactory()
    booking = pay(services.booking_create(customer=UserFactory(), session=session))
    attendee = booking.attendees.get()
    services.attendance_mark(attendee=attendee, present=True, actor=None, now=session.starts_at)
    second = pay(services.booking_create(customer=UserFactory(), session=session))
    services.booking_cancel(booking=second, actor=second.customer)
    sent = list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk"))
    assert [d.event for d in sent] == [
        "booking.confirmed",
        "booking.attendance_marked",
        "booking.confirmed",
        "booking.cancelled",
    ]
    for delivery in sent:
        jsonschema.validate(delivery.payload["data"], _schema(delivery.event))
    assert sent[0].payload["data"]["reference"] == booking.reference
    assert sent[1].payload["data"]["present"] is True


def test_nothing_is_sent_without_a_receiving_merchant(settings, pay):
    settings.BOOKINGS_WEBHOOK_MERCHANT = ""
    EndpointFactory()
    pay(services.booking_create(customer=UserFactory(), session=SessionFactory()))
    assert not WebhookDelivery.objects.exists()
