from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from skypark.commerce.dashboard import revenue_by_day
from skypark.commerce.services import order_refund
from skypark.commerce.tests.factories import paid_order, pending_order

pytestmark = pytest.mark.django_db


def test_revenue_is_net_of_refunds_and_counts_only_paid_orders():
    refunded = paid_order(count=2, price="790.00")
    paid_order(count=1, price="590.00")
    pending_order(count=3)
    order_refund(order=refunded, amount=Decimal("790.00"), reason="one child ill")
    rows = revenue_by_day()
    assert rows == [(timezone.localdate(), "KGS", Decimal("1380.00"), 2)]


def test_admin_index_shows_revenue_panel_with_a_constant_query_count(
    admin_client_logged, django_assert_max_num_queries
):
    paid_order()
    pending_order()
    with django_assert_max_num_queries(20):
        response = admin_client_logged.get(reverse("admin:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Net revenue per day, KGS" in body
    assert "Awaiting payment" in body
