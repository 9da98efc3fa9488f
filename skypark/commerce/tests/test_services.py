import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from skypark.audit.models import AuditEntry
from skypark.commerce import signals
from skypark.commerce.errors import (
    IllegalTransition,
    InvalidAmount,
    InvalidReturnUrl,
    MethodNotSupported,
    OrderNotPayable,
    ProviderUnavailable,
    RefundTooLarge,
)
from skypark.commerce.models import Order, Payment, Refund
from skypark.commerce.services import (
    order_cancel,
    order_create,
    order_refund,
    orders_expire,
    payment_complete,
    payment_confirm_cash,
    payment_fail,
    payment_start,
    schedules_install,
)
from skypark.commerce.tasks import orders_expire_unpaid

from .factories import paid_order, pending_order, ticket_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    """Records every commerce signal sent, as (name, kwargs)."""
    log = []
    handlers = {}
    for name in ("order_paid", "order_refunded", "order_expired", "order_cancelled"):

        def handler(sender, name=name, **kwargs):
            log.append((name, kwargs))

        handlers[name] = handler
        getattr(signals, name).connect(handler, weak=False)
    yield log
    for name, handler in handlers.items():
        getattr(signals, name).disconnect(handler)


# --- creating orders --------------------------------------------------------------------


def test_order_create_computes_totals_and_expiry(customer):
    before = timezone.now()
    order = order_create(
        customer=customer,
        currency="KGS",
        lines=[
            {"kind": "ticket", "description": "Under 3", "quantity": 1, "unit_price": Decimal("590")},
            {"kind": "ticket", "description": "3+", "quantity": 2, "unit_price": "790.00", "discount": "100"},
        ],
        discount_total=Decimal("80.50"),
    )
    assert order.status == Order.Status.PENDING_PAYMENT
    assert order.reference.startswith("SP-") and len(order.reference) == 11
    assert order.subtotal == Decimal("2070.00")
    assert order.total == Decimal("1989.50")
    assert [line.total for line in order.lines.order_by("pk")] == [Decimal("590.00"), Decimal("1480.00")]
    # checkout.payment_timeout_minutes defaults to 20
    assert before + datetime.timedelta(minutes=19) < order.expires_at <= timezone.now() + datetime.timedelta(minutes=20)
    assert AuditEntry.objects.filter(action="commerce.order.created", object_id=str(order.pk)).exists()


def test_order_create_reads_timeout_from_config(customer):
    from skypark.config.models import SystemSetting

    SystemSetting.objects.update_or_create(
        key="checkout.payment_timeout_minutes", defaults={"value": 5, "data_type": "number", "category": "checkout"}
    )
    order = pending_order(customer)
    assert order.expires_at <= timezone.now() + datetime.timedelta(minutes=5)


def test_order_create_points_lines_at_what_was_sold(customer):
    order = order_create(customer=customer, lines=[{**ticket_lines()[0], "item": customer}])
    line = order.lines.get()
    assert line.item == customer and line.kind == "ticket"


def test_order_create_saves_the_item_between_the_order_and_its_lines(customer):
    from skypark.accounts.models import Child

    child = Child(parent=customer, name="Aida", birth_date=datetime.date(2020, 1, 1))
    seen = []

    def child_save(order):
        seen.append(Order.objects.filter(pk=order.pk).exists())
        child.save()

    order = order_create(customer=customer, lines=[{**ticket_lines()[0], "item": child}], before_lines=child_save)
    assert seen == [True]
    assert order.lines.get().item == child


