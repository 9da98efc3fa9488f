import pytest

from skypark.accounts.tests.factories import ChildFactory
from skypark.commerce.services import payment_complete, payment_start
from skypark.parks import services

from .factories import ParkFactory, tomorrow


@pytest.fixture
def park(db):
    return ParkFactory()


@pytest.fixture
def child(customer):
    return ChildFactory(parent=customer)


@pytest.fixture
def buy(customer, park, child):
    def _buy(*, who=None, park_=None, day=None, visitors=None, **kwargs):
        return services.ticket_order_create(
            customer=who or customer,
            park=park_ or park,
            visit_date=day or tomorrow(),
            visitors=visitors or [{"child_id": child.pk}],
            **kwargs,
        )

    return _buy


@pytest.fixture
def pay(django_capture_on_commit_callbacks):
    def _pay(ticket):
        with django_capture_on_commit_callbacks(execute=True):
            payment, _action = payment_start(order=ticket.order, provider="sandbox", method="visa")
            payment_complete(payment=payment, external_id=payment.external_id)
        ticket.refresh_from_db()
        return ticket

    return _pay


@pytest.fixture
def active_ticket(buy, pay):
    from django.utils import timezone

    return pay(buy(day=timezone.localdate()))


@pytest.fixture(params=["sql", "python"])
def refold_engine(request, monkeypatch):
    """Runs a merge test with the refold in SQL (PostgreSQL only) and with the fold in
    Python: both must store the same state."""
    from django.db import connection

    from skypark.parks.gates import refold

    if request.param == "sql" and connection.vendor != "postgresql":
        pytest.skip("the SQL refold runs on PostgreSQL")
    monkeypatch.setattr(refold, "SQL_ON_POSTGRESQL", request.param == "sql")
    return request.param
