from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skypark.accounts.tests.factories import UserFactory
from skypark.commerce.models import Order, Payment
from skypark.commerce.services import order_refund, payment_start

from .factories import paid_order, pending_order

pytestmark = pytest.mark.django_db

ORDERS = "/admin/commerce/order/"


def _changelist_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [ORDERS, "/admin/commerce/payment/", "/admin/commerce/refund/"])
def test_changelists_make_constant_queries(admin_client_logged, url):
    def make(count):
        for _ in range(count):
            order = paid_order()
            order_refund(order=order, amount="10", reason="x")

    make(3)
    few = _changelist_queries(admin_client_logged, url)
    make(27)
    many = _changelist_queries(admin_client_logged, url)
    assert many == few


def test_search_by_reference_and_phone(admin_client_logged):
    order = pending_order()
    other = pending_order()
    response = admin_client_logged.get(ORDERS, {"q": order.reference})
    assert order.reference in response.content.decode() and other.reference not in response.content.decode()
    response = admin_client_logged.get(ORDERS, {"q": order.customer.phone})
    assert order.reference in response.content.decode() and other.reference not in response.content.decode()


def test_order_change_page_shows_history_read_only(admin_client_logged):
    order = paid_order()
    order_refund(order=order, amount="100", reason="one child ill")
    response = admin_client_logged.get(f"{ORDERS}{order.pk}/change/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "one child ill" in content and "sbxr_" in content
    assert 'name="status"' not in content
    assert admin_client_logged.get(f"{ORDERS}add/").status_code == 403


def test_payments_and_refunds_are_read_only(admin_client_logged):
    order = paid_order()
    payment = order.payments.get()
    assert admin_client_logged.get("/admin/commerce/payment/add/").status_code == 403
    response = admin_client_logged.post(f"/admin/commerce/payment/{payment.pk}/change/", {"status": "failed"})
    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED


def test_refund_action_asks_for_confirmation(admin_client_logged, staff_user):
    order = paid_order()
    response = admin_client_logged.post(ORDERS, {"action": "refund_orders", "_selected_action": [order.pk]})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Confirm refund" in content and 'value="1580.00"' in content and 'name="reason"' in content
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and not order.refunds.exists()

    response = admin_client_logged.post(
        ORDERS,
        {
            "action": "refund_orders",
            "_selected_action": [order.pk],
            "confirm": "yes",
            "amount": "300.00",
            "reason": "late arrival",
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_REFUNDED and order.refunded_total == Decimal("300.00")
    refund = order.refunds.get()
    assert refund.reason == "late arrival" and refund.created_by == staff_user


def test_refund_action_refuses_too_much(admin_client_logged):
    order = paid_order()
    response = admin_client_logged.post(
        ORDERS,
        {
            "action": "refund_orders",
            "_selected_action": [order.pk],
            "confirm": "yes",
            "amount": "5000.00",
            "reason": "x",
        },
        follow=True,
    )
    assert "can still be refunded" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and not order.refunds.exists()


def test_refund_action_needs_a_reason(admin_client_logged):
    order = paid_order()
    response = admin_client_logged.post(
        ORDERS,
        {
            "action": "refund_orders",
            "_selected_action": [order.pk],
            "confirm": "yes",
            "amount": "10",
        },
    )
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not order.refunds.exists()


def test_refund_action_for_several_orders_runs_as_a_background_job(
    admin_client_logged, django_capture_on_commit_callbacks
):
    from skypark.core.models import StaffJob

    orders = [paid_order(), paid_order(), pending_order()]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged.post(
            ORDERS,
            {
                "action": "refund_orders",
                "_selected_action": [o.pk for o in orders],
                "confirm": "yes",
                "reason": "closed",
            },
            follow=True,
        )
    assert "follow its progress" in response.content.decode()
    statuses = [Order.objects.get(pk=o.pk).status for o in orders]
    assert statuses == [Order.Status.REFUNDED, Order.Status.REFUNDED, Order.Status.PENDING_PAYMENT]
    job = StaffJob.objects.get(kind="commerce.refund_orders")
    assert job.status == StaffJob.Status.SUCCEEDED and (job.done, job.total) == (3, 3)
    assert len(job.result["refunded"]) == 2 and job.result["refused"] == [orders[2].reference]
    assert "only paid orders can be refunded" in job.errors[0]
    page = admin_client_logged.get(reverse("admin:core_staffjob_change", args=[job.pk]))
    assert page.status_code == 200 and b"<progress" in page.content


def test_refund_action_needs_the_permission(client):
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(clerk)
    order = paid_order()
    response = client.get(ORDERS)
    assert response.status_code == 200 and "refund_orders" not in response.content.decode()
    client.post(ORDERS, {"action": "refund_orders", "_selected_action": [order.pk], "confirm": "yes", "reason": "x"})
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_confirm_cash_payment_action(admin_client_logged):
    order = pending_order()
    payment, _ = payment_start(order=order, provider="cash", method="cash")
    card, _ = payment_start(order=pending_order(), provider="sandbox", method="visa")
    response = admin_client_logged.post(
        "/admin/commerce/payment/",
        {
            "action": "confirm_cash",
            "_selected_action": [payment.pk, card.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    order.refresh_from_db()
    card.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert card.status == Payment.Status.PROCESSING
    assert "Only a pending cash payment can be confirmed" in response.content.decode()


def test_confirm_cash_from_the_orders_list(admin_client_logged):
    order = pending_order()
    payment_start(order=order, provider="cash", method="cash")
    admin_client_logged.post(ORDERS, {"action": "confirm_cash_payments", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
