import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from events import services
from events.errors import AlreadyRegistered, CancellationClosed, NotCancellable, NotRegistrable, OfferNotAvailable
from events.models import Event, Registration
from skypark.accounts.tests.factories import StaffFactory, UserFactory
from skypark.commerce.models import Order
from skypark.notify.models import Notification

from .factories import EventFactory

pytestmark = pytest.mark.django_db
S = Registration.Status


def register(event, customer=None):
    return services.registration_create(customer=customer or UserFactory(), event=event)


def test_free_event_confirms_at_once_with_a_qr_code(event, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(event, customer)
    assert registration.status == S.CONFIRMED
    assert registration.qr_code.startswith(f"registration.{registration.pk}.")
    event.refresh_from_db()
    assert event.places_taken == 1
    assert Notification.objects.filter(recipient=customer, kind="events.registration_confirmed").exists()


def test_one_registration_per_customer_and_event(event, customer):
    register(event, customer)
    with pytest.raises(AlreadyRegistered):
        register(event, customer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(event=event, customer=customer, status=S.WAITLISTED)


def test_end_must_be_after_start():
    with pytest.raises(IntegrityError), transaction.atomic():
        EventFactory(
            ends_at=timezone.now() + datetime.timedelta(days=1), starts_at=timezone.now() + datetime.timedelta(days=2)
        )


def test_database_refuses_oversold_counter(event):
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(places_taken=event.capacity + 1)


def test_draft_and_started_events_take_no_registrations(customer):
    with pytest.raises(NotRegistrable) as exc:
        register(EventFactory(status=Event.Status.DRAFT), customer)
    assert exc.value.details == {"reason": "not_published"}
    started = EventFactory(starts_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(NotRegistrable):
        register(started, customer)


def test_full_event_puts_people_on_the_waiting_list_in_order():
    event = EventFactory(capacity=2)
    regs = [register(event) for _ in range(5)]
    assert [r.status for r in regs] == [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED, S.WAITLISTED, S.WAITLISTED]
    assert [services.waitlist_position(r) for r in regs[2:]] == [1, 2, 3]


def test_unlimited_event_never_waitlists():
    event = EventFactory(capacity=None)
    assert {register(event).status for _ in range(30)} == {S.CONFIRMED}


def test_cancellation_promotes_the_next_person_on_a_free_event(django_capture_on_commit_callbacks):
    event = EventFactory(capacity=1)
    first, second, third = register(event), register(event), register(event)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=first, actor=first.customer)
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == S.CONFIRMED and second.qr_code
    assert third.status == S.WAITLISTED and services.waitlist_position(third) == 1
    event.refresh_from_db()
    assert event.places_taken == 1
    assert Notification.objects.filter(recipient=second.customer, kind="events.registration_confirmed").exists()


def test_cancel_after_cut_off_is_refused(customer):
    event = EventFactory(starts_at=timezone.now() + datetime.timedelta(hours=5), cancellation_cutoff_hours=24)
    registration = register(event, customer)
    with pytest.raises(CancellationClosed):
        services.registration_cancel(registration=registration, actor=customer)
    event.cancellation_cutoff_hours = 2
    event.save()
    services.registration_cancel(registration=registration, actor=customer)
    registration.refresh_from_db()
    assert registration.status == S.CANCELLED


def test_cut_off_comes_from_the_setting_when_the_event_has_none(customer, settings):
    from skypark.config.services import system_setting_update

    event = EventFactory(starts_at=timezone.now() + datetime.timedelta(hours=30))
    registration = register(event, customer)
    system_setting_update(key="events.cancellation_cutoff_hours", value=48, actor=None)
    from skypark.config.selectors import invalidate

    invalidate()
    with pytest.raises(CancellationClosed):
        services.registration_cancel(registration=registration, actor=customer)


def test_cancelled_registration_can_register_again(event, customer):
    registration = register(event, customer)
    services.registration_cancel(registration=registration, actor=customer)
    again = register(event, customer)
    assert again.pk == registration.pk and again.status == S.CONFIRMED
    services.registration_cancel(registration=again, actor=customer)
    with pytest.raises(NotCancellable):
        services.registration_cancel(registration=again, actor=customer)


# --- paid events ------------------------------------------------------------------------


def test_paid_registration_holds_a_place_until_paid(customer, pay):
    event = EventFactory(price=Decimal("500.00"), capacity=1)
    registration = register(event, customer)
    assert registration.status == S.PENDING_PAYMENT
    assert registration.order.total == Decimal("500.00")
    assert registration.order.lines.get().kind == services.LINE_KIND
    assert register(event).status == S.WAITLISTED
    registration = pay(registration)
    assert registration.status == S.CONFIRMED and registration.qr_code


def test_expired_order_frees_the_place_for_the_waiting_list(django_capture_on_commit_callbacks):
    from skypark.commerce.services import orders_expire

    event = EventFactory(price=Decimal("300.00"), capacity=1)
    first, second = register(event), register(event)
    with django_capture_on_commit_callbacks(execute=True):
        orders_expire(now=timezone.now() + datetime.timedelta(hours=1))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == S.EXPIRED
    assert second.status == S.OFFERED and second.offer_expires_at > timezone.now()
    assert Event.objects.get(pk=event.pk).places_taken == 1


def test_paid_cancellation_refunds_through_the_checkout_and_offers_the_place(pay, django_capture_on_commit_callbacks):
    event = EventFactory(price=Decimal("400.00"), capacity=1)
    first = pay(register(event))
    second = register(event)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=first, actor=first.customer)
    first.refresh_from_db()
    assert first.status == S.CANCELLED
    assert first.order.status == Order.Status.REFUNDED
    assert first.order.refunded_total == Decimal("400.00")
    second.refresh_from_db()
    assert second.status == S.OFFERED
    assert Notification.objects.filter(recipient=second.customer, kind="events.waitlist_offer").exists()


def test_refund_policy_setting_gives_back_part_of_the_price(pay, django_capture_on_commit_callbacks):
    from skypark.config.selectors import invalidate
    from skypark.config.services import system_setting_update

    system_setting_update(
        key="events.refund_policy", value=[{"hours": 240, "percent": 100}, {"hours": 0, "percent": 50}], actor=None
    )
    invalidate()
    event = EventFactory(price=Decimal("400.00"))
    registration = pay(register(event))
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=registration, actor=registration.customer)
    registration.refresh_from_db()
    assert registration.status == S.CANCELLED
    assert registration.order.refunded_total == Decimal("200.00")
    assert registration.order.status == Order.Status.PARTIALLY_REFUNDED
    assert services.registration_refund_quote(registration=registration).amount == Decimal("0.00")


