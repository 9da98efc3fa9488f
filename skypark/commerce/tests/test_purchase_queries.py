"""The whole paid purchase — order, payment, the acquirer's confirmation and everything it
sets off (ticket active, points earned, confirmation sent) — in statements, Celery eager,
through the same requests a browser and the acquirer send."""

import datetime
import os
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from loyalty.models import LedgerEntry
from skypark.accounts.tests.factories import UserFactory
from skypark.commerce.models import Order
from skypark.commerce.providers import sandbox
from skypark.core.models import OutboxMessage
from skypark.notify.models import Notification
from skypark.parks.models import Ticket
from skypark.parks.tests.factories import ParkFactory

pytestmark = pytest.mark.django_db

# Every statement of the three requests and of the confirmation's Celery tasks, counted
# inside the test's transaction (so the services' atomic blocks show as savepoints). It
# was 105 before the payment's confirmation became one transaction and 67 before its
# follow-up went through one outbox message and one delivery task; the goal is 20.
PURCHASE_MAX_QUERIES = 55


@pytest.fixture
def eager(settings):
    from skypark.celery import app

    before = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def _purchase(client, park, day):
    body = {"visit_date": day.isoformat(), "visitors": [{"name": "Guest", "age": 5}]}
    created = client.post(f"/api/v1/parks/{park.slug}/orders/", body, format="json")
    assert created.status_code == 201, created.content
    reference = created.json()["order_reference"]
    paying = client.post(f"/api/v1/orders/{reference}/pay/", {"provider": "sandbox", "method": "visa"}, format="json")
    assert paying.status_code == 201, paying.content
    # The acquirer knows its session (on the hosted page's link) and the amount.
    answer = paying.json()
    session = parse_qs(urlsplit(answer["redirect_url"]).query)["session"][0]
    payment = SimpleNamespace(
        pk=answer["payment"]["id"],
        external_id=session,
        amount=answer["payment"]["amount"],
        currency=answer["payment"]["currency"],
    )
    raw, header = sandbox.callback_build(payment, "succeeded")
    confirmed = APIClient().post(
        "/pay/sandbox/callback/", raw, content_type="application/json", HTTP_X_SANDBOX_SIGNATURE=header
    )
    assert confirmed.status_code == 200, confirmed.content
    return reference


def test_a_paid_purchase_end_to_end_stays_within_its_statements(eager, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    cache.clear()  # what earlier tests cached must not change the count
    park = ParkFactory(capacity=100)
    customer = UserFactory(email="buyer@example.kg", language="en")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(customer)}")
    day = timezone.localdate() + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        _purchase(client, park, day)  # the first purchase opens the loyalty account
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        reference = _purchase(client, park, day)
    if os.environ.get("PURCHASE_QUERIES_DUMP"):
        with open(os.environ["PURCHASE_QUERIES_DUMP"], "w") as fh:
            for q in queries.captured_queries:
                fh.write(q["sql"][:300] + "\n")
    order = Order.objects.get(reference=reference)
    assert order.status == Order.Status.PAID
    # What followed the payment went out as one outbox message, carried out.
    [message] = OutboxMessage.objects.filter(kind="commerce.order_paid", payload__refs__order=order.pk)
    assert message.is_processed and [name for name, _args in message.payload["effects"]] == ["notify.confirmation"]
    assert Ticket.objects.get(order__reference=reference).status == Ticket.Status.ACTIVE
    assert LedgerEntry.objects.filter(source="order", reference=reference, kind="earned").count() == 1
    assert (
        Notification.objects.filter(
            kind__startswith="parks.", channel=Notification.Channel.EMAIL, status=Notification.Status.SENT
        ).count()
        == 2
    )
    assert len(queries) <= PURCHASE_MAX_QUERIES, len(queries)