def test_order_create_adds_no_savepoint_inside_the_callers_transaction(customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:  # inside the test's transaction
        order_create(customer=customer, lines=ticket_lines())
    assert not [q["sql"] for q in queries if "SAVEPOINT" in q["sql"]]


def test_free_order_is_paid_at_once(customer, django_capture_on_commit_callbacks, received):
    with django_capture_on_commit_callbacks(execute=True):
        order = pending_order(customer, price="0")
    assert order.status == Order.Status.PAID and order.paid_at
    assert [name for name, _ in received] == ["order_paid"]


@pytest.mark.parametrize(
    "lines,discount",
    [
        ([], 0),
        ([{"kind": "t", "description": "x", "unit_price": "-1"}], 0),
        ([{"kind": "t", "description": "x", "unit_price": "10", "quantity": 0}], 0),
        ([{"kind": "t", "description": "x", "unit_price": "10", "discount": "11"}], 0),
        ([{"kind": "t", "description": "x", "unit_price": "10.001"}], 0),
        ([{"kind": "t", "description": "x", "unit_price": "10"}], "10.01"),
        ([{"kind": "t", "description": "x", "unit_price": "1e30"}], 0),
        ([{"kind": "t", "description": "x", "unit_price": "10000000000"}], 0),
        ([{"kind": "t", "description": "x", "unit_price": "1000000000", "quantity": 1000}], 0),
        ([{"kind": "t", "description": "x", "unit_price": "9000000000"}] * 2, 0),
    ],
)
def test_order_create_refuses_bad_money(customer, lines, discount):
    with pytest.raises(InvalidAmount):
        order_create(customer=customer, lines=lines, discount_total=discount)
    assert not Order.objects.exists()


def test_money_is_never_float(customer):
    with pytest.raises(TypeError):
        order_create(customer=customer, lines=[{"kind": "t", "description": "x", "unit_price": 9.99}])


# --- the state machine ------------------------------------------------------------------


def _expired(order):
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    orders_expire()
    order.refresh_from_db()
    return order


def _refunded(order):
    order_refund(order=order, reason="test")
    order.refresh_from_db()
    return order


@pytest.mark.parametrize(
    "make,attempt",
    [
        (paid_order, lambda o: order_cancel(order=o)),
        (lambda: _refunded(paid_order()), lambda o: order_cancel(order=o)),
        (lambda: _expired(pending_order()), lambda o: order_cancel(order=o)),
        (lambda: order_cancel(order=pending_order()), lambda o: order_cancel(order=o)),
        (pending_order, lambda o: order_refund(order=o, reason="x")),
        (lambda: _expired(pending_order()), lambda o: order_refund(order=o, reason="x")),
        (lambda: order_cancel(order=pending_order()), lambda o: order_refund(order=o, reason="x")),
        (lambda: _refunded(paid_order()), lambda o: order_refund(order=o, amount="1", reason="x")),
    ],
    ids=[
        "cancel-paid",
        "cancel-refunded",
        "cancel-expired",
        "cancel-cancelled",
        "refund-pending",
        "refund-expired",
        "refund-cancelled",
        "refund-refunded",
    ],
)
def test_illegal_order_transitions_are_refused(make, attempt):
    order = make()
    status = Order.objects.get(pk=order.pk).status
    with pytest.raises(IllegalTransition) as info:
        attempt(order)
    assert info.value.code == "illegal_transition"
    assert info.value.status_code == 409
    assert order.reference in info.value.message
    assert Order.objects.get(pk=order.pk).status == status


def test_every_transition_outside_the_tables_is_refused():
    """The tables themselves: each pair not listed is refused by the helper the services use."""
    from skypark.commerce.services import _transition

    for model in (Order, Payment):
        for source in model.Status.values:
            for target in model.Status.values:
                obj = model(status=source)
                if target in model.TRANSITIONS[source]:
                    _transition(obj, target, what="x")
                    assert obj.status == target
                else:
                    with pytest.raises(IllegalTransition) as info:
                        _transition(obj, target, what="x")
                    assert info.value.code == "illegal_transition"
                    assert info.value.details == {"from": source, "to": target}


def test_failing_a_completed_payment_is_illegal():
    order = paid_order()
    payment = order.payments.get()
    with pytest.raises(IllegalTransition):
        payment_fail(payment=payment, reason="late decline")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED


def test_completing_a_failed_payment_is_illegal():
    order = pending_order()
    payment, _ = payment_start(order=order, provider="sandbox", method="visa")
    payment_fail(payment=payment, reason="declined")
    with pytest.raises(IllegalTransition):
        payment_complete(payment=payment)
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


# --- payments ---------------------------------------------------------------------------


def test_payment_start_sandbox_returns_a_redirect(customer):
    order = pending_order(customer)
    payment, action = payment_start(order=order, provider="sandbox", method="visa")
    assert payment.status == Payment.Status.PROCESSING
    assert payment.amount == order.total and payment.currency == "KGS"
    assert action.redirect_url.startswith("/pay/sandbox/")
    assert payment.external_id.startswith("sbx_")


def test_payment_start_cash_stays_pending_with_instructions(customer):
    order = pending_order(customer)
    payment, action = payment_start(order=order, provider="cash", method="cash")
    assert payment.status == Payment.Status.PENDING
    assert order.reference in action.instructions
    assert action.redirect_url == f"/pay/{order.reference}/result/"


@pytest.mark.parametrize(
    "provider,method,error",
    [
        ("stripe", "visa", ProviderUnavailable),
        ("nope", "visa", ProviderUnavailable),
        ("cash", "visa", MethodNotSupported),
    ],
)
def test_payment_start_refuses_unknown_providers_and_methods(provider, method, error):
    order = pending_order()
    with pytest.raises(error):
        payment_start(order=order, provider=provider, method=method)
    assert not Payment.objects.exists()


def test_payment_start_refuses_foreign_return_url():
    with pytest.raises(InvalidReturnUrl):
        payment_start(order=pending_order(), provider="sandbox", method="visa", return_url="https://evil.example/")


def test_payment_start_refuses_orders_past_their_deadline():
    order = pending_order()
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(OrderNotPayable):
        payment_start(order=order, provider="sandbox", method="visa")


def test_a_new_attempt_cancels_the_open_one():
    order = pending_order()
    first, _ = payment_start(order=order, provider="sandbox", method="visa")
    second, _ = payment_start(order=order, provider="cash", method="cash")
    first.refresh_from_db()
    assert first.status == Payment.Status.CANCELLED
    assert second.status == Payment.Status.PENDING


def test_payment_complete_is_idempotent(django_capture_on_commit_callbacks, received):
    order = pending_order()
    payment, _ = payment_start(order=order, provider="sandbox", method="visa")
    with django_capture_on_commit_callbacks(execute=True):
        payment_complete(payment=payment, external_id=payment.external_id)
    entries = AuditEntry.objects.count()
    order.refresh_from_db()
    paid_at = order.paid_at
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = payment_complete(payment=payment, external_id=payment.external_id)
    assert callbacks == []
    assert again.status == Payment.Status.COMPLETED
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.paid_at == paid_at
    assert AuditEntry.objects.count() == entries
    assert [name for name, _ in received] == ["order_paid"]
    assert received[0][1]["order"].pk == order.pk


def test_a_rolled_back_payment_takes_its_receivers_work_with_it(django_capture_on_commit_callbacks, received):
    """``order_paid`` is sent inside the payment's transaction: what its receivers wrote
    rolls back with the payment, and nothing is sent after the (absent) commit."""
    from django.db import transaction

    from loyalty.models import LedgerEntry

    order = pending_order()
    payment, _ = payment_start(order=order, provider="sandbox", method="visa")
    with django_capture_on_commit_callbacks(execute=True) as after_commit:
        try:
            with transaction.atomic():
                payment_complete(payment=payment)
                assert LedgerEntry.objects.filter(reference=order.reference).exists()
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert [name for name, _ in received] == ["order_paid"]
    assert after_commit == []
    assert not LedgerEntry.objects.filter(reference=order.reference).exists()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_late_payment_for_an_expired_order_is_refunded(received, django_capture_on_commit_callbacks):
    order = pending_order()
    payment, _ = payment_start(order=order, provider="sandbox", method="visa")
    _expired(order)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    with django_capture_on_commit_callbacks(execute=True):
        payment_complete(payment=payment, external_id=payment.external_id)
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.metadata["late"] is True
    assert order.status == Order.Status.EXPIRED and order.refunded_total == 0
    assert Refund.objects.get(payment=payment).amount == payment.amount
    assert "order_paid" not in [name for name, _ in received]


def test_payment_fail_keeps_the_order_payable():
    order = pending_order()
    payment, _ = payment_start(order=order, provider="sandbox", method="visa")
    payment_fail(payment=payment, reason="declined")
    payment_fail(payment=payment, reason="declined")
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.FAILED and payment.failure_reason == "declined"
    assert order.status == Order.Status.PENDING_PAYMENT
    assert AuditEntry.objects.filter(action="commerce.payment.failed").count() == 1


def test_cash_confirmation(staff_user, django_capture_on_commit_callbacks, received):
    order = pending_order()
    payment, _ = payment_start(order=order, provider="cash", method="cash")
    with django_capture_on_commit_callbacks(execute=True):
        payment_confirm_cash(payment=payment, actor=staff_user)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert [name for name, _ in received] == ["order_paid"]
    entry = AuditEntry.objects.get(action="commerce.order.paid")
    assert entry.actor_id == staff_user.pk
    with pytest.raises(IllegalTransition):
        payment_confirm_cash(payment=payment, actor=staff_user)


def test_cash_confirmation_refused_for_card_payments(staff_user):
    payment, _ = payment_start(order=pending_order(), provider="sandbox", method="visa")
    with pytest.raises(IllegalTransition):
        payment_confirm_cash(payment=payment, actor=staff_user)


# --- cancel and expire --------------------------------------------------------------------


def test_order_cancel(django_capture_on_commit_callbacks, received):
    order = pending_order()
    payment, _ = payment_start(order=order, provider="cash", method="cash")
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, reason="changed my mind")
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and order.cancelled_at
    assert payment.status == Payment.Status.CANCELLED
    assert [name for name, _ in received] == ["order_cancelled"]


