import pytest
from django.db import connection

from skypark.accounts.models import User
from skypark.accounts.tests.factories import UserFactory
from skypark.core.admin_mixins import LargeTablePaginator

pytestmark = pytest.mark.django_db


class SmallCap(LargeTablePaginator):
    cap = 5


def test_small_results_are_counted_exactly():
    UserFactory.create_batch(3)
    assert SmallCap(User.objects.all(), 2).count == 3
    assert SmallCap(User.objects.filter(name="nobody"), 2).count == 0


def test_large_filtered_results_are_capped():
    UserFactory.create_batch(8)
    paginator = SmallCap(User.objects.filter(is_active=True).order_by("pk"), 2)
    assert paginator.count == 6  # cap + 1: "more than five"
    assert [u.pk for u in paginator.page(1)] == list(User.objects.order_by("pk").values_list("pk", flat=True)[:2])


def test_unfiltered_large_table_uses_the_planner_estimate_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("pg_class estimates are PostgreSQL's")
    UserFactory.create_batch(8)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_user")
    assert SmallCap(User.objects.all(), 2).count == 8


def test_the_count_query_is_bounded():
    from django.test.utils import CaptureQueriesContext

    UserFactory.create_batch(8)
    with CaptureQueriesContext(connection) as ctx:
        assert SmallCap(User.objects.filter(is_active=True), 2).count == 6
    assert "LIMIT 6" in ctx.captured_queries[-1]["sql"]
