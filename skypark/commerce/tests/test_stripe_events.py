"""Stripe refund, dispute and payment-failure events, signed locally with the webhook
secret (``t=<ts>,v1=HMAC-SHA256(secret, f"{t}.{payload}")``) and posted through real HTTP
in the test client."""

import json
from unittest import mock

import pytest
from django.contrib.auth.models import Permission

from bookings.models import Booking
from bookings.services import booking_create
from bookings.tests.factories import SessionFactory
from skypark.accounts.tests.factories import UserFactory
from skypark.commerce.models import Order, Payment, PaymentNotification, Refund
from skypark.commerce.providers.stripe import StripeProvider
from skypark.commerce.services import payment_complete, payment_start
from skypark.notify.models import Notification

from .factories import pending_order
from .test_stripe import SECRET, post, sign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stripe_on(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.STRIPE_WEBHOOK_SECRET = SECRET


@pytest.fixture
def mocker():
    patches = []

    class Mocker:
        def patch_object(self, *args, **kwargs):
            patcher = mock.patch.object(*args, **kwargs)
            patches.append(patcher)
            return patcher.start()

    yield Mocker()
    for patcher in patches:
        patcher.stop()


@pytest.fixture
def staff():
    user = UserFactory(is_staff=True, email="money@skypark.test")
    user.user_permissions.add(Permission.objects.get(codename="refund_order"))
    return user


def _stripe_paid(order, mocker, intent="pi_777"):
    mocker.patch_object(StripeProvider, "session_create", return_value={"id": f"cs_{order.pk}", "url": "https://x"})
    payment, _action = payment_start(order=order, provider="stripe", method="visa")
    payment_complete(payment=payment, external_id=payment.external_id, metadata={"stripe_payment_intent": intent})
    order.refresh_from_db()
    return order.payments.get()


def _event(event_id, event_type, obj):
    return json.dumps({"id": event_id, "object": "event", "type": event_type, "data": {"object": obj}})


def _send(client, payload, capture):
    with capture(execute=True):
        return post(client, payload, sign(payload))


def charge(intent="pi_777", refunds=()):
    return {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": intent,
        "refunds": {
            "object": "list",
            "data": [{"id": rid, "amount": amount, "status": "succeeded"} for rid, amount in refunds],
        },
    }


def test_a_refund_made_in_stripe_is_recorded_once_and_alerts_staff(
    client, mocker, staff, django_capture_on_commit_callbacks
):
    order = pending_order()  # 1580.00 KGS
    payment = _stripe_paid(order, mocker)
    payload = _event("evt_r1", "charge.refunded", charge(refunds=[("re_1", 50000)]))
    first = _send(client, payload, django_capture_on_commit_callbacks)
    again = _send(client, payload, django_capture_on_commit_callbacks)
    assert first.status_code == 200 and first.json()["outcome"] == "refunded"
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_REFUNDED and str(order.refunded_total) == "500.00"
    refund = Refund.objects.get(payment=payment)
    assert refund.external_id == "re_1" and refund.status == Refund.Status.COMPLETED
    assert PaymentNotification.objects.filter(provider="stripe", notification_id="evt_r1").count() == 1
    alerts = Notification.objects.filter(recipient=staff, kind="commerce.payment_alert")
    assert set(alerts.values_list("channel", flat=True)) == {"email", "in_app"}


def test_a_later_event_listing_a_known_refund_adds_only_the_new_one(client, mocker, django_capture_on_commit_callbacks):
    order = pending_order()
    payment = _stripe_paid(order, mocker)
    _send(
        client,
        _event("evt_a", "charge.refunded", charge(refunds=[("re_1", 50000)])),
        django_capture_on_commit_callbacks,
    )
    second = _send(
        client,
        _event("evt_b", "charge.refunded", charge(refunds=[("re_2", 108000), ("re_1", 50000)])),
        django_capture_on_commit_callbacks,
    )
    assert second.json()["outcome"] == "refunded"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.REFUNDED and order.refunded_total == order.total
    assert payment.status == Payment.Status.REFUNDED
    assert Refund.objects.filter(payment=payment).count() == 2


def test_a_full_refund_in_stripe_cancels_the_course_booking(client, mocker, django_capture_on_commit_callbacks):
    session = SessionFactory()
    booking = booking_create(customer=UserFactory(), session=session)
    with django_capture_on_commit_callbacks(execute=True):
        payment = _stripe_paid(booking.order, mocker, intent="pi_book")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    cents = int(payment.amount * 100)
    response = _send(
        client,
        _event("evt_full", "charge.refunded", charge("pi_book", [("re_9", cents)])),
        django_capture_on_commit_callbacks,
    )
    assert response.json()["outcome"] == "refunded"
    booking.refresh_from_db()
    session.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and booking.refunded_amount == booking.amount
    assert session.places_taken == 0


def dispute(status="needs_response", intent="pi_777", amount=158000):
    return {
        "id": "dp_1",
        "object": "dispute",
        "payment_intent": intent,
        "amount": amount,
        "reason": "fraudulent",
        "status": status,
    }


def test_a_dispute_is_marked_and_alerts_staff_and_a_lost_one_refunds(
    client, mocker, staff, django_capture_on_commit_callbacks
):
    order = pending_order()
    payment = _stripe_paid(order, mocker)
    opened = _send(client, _event("evt_d1", "charge.dispute.created", dispute()), django_capture_on_commit_callbacks)
    assert opened.json()["outcome"] == "disputed"
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.metadata["stripe_dispute"]["reason"] == "fraudulent"
    assert order.metadata["disputed"]["id"] == "dp_1" and order.status == Order.Status.PAID
    lost = _send(client, _event("evt_d2", "charge.dispute.closed", dispute("lost")), django_capture_on_commit_callbacks)
    assert lost.json()["outcome"] == "dispute_lost"
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert Notification.objects.filter(recipient=staff, kind="commerce.payment_alert", channel="email").count() == 2


def test_a_won_dispute_changes_no_money(client, mocker, django_capture_on_commit_callbacks):
    order = pending_order()
    _stripe_paid(order, mocker)
    won = _send(client, _event("evt_w", "charge.dispute.closed", dispute("won")), django_capture_on_commit_callbacks)
    assert won.json()["outcome"] == "dispute_won"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and not order.refunds.exists()


def test_a_failed_payment_attempt_fails_the_open_payment(client, mocker, django_capture_on_commit_callbacks):
    order = pending_order()
    mocker.patch_object(StripeProvider, "session_create", return_value={"id": "cs_f", "url": "https://x"})
    payment, _action = payment_start(order=order, provider="stripe", method="visa")
    intent = {
        "id": "pi_f",
        "object": "payment_intent",
        "metadata": {"payment_id": str(payment.pk)},
        "last_payment_error": {"code": "card_declined", "message": "Your card was declined."},
    }
    response = _send(
        client, _event("evt_f", "payment_intent.payment_failed", intent), django_capture_on_commit_callbacks
    )
    assert response.json()["outcome"] == "failed"
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.FAILED and payment.failure_reason == "Your card was declined."
    assert order.status == Order.Status.PENDING_PAYMENT


def test_a_refund_failure_marks_the_refund_failed(client, mocker, staff, django_capture_on_commit_callbacks):
    order = pending_order()
    payment = _stripe_paid(order, mocker)
    _send(
        client,
        _event("evt_a", "charge.refunded", charge(refunds=[("re_1", 50000)])),
        django_capture_on_commit_callbacks,
    )
    failed = _send(
        client,
        _event(
            "evt_rf",
            "charge.refund.updated",
            {
                "id": "re_1",
                "object": "refund",
                "payment_intent": "pi_777",
                "status": "failed",
                "failure_reason": "expired_or_canceled_card",
            },
        ),
        django_capture_on_commit_callbacks,
    )
    assert failed.json()["outcome"] == "refund_failed"
    assert Refund.objects.get(payment=payment).status == Refund.Status.FAILED


def test_an_event_for_an_unknown_charge_is_acknowledged(client, django_capture_on_commit_callbacks):
    response = _send(
        client,
        _event("evt_u", "charge.refunded", charge("pi_nobody", [("re_x", 100)])),
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 200 and response.json()["outcome"] == "unknown_payment"


def test_a_refund_event_with_a_bad_signature_changes_nothing(client, mocker):
    order = pending_order()
    _stripe_paid(order, mocker)
    payload = _event("evt_bad", "charge.refunded", charge(refunds=[("re_1", 50000)]))
    response = post(client, payload, sign(payload, secret="whsec_other"))
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_signature"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and not PaymentNotification.objects.exists()
