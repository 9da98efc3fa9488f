"""The statements of one gate scan and one purchase through the real API, pinned so they
cannot grow back unnoticed. Transactional tests, so that the services' ``atomic`` blocks
are the outermost ones, as in production: a savepoint would show up here. ``BEGIN`` and
``COMMIT`` are listed as Django logs them; the benchmarks' query count leaves them out."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from skypark.accounts.tests.factories import UserFactory

from .factories import ParkFactory, tomorrow

pytestmark = pytest.mark.django_db(transaction=True)

TABLE = re.compile(r'^(SELECT|INSERT|UPDATE|DELETE)\b(?:.*?\b(?:FROM|INTO))?\s+"(\w+)"', re.S)


def _statements(queries) -> list[str]:
    """``"VERB table"`` per statement (the first table named), e.g. ``"UPDATE parks_park"``."""
    shapes = []
    for query in queries:
        sql = query["sql"]
        match = TABLE.match(sql)
        shapes.append(f"{match[1]} {match[2]}" if match else sql.split()[0])
    return shapes


def _jwt_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def _paid_ticket_for_today(park, pay):
    from skypark.parks import services

    ticket = services.ticket_order_create(
        customer=UserFactory(), park=park, visit_date=timezone.localdate(), visitors=[{"name": "Kid", "age": 5}]
    )
    return pay(ticket)


def test_one_gate_scan_is_eight_statements_in_one_transaction(pay):
    park = ParkFactory()
    device = UserFactory(is_staff=True)
    device.user_permissions.add(Permission.objects.get(content_type__app_label="parks", codename="change_ticket"))
    client = _jwt_client(device)
    first, second = _paid_ticket_for_today(park, pay), _paid_ticket_for_today(park, pay)
    # The first scan also reads the device's permissions (then cached) and content types.
    warm = client.post("/api/v1/parks/gate/admit/", {"park": park.slug, "code": first.qr_code, "gate": "g1"})
    assert warm.json()["admitted"] is True

    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/parks/gate/admit/", {"park": park.slug, "code": second.qr_code, "gate": "g1"})
    assert response.json()["admitted"] is True
    statements = _statements(queries)
    own = statements[: statements.index("COMMIT") + 1]
    # After the commit comes only the visit's reward (points, streak, badges): the events
    # app's task, run by a worker (or in place where Celery runs tasks eagerly).
    after = statements[len(own) :]
    assert not any(" parks_" in s for s in after), after
    # The JWT's user and session state come from the cache (auth_sessions.token_user).
    assert own == [
        "BEGIN",
        "SELECT parks_ticket",  # locked, with its park's slug
        "UPDATE parks_ticket",
        "INSERT parks_gatescan",  # the scan, for merging with offline gates' scans
        "INSERT parks_parkvisit",
        "INSERT eventlog_aggregatestream",  # the ticket's next event version
        "INSERT eventlog_domainevent",
        "INSERT audit_auditentry",
        "UPDATE parks_park",  # occupancy, last
        "COMMIT",
    ]
    if connection.vendor == "postgresql":
        assert queries[1]["sql"].endswith('FOR UPDATE OF "parks_ticket"')


def test_one_purchase_is_at_most_eleven_statements_in_one_transaction():
    park = ParkFactory()
    client = _jwt_client(UserFactory())
    payload = {"visit_date": str(tomorrow()), "visitors": [{"name": "Dana", "age": 4}]}
    # The first sale of the day creates the capacity row and caches the park's schedule.
    assert client.post(f"/api/v1/parks/{park.slug}/orders/", payload).status_code == 201

    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/v1/parks/{park.slug}/orders/", payload)
    assert response.status_code == 201, response.json()
    statements = _statements(queries)
    # The loyalty port's tier lookup is the loyalty app's business: at most two reads.
    loyalty = [s for s in statements if s.startswith("SELECT loyalty_")]
    assert len(loyalty) <= 2
    # The JWT's user comes from the cache (auth_sessions.token_user).
    assert [s for s in statements if s not in loyalty] == [
        "SELECT parks_park",  # the row alone: hours and slots come from the cache
        "BEGIN",
        "INSERT commerce_order",
        "INSERT parks_ticket",  # after its order, so no UPDATE follows
        "INSERT eventlog_aggregatestream",
        "INSERT eventlog_domainevent",  # ticket.created
        "INSERT commerce_orderline",
        "INSERT audit_auditentry",
        "INSERT audit_auditentry",
        "UPDATE parks_slotcapacity",  # places taken, last
        "COMMIT",
    ]
