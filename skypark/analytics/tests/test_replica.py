"""Reports read from the read replica, never the primary; writes never go there."""

from datetime import timedelta

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from skypark.accounts.models import Merchant
from skypark.accounts.tests.factories import StaffFactory
from skypark.analytics import reports
from skypark.analytics.routers import reports_on_replica

pytestmark = pytest.mark.django_db(databases=["default", "replica"])


@pytest.fixture(autouse=True)
def _replica_on(settings):
    settings.REPORTS_ON_REPLICA = True


def test_the_report_reads_only_the_replica(store, rf):
    Merchant.objects.using("replica").create(name="Replica Cafe", code="replica-cafe")
    request = rf.get("/admin/reports/analytics/")
    request.user = StaffFactory()
    until = timezone.localdate()
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
        reports_on_replica(),
    ):
        context = reports._context(request, until - timedelta(days=29), until, None, None)
        names = [m.name for m in context["merchant_choices"]]
    assert names == ["Replica Cafe"]
    assert replica.captured_queries, "the report did not read the replica"
    assert primary.captured_queries == [], primary.captured_queries


def test_the_page_is_served_from_the_replica(store, client):
    Merchant.objects.using("replica").create(name="Replica Cafe", code="replica-cafe")
    client.force_login(StaffFactory())
    assert "Replica Cafe" in client.get("/admin/reports/analytics/").content.decode()


def test_writes_never_go_to_the_replica():
    Merchant.objects.using("replica").create(name="Copy", code="copy")
    with reports_on_replica():
        merchant = Merchant.objects.get(code="copy")  # read from the replica
        merchant.name = "Changed"
        merchant.save()  # written to the primary
        Merchant.objects.create(name="New", code="new")
    assert Merchant.objects.using("replica").get(code="copy").name == "Copy"
    assert Merchant.objects.using("default").get(code="copy").name == "Changed"
    assert not Merchant.objects.using("replica").filter(code="new").exists()
