"""Cancelling one person of a group registration: the policy at each boundary, the
line's paid share after its part of the order's discount, never more, the freed place
to the waiting list, and the e-mail."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from events import services
from events.errors import AttendeeNotCancellable
from events.models import Registration
from skypark.accounts.tests.factories import UserFactory
from skypark.commerce.models import Order
from skypark.config.services import system_setting_update

from .factories import EventFactory

pytestmark = pytest.mark.django_db
S = Registration.Status
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def policy(db):
    system_setting_update(
        key="events.refund_policy",
        value=[{"hours": 48, "percent": 100}, {"hours": 24, "percent": 50}],
        actor=None,
    )


@pytest.fixture
def paid_group(pay):
    """A family of 3 at 100 each, paid 240 after a 60 order discount (codes or points)."""

    def make(capacity=3):
        event = EventFactory(capacity=capacity, price=Decimal("100"), cancellation_cutoff_hours=0)
        customer = UserFactory(email="family@example.com")
        registration = services.registration_create(
            customer=customer, event=event, attendees=[{"name": "Aibek"}, {"name": "Aizada"}]
        )
        Order.objects.filter(pk=registration.order_id).update(discount_total=Decimal("60"), total=Decimal("240"))
        registration.order.refresh_from_db()
        return pay(registration)

    return make


def guest(registration, name):
    return registration.attendees.get(name=name)


@pytest.mark.parametrize(
    "before_start,refund",
    [
        (datetime.timedelta(hours=48), Decimal("80.00")),
        (datetime.timedelta(hours=48) - SECOND, Decimal("40.00")),
        (datetime.timedelta(hours=24), Decimal("40.00")),
        (datetime.timedelta(hours=24) - SECOND, Decimal("0.00")),
    ],
)
def test_one_person_is_refunded_their_paid_share_by_the_policy_at_each_boundary(paid_group, before_start, refund):
    registration = paid_group()
    now = registration.event.starts_at - before_start
    registration, refunded = services.registration_attendee_cancel(
        registration=registration, attendee_id=guest(registration, "Aibek").pk, actor=registration.customer, now=now
    )
    assert refunded == refund
    registration.refresh_from_db()
    assert registration.status == S.CONFIRMED and registration.places == 2
    assert registration.order.refunded_total == refund
    line = registration.order.lines.get(metadata__attendee=guest(registration, "Aibek").pk)
    assert line.cancelled_at is not None and line.refunded_amount == refund
    registration.event.refresh_from_db()
    assert registration.event.places_taken == 2


def test_never_more_than_paid_and_the_customer_cannot_be_cancelled_alone(paid_group):
    registration = paid_group()
    now = registration.event.starts_at - datetime.timedelta(days=5)
    total = Decimal(0)
    for name in ("Aibek", "Aizada"):
        _reg, refunded = services.registration_attendee_cancel(
            registration=registration, attendee_id=guest(registration, name).pk, actor=registration.customer, now=now
        )
        total += refunded
    assert total == Decimal("160.00")
    me = registration.attendees.get(is_customer=True)
    with pytest.raises(AttendeeNotCancellable):
        services.registration_attendee_cancel(
            registration=registration, attendee_id=me.pk, actor=registration.customer, now=now
        )
    with pytest.raises(AttendeeNotCancellable):
        services.registration_attendee_cancel(
            registration=registration, attendee_id=guest(registration, "Aibek").pk, actor=registration.customer
        )
    services.registration_cancel(registration=registration, actor=registration.customer, now=now)
    order = Order.objects.get(pk=registration.order_id)
    assert order.refunded_total == Decimal("240.00") == order.total


def test_the_freed_place_goes_to_the_waiting_list_and_the_email_says_what_changed(
    paid_group, django_capture_on_commit_callbacks
):
    registration = paid_group()
    waiting = services.registration_create(customer=UserFactory(), event=registration.event)
    assert waiting.status == S.WAITLISTED
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_attendee_cancel(
            registration=registration, attendee_id=guest(registration, "Aizada").pk, actor=registration.customer
        )
    waiting.refresh_from_db()
    assert waiting.status == S.OFFERED
    sent = [m for m in mail.outbox if "family@example.com" in m.to]
    assert sent and "Aizada" in sent[0].body


def test_an_unpaid_group_is_paid_or_cancelled_whole(customer, event):
    event.price = Decimal("100")
    event.save()
    registration = services.registration_create(customer=customer, event=event, attendees=[{"name": "Bakyt"}])
    assert registration.status == S.PENDING_PAYMENT
    with pytest.raises(AttendeeNotCancellable):
        services.registration_attendee_cancel(
            registration=registration, attendee_id=guest(registration, "Bakyt").pk, actor=customer
        )


def test_api_cancels_one_person(customer_client, customer, event):
    registration = services.registration_create(customer=customer, event=event, attendees=[{"name": "Bakyt"}])
    url = f"/api/v1/events/registrations/{registration.pk}/attendees/{guest(registration, 'Bakyt').pk}/cancel/"
    answer = customer_client.post(url)
    assert answer.status_code == 200, answer.json()
    assert answer.json()["places"] == 1
    assert [a["cancelled"] for a in answer.json()["attendees"]] == [False, True]
    again = customer_client.post(url)
    assert again.status_code == 409 and again.json()["error"]["code"] == "attendee_not_cancellable"
