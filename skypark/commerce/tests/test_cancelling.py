"""The one cancel mechanism: refund ladders, quotes per set of lines, and
``order_lines_cancel`` (idempotent, never more than was paid for the lines)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from skypark.commerce.cancelling import (
    RefundPolicy,
    RefundTier,
    lines_paid,
    order_lines_cancel,
    refund_policy_get,
    refund_quote,
)
from skypark.commerce.errors import IllegalTransition
from skypark.commerce.models import Order, Refund
from skypark.commerce.services import order_create, payment_complete, payment_start

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)
POLICY = RefundPolicy(
    key="test", tiers=(RefundTier(hours=48, percent=Decimal(100)), RefundTier(hours=24, percent=Decimal(50)))
)


def _order(customer, *, pay=True):
    order = order_create(
        customer=customer,
        lines=[
            {"kind": "test.item", "description": "A", "unit_price": Decimal("790.00")},
            {"kind": "test.item", "description": "B", "unit_price": Decimal("590.00")},
        ],
        discount_total=Decimal("138.00"),
    )
    if pay:
        payment, _action = payment_start(order=order, provider="sandbox", method="visa")
        payment_complete(payment=payment, external_id=payment.external_id)
        order.refresh_from_db()
    return order


def test_policy_text_and_steps(db):
    from django.utils import translation

    starts = timezone.now() + 10 * 24 * H
    with translation.override("en"):
        texts = [step.text for step in POLICY.steps(starts)]
    assert texts == [
        "At least 2 days before the start: full refund.",
        "At least 1 day before the start: 50% back.",
        "Later: no refund.",
    ]
    with translation.override("ru"):
        assert POLICY.steps(starts)[1].text == "Не позже чем за 1 день до начала: возврат 50%."
    with translation.override("ky"):
        assert POLICY.steps(starts)[0].text == "Башталышына 2 күн же андан көп калганда: толук кайтарылат."


def test_default_policies_are_in_the_system_settings(db):
    assert refund_policy_get("parks.refund_policy").tiers == POLICY.tiers
    assert [t.hours for t in refund_policy_get("bookings.refund_policy").tiers] == [168, 48]


def test_whole_order_quote_is_what_was_paid_after_the_discount(customer):
    order = _order(customer)
    starts = timezone.now() + 30 * H
    quote = refund_quote(order=order, lines=list(order.lines.all()), policy=POLICY, starts_at=starts)
    assert quote.paid == Decimal("1242.00")
    assert quote.amount == Decimal("621.00")
    assert quote.rule == "partial"


def test_a_subset_of_lines_gets_its_share_and_the_rest_gets_the_remainder(customer):
    order = _order(customer)
    first, second = order.lines.all()
    starts = timezone.now() + 50 * H
    # 790 of 1380 of the 1242 paid: 711.00 exactly.
    assert lines_paid(order=order, lines=[first]) == Decimal("711.00")
    result = order_lines_cancel(order=order, lines=[first], policy=POLICY, starts_at=starts)
    assert result.refunded == Decimal("711.00") and result.outcome == "refunded"
    assert result.order.status == Order.Status.PARTIALLY_REFUNDED
    first.refresh_from_db()
    assert first.cancelled_at is not None and first.refunded_amount == Decimal("711.00")
    # The last open line gets what is left of the order, never more.
    assert lines_paid(order=result.order, lines=[second]) == Decimal("531.00")
    result = order_lines_cancel(order=order, lines=[second], policy=POLICY, starts_at=timezone.now() + 30 * H)
    assert result.refunded == Decimal("265.50") and result.outcome == "partially_refunded"
    assert sum(r.amount for r in Refund.objects.filter(order=order)) == Decimal("976.50")


def test_cancelling_the_same_lines_twice_refunds_once(customer):
    order = _order(customer)
    lines = list(order.lines.all())
    starts = timezone.now() + 72 * H
    first = order_lines_cancel(order=order, lines=lines, policy=POLICY, starts_at=starts)
    again = order_lines_cancel(order=order, lines=lines, policy=POLICY, starts_at=starts)
    assert first.refunded == Decimal("1242.00") and not first.already
    assert again.already and again.refunded == Decimal("0")
    assert Refund.objects.filter(order=order).count() == 1
    assert Order.objects.get(pk=order.pk).status == Order.Status.REFUNDED


def test_staff_amount_is_capped_by_what_was_paid(customer):
    order = _order(customer)
    result = order_lines_cancel(order=order, lines=list(order.lines.all()), amount=Decimal("5000.00"))
    assert result.refunded == Decimal("1242.00")


def test_unpaid_order_is_cancelled_whole_not_in_part(customer):
    order = _order(customer, pay=False)
    first, second = order.lines.all()
    with pytest.raises(IllegalTransition):
        order_lines_cancel(order=order, lines=[first], policy=POLICY, starts_at=timezone.now())
    result = order_lines_cancel(order=order, lines=[first, second], policy=POLICY, starts_at=timezone.now())
    assert result.order.status == Order.Status.CANCELLED
    assert result.refunded == 0 and result.outcome == "cancelled"


def test_a_step_to_the_start_and_an_earlier_closing_shape_the_text(db):
    from django.utils import translation

    policy = RefundPolicy(key="test", tiers=(RefundTier(hours=0, percent=Decimal(50)),))
    starts = timezone.now() + 48 * H
    closes = starts - 24 * H
    steps = policy.steps(starts, closes)
    assert len(steps) == 1 and steps[0].until == closes
    with translation.override("en"):
        assert steps[0].text == "Until cancelling closes: 50% back."
        assert policy.steps(starts)[0].text == "Until the start: 50% back."
    with translation.override("ky"):
        assert policy.steps(starts)[0].text == "Башталганга чейин: 50% кайтарылат."
    with translation.override("ru"):
        assert steps[0].text == "До закрытия отмены: возврат 50%."