def test_orders_expire_is_idempotent(django_capture_on_commit_callbacks, received):
    past = [pending_order() for _ in range(5)]
    future = pending_order()
    paid = paid_order()
    received.clear()  # its order_paid, sent inside the payment's transaction
    Order.objects.filter(pk__in=[o.pk for o in past] + [paid.pk]).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_expire(batch_size=2) == 5
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_expire(batch_size=2) == 0
    assert set(Order.objects.filter(status=Order.Status.EXPIRED).values_list("pk", flat=True)) == {o.pk for o in past}
    assert Order.objects.get(pk=future.pk).status == Order.Status.PENDING_PAYMENT
    assert Order.objects.get(pk=paid.pk).status == Order.Status.PAID
    assert [name for name, _ in received] == ["order_expired"] * 5
    assert AuditEntry.objects.filter(action="commerce.order.expired").count() == 5


def test_expiry_task_only_calls_the_sweep():
    with mock.patch("skypark.commerce.tasks.orders_expire", return_value=3) as sweep:
        assert orders_expire_unpaid.delay().get() == 3
    sweep.assert_called_once_with()


def test_schedules_install_is_idempotent():
    from django_celery_beat.models import PeriodicTask

    first = schedules_install()
    second = schedules_install()
    assert first.pk == second.pk
    task = PeriodicTask.objects.get(task="skypark.commerce.tasks.orders_expire_unpaid")
    assert task.enabled and task.interval.every == 1 and task.interval.period == "minutes"