def test_offer_accept_creates_the_order_and_expired_offer_moves_on(pay, django_capture_on_commit_callbacks):
    event = EventFactory(price=Decimal("250.00"), capacity=1)
    first = pay(register(event))
    second, third = register(event), register(event)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=first, actor=first.customer)
    second.refresh_from_db()
    assert second.status == S.OFFERED
    later = second.offer_expires_at + datetime.timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.offers_expire(now=later) == 1
        assert services.offers_expire(now=later) == 0
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == S.EXPIRED
    assert third.status == S.OFFERED
    with pytest.raises(OfferNotAvailable):
        services.registration_offer_accept(registration=second)
    third = services.registration_offer_accept(registration=third)
    assert third.status == S.PENDING_PAYMENT and third.order.total == Decimal("250.00")
    third = pay(third)
    assert third.status == S.CONFIRMED
    assert Event.objects.get(pk=event.pk).places_taken == 1


def test_staff_full_refund_in_commerce_releases_the_place(pay, django_capture_on_commit_callbacks):
    from skypark.commerce.services import order_refund

    event = EventFactory(price=Decimal("100.00"), capacity=1)
    registration = pay(register(event))
    waiting = register(event)
    with django_capture_on_commit_callbacks(execute=True):
        order_refund(order=registration.order, actor=StaffFactory(), reason="goodwill")
    registration.refresh_from_db()
    waiting.refresh_from_db()
    assert registration.status == S.CANCELLED
    assert waiting.status == S.OFFERED


# --- organiser cancels ------------------------------------------------------------------


def test_event_cancellation_refunds_and_notifies_everyone_once(pay, django_capture_on_commit_callbacks):
    event = EventFactory(price=Decimal("300.00"), capacity=2)
    paid = [pay(register(event)) for _ in range(2)]
    waiting = register(event)
    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=event, actor=staff, reason="Storm warning")
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert event.places_taken == 0
    for registration in [*paid, waiting]:
        registration.refresh_from_db()
        assert registration.status == S.CANCELLED and registration.cancelled_by_organiser
    for registration in paid:
        assert registration.order.status == Order.Status.REFUNDED
    notes = Notification.objects.filter(kind="events.event_cancelled", channel="in_app")
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted(r.customer_id for r in [*paid, waiting])
    # The job run again (a retry, or staff pressing twice) sends and refunds nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.event_registrations_cancel(event_id=event.pk) == 0
    assert Notification.objects.filter(kind="events.event_cancelled", channel="in_app").count() == 3
    for registration in paid:
        assert registration.order.refunds.count() == 1


def test_event_cancellation_cancels_unpaid_orders(django_capture_on_commit_callbacks):
    event = EventFactory(price=Decimal("300.00"))
    registration = register(event)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=event, actor=None)
    registration.refresh_from_db()
    assert registration.order.status == Order.Status.CANCELLED


def test_duplicate_event_makes_a_draft_a_week_later(event):
    register(event)
    copy = services.event_duplicate(event=event)
    assert copy.pk != event.pk
    assert copy.status == Event.Status.DRAFT and copy.places_taken == 0
    assert copy.starts_at == event.starts_at + datetime.timedelta(days=7)
    assert copy.ends_at - copy.starts_at == event.ends_at - event.starts_at
    assert not copy.registrations.exists()


def test_raised_capacity_is_given_to_the_waiting_list_by_the_sweep():
    event = EventFactory(capacity=1)
    register(event)
    waiting = [register(event) for _ in range(3)]
    Event.objects.filter(pk=event.pk).update(capacity=3)
    assert services.waitlists_fill() == 2
    assert services.waitlists_fill() == 0
    assert [Registration.objects.get(pk=r.pk).status for r in waiting] == [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED]
