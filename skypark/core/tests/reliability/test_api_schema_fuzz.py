"""Property-based run of the whole REST API against its own OpenAPI schema.

Schemathesis loads ``/api/schema/`` from the WSGI app in-process and, for every
operation, sends a bounded number of generated requests (fixed seed, so a failure
reproduces). Customer operations carry a customer's JWT and partner operations a
merchant API key. Every response must be a non-5xx, have a documented content type,
and match the documented body schema for its status code.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from skypark.accounts.tests.factories import ChildFactory, MerchantFactory, UserFactory, issue_key

MAX_EXAMPLES = 15


@pytest.fixture
def api_schema(db):
    from skypark.wsgi import application

    # Django's WSGI handler closes the connection after each request; that would end the
    # test's transaction. Django's own test client disconnects these the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(db, monkeypatch):
    from bookings.tests.factories import SessionFactory
    from events.tests.factories import EventFactory
    from skypark.parks.tests.factories import ParkFactory

    # Hundreds of requests from one client: lift the rates so the views themselves run.
    rates = dict.fromkeys(SimpleRateThrottle.THROTTLE_RATES, "1000000/min")
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    customer = UserFactory()
    ChildFactory(parent=customer)
    ParkFactory()
    EventFactory()
    SessionFactory()
    _key, plaintext = issue_key(MerchantFactory())
    return {
        "customer": {"Authorization": f"Bearer {RefreshToken.for_user(customer).access_token}"},
        "partner": {"Authorization": f"Api-Key {plaintext}"},
    }


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_to_the_schema(case, credentials):
    role = "partner" if "/partner/" in case.operation.path else "customer"
    case.call_and_validate(
        headers=credentials[role],
        checks=[not_a_server_error, content_type_conformance, response_schema_conformance],
    )
