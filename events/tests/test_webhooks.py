"""Registration webhooks go to the organiser's endpoints through the core's one sender,
written in the transaction of the change, with payloads that match the catalogue."""

import jsonschema
import pytest
from django.db import transaction

from events import services
from events.webhooks import EVENTS
from skypark.accounts.tests.factories import MerchantFactory, UserFactory
from skypark.webhooks.catalogue import events as catalogue
from skypark.webhooks.models import WebhookDelivery
from skypark.webhooks.tests.factories import EndpointFactory

from .factories import EventFactory

pytestmark = pytest.mark.django_db


def _schema(name):
    return next(item.data_schema for item in catalogue() if item.name == name)


def test_the_registration_events_are_in_the_catalogue():
    names = {item.name for item in catalogue()}
    assert set(EVENTS) <= names
    for item in catalogue():
        if item.name in EVENTS:
            jsonschema.validate(item.example, item.data_schema)


def test_confirm_attend_and_cancel_reach_the_organisers_endpoint():
    organiser = MerchantFactory()
    endpoint = EndpointFactory(merchant=organiser)
    event = EventFactory(organiser=organiser)
    registration = services.registration_create(customer=UserFactory(), event=event)
    services.registration_check_in_manual(registration=registration, staff=None, now=event.starts_at)
    other = services.registration_create(customer=UserFactory(), event=event)
    services.registration_cancel(registration=other, actor=other.customer)
    sent = list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk"))
    assert [d.event for d in sent] == [
        "registration.confirmed",
        "registration.attendance_marked",
        "registration.confirmed",
        "registration.cancelled",
    ]
    for delivery in sent:
        assert delivery.payload["merchant"] == organiser.code
        jsonschema.validate(delivery.payload["data"], _schema(delivery.event))
    assert sent[0].payload["data"]["registration"] == registration.pk
    assert sent[-1].payload["data"]["by_organiser"] is False


def test_an_organiser_cancelling_the_event_says_so():
    organiser = MerchantFactory()
    EndpointFactory(merchant=organiser)
    event = EventFactory(organiser=organiser)
    services.registration_create(customer=UserFactory(), event=event)
    services.event_cancel(event=event, actor=None, reason="rain")
    services.event_registrations_cancel(event_id=event.pk)
    cancelled = WebhookDelivery.objects.get(event="registration.cancelled")
    assert cancelled.payload["data"]["by_organiser"] is True


def test_community_events_and_other_merchants_get_nothing():
    other = MerchantFactory()
    EndpointFactory(merchant=other)
    services.registration_create(customer=UserFactory(), event=EventFactory(organiser=None))
    services.registration_create(customer=UserFactory(), event=EventFactory(organiser=MerchantFactory()))
    assert not WebhookDelivery.objects.exists()


def test_a_rolled_back_registration_sends_nothing():
    organiser = MerchantFactory()
    EndpointFactory(merchant=organiser)
    event = EventFactory(organiser=organiser)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.registration_create(customer=UserFactory(), event=event)
        raise RuntimeError
    assert not WebhookDelivery.objects.exists()
