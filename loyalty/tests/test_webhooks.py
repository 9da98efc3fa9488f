"""Loyalty's events reach the merchant's endpoints through the core webhooks, signed as
partners already verify them."""

import json
from decimal import Decimal

import pytest

from loyalty import services
from skypark.webhooks.models import WebhookDelivery
from skypark.webhooks.testing import Receiver, expected_mac, macs
from skypark.webhooks.tests.factories import EndpointFactory

from .factories import CouponFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def eager(settings):
    from skypark.celery import app

    eager_before = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager_before


def test_points_awarded_is_emitted_signed_and_delivered(shopper, receiver, eager, django_capture_on_commit_callbacks):
    program = ProgramFactory(mode="network")
    endpoint = EndpointFactory(merchant=program.merchant, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        tx, *_rest = services.pos_transaction_record(
            merchant=program.merchant, customer=shopper, external_id="tx-1", amount=Decimal("1000.00")
        )
    delivery = WebhookDelivery.objects.get(event="points.awarded")
    assert delivery.status == WebhookDelivery.Status.DELIVERED and delivery.attempts == 1
    assert delivery.event_id == f"points.awarded:{tx.pk}"
    headers, body = receiver.requests[0]
    header = headers["X-Skypark-Signature"]
    assert macs(header) == [expected_mac(endpoint.secret, header, body)]
    assert json.loads(body) == {
        "event": "points.awarded",
        "id": f"points.awarded:{tx.pk}",
        "merchant": program.merchant.code,
        "data": {"external_id": "tx-1", "customer_code": shopper.customer_code, "points": 100, "balance": 100},
    }


def test_coupon_redeemed_is_emitted_with_its_payload(merchant, shopper, django_capture_on_commit_callbacks):
    ProgramFactory(merchant=merchant, mode="network")
    EndpointFactory(merchant=merchant, events=["coupon.redeemed"])
    coupon = CouponFactory()
    with django_capture_on_commit_callbacks(execute=False):
        redemption = services.coupon_redeem(
            code=coupon.code, customer=shopper, merchant=merchant, amount=Decimal("200"), reference="R-1"
        )
    delivery = WebhookDelivery.objects.get()
    assert delivery.event_id == f"coupon.redeemed:{redemption.pk}"
    assert delivery.payload["data"] == {
        "coupon": coupon.code,
        "customer_code": shopper.customer_code,
        "discount": "20.00",
        "reference": "R-1",
    }
