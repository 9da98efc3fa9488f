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


def test_revenue_figure_is_written_in_the_money_format(admin_client_logged):
    from skypark.core.formatting import format_money

    paid_order(count=2, price="790.00")
    body = admin_client_logged.get(reverse("admin:index")).content.decode()
    assert f'<dd title="">{format_money(Decimal("1580.00"), "KGS")}</dd>' in body
    assert ">1580.00<" not in body and ">1580,00<" not in body