# --- refunds ----------------------------------------------------------------------------


def test_partial_then_full_refund(staff_user, django_capture_on_commit_callbacks, received):
    order = paid_order()
    received.clear()  # its order_paid, sent inside the payment's transaction
    with django_capture_on_commit_callbacks(execute=True):
        [refund] = order_refund(order=order, amount=Decimal("500.00"), reason="one child ill", actor=staff_user)
    order.refresh_from_db()
    assert refund.status == Refund.Status.COMPLETED and refund.external_id.startswith("sbxr_")
    assert refund.created_by == staff_user
    assert order.status == Order.Status.PARTIALLY_REFUNDED and order.refunded_total == Decimal("500.00")
    assert order.payments.get().status == Payment.Status.COMPLETED
    with django_capture_on_commit_callbacks(execute=True):
        order_refund(order=order, reason="rest", actor=staff_user)
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED and order.refunded_total == order.total
    assert order.payments.get().status == Payment.Status.REFUNDED
    assert [(name, kw["amount"]) for name, kw in received] == [
        ("order_refunded", Decimal("500.00")),
        ("order_refunded", Decimal("1080.00")),
    ]


def test_over_refund_is_refused():
    order = paid_order()
    order_refund(order=order, amount="1000", reason="x")
    with pytest.raises(RefundTooLarge) as info:
        order_refund(order=order, amount="580.01", reason="x")
    assert info.value.code == "refund_exceeds_refundable"
    assert info.value.details["refundable"] == "580.00"
    order.refresh_from_db()
    assert order.refunded_total == Decimal("1000.00") and order.refunds.count() == 1


@pytest.mark.parametrize("amount", ["0", "-5", "abc"])
def test_refund_refuses_non_positive_amounts(amount):
    with pytest.raises(InvalidAmount):
        order_refund(order=paid_order(), amount=amount, reason="x")


def test_refund_provider_error_writes_nothing():
    from skypark.commerce.errors import ProviderError

    order = paid_order()
    with mock.patch("skypark.commerce.providers.sandbox.SandboxProvider.refund", side_effect=ProviderError()):
        with pytest.raises(ProviderError):
            order_refund(order=order, reason="x")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and not Refund.objects.exists()
