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


NUL = "\x00"
CONTROL = "\x01\x1b\x7f\u200b\u202e"


def _poison(value, junk):
    """Every string inside ``value`` with ``junk`` appended; numbers become strings that
    carry it, as an attacker would send them."""
    if isinstance(value, str):
        return value + junk
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return f"{value}{junk}"
    if isinstance(value, dict):
        return {k: _poison(v, junk) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, junk) for v in value]
    return value


def _carries(value, junk):
    if isinstance(value, str):
        return junk in value
    if isinstance(value, dict):
        return any(_carries(v, junk) for v in value.values())
    if isinstance(value, list):
        return any(_carries(v, junk) for v in value)
    return False


def _flat_query(query, junk):
    """A query string carries text or lists of text; generated nested values would be
    dropped when encoded, so each becomes text carrying ``junk``."""
    flat = {}
    for key, value in query.items():
        if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
            flat[key] = [f"{v}{junk}" for v in value]
        elif isinstance(value, str | int | float):
            flat[key] = f"{value}{junk}"
        else:
            flat[key] = "a" + junk
    return flat


def _inject(case, junk):
    """Put ``junk`` in one part of the request, chosen from the case so every part is
    reached over the run: the path, the query or the body (a body only where the method
    carries one: GET, HEAD and OPTIONS bodies are never read)."""
    parts = ["path_parameters", "query"]
    if case.method.upper() not in ("GET", "HEAD", "OPTIONS"):
        parts.append("body")
    parts = [p for p in parts if getattr(case, p, None)]
    if parts:
        part = parts[len(case.operation.path + case.method + str(case.query)) % len(parts)]
        if part == "query":
            case.query = _flat_query(case.query, junk)
        else:
            setattr(case, part, _poison(getattr(case, part), junk))
        if _carries(getattr(case, part), junk):
            return part
    case.query = {**_flat_query(case.query or {}, ""), "q": "a" + junk}
    return "query"


FUZZ_SETTINGS = settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _headers(case, credentials):
    return credentials["partner" if "/partner/" in case.operation.path else "customer"]


@schema.parametrize()
@FUZZ_SETTINGS
def test_a_nul_byte_anywhere_is_a_400_on_every_operation(case, credentials):
    """The generated requests with a NUL byte in the path, the query or a JSON body: a 400
    ``invalid_characters`` in the documented error shape, whichever operation. A body in
    another media type is refused by its parser or the view: a 4xx in the same shape."""
    part = _inject(case, NUL)
    response = case.call(headers=_headers(case, credentials))
    sent = response.request
    sent_type = sent.headers.get("Content-Type", "")
    body = sent.body or b""
    body = body.encode() if isinstance(body, str) else body
    where = (part, case.method, case.formatted_path, sent_type, response.status_code, response.text[:200])
    assert 400 <= response.status_code < 500, where
    code = response.json()["error"]["code"]
    # Bodies the API parses as text; a multipart part may be a file (any bytes), and a
    # body in a type no parser reads (text/plain) is refused unread.
    parsed = sent_type.split(";")[0] in ("application/json", "application/x-www-form-urlencoded")
    if "%00" in sent.url or (parsed and (b"\x00" in body or b"\\u0000" in body)):
        assert (response.status_code, code) == (400, "invalid_characters"), where


@schema.parametrize()
@FUZZ_SETTINGS
def test_control_and_format_characters_anywhere_are_never_a_server_error(case, credentials):
    """ESC, DEL, a zero-width space and a right-to-left override in the path, the query or
    the body: refused or accepted, but never a 5xx, and the answer matches the schema."""
    _inject(case, CONTROL)
    case.call_and_validate(
        headers=_headers(case, credentials),
        checks=[not_a_server_error, content_type_conformance],
    )
