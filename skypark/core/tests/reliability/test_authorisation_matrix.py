"""Authorisation matrix of the REST API.

Every URL pattern under ``/api/v1/`` is found from the resolver and put in exactly one
class: public by design, customer, partner or gate staff (a new endpoint that is in none
fails the test until someone classifies it). Customer A and merchant A then own one of
everything; each customer, partner and staff endpoint is called with every method it
serves, with A's identifiers in the path, as nobody, as customer B (JWT), as merchant B
(API key), and with the other kind of credential. Every answer must be a 401/403/404
JSON error that leaks none of A's identifiers; lists seen by B must not contain A's
rows; and afterwards A's things are exactly as they were.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from skypark.accounts.models import AuthSession
from skypark.accounts.tests.factories import ChildFactory, MerchantFactory, UserFactory, issue_key

pytestmark = pytest.mark.django_db

PUBLIC = {
    "auth-token",
    "auth-token-refresh",
    "auth-register",
    "auth-register-code",
    "config-public",
    "park-list",
    "park-detail",
    "park-availability",
    "park-quote",
    "event-list",
    "event-type-list",
    "event-badge-list",
    "event-leaderboard",
    "event-detail",
    "course-list",
    "course-detail",
    "course-session-list",
    "course-session-quote",
    # Anyone holding a certificate number may check that it is genuine.
    "course-certificate-verify",
}
CUSTOMER = {
    "auth-logout",
    "me",
    "me-sessions",
    "me-session",
    "me-children",
    "me-phone-verification",
    "me-phone-verification-confirm",
    "me-data",
    "me-child",
    "me-notifications",
    "me-notifications-read",
    "order-list",
    "order-detail",
    "order-pay",
    "order-cancel",
    "payment-provider-list",
    "park-ticket-list",
    "park-ticket-detail",
    "park-ticket-cancel",
    "park-ticket-guardians",
    "park-order-create",
    "event-member",
    "event-registration-list",
    "event-registration-detail",
    "event-registration-cancel",
    "event-registration-accept",
    "event-registration-attendee-cancel",
    "event-register",
    "course-booking-create",
    "course-company-booking-create",
    "course-booking-list",
    "course-booking-detail",
    "course-booking-refund-quote",
    "course-booking-cancel",
    "course-booking-attendee-cancel",
    "course-waitlist-join",
    "course-waitlist-list",
    "course-waitlist-accept",
    "course-waitlist-leave",
    "course-certificate-list",
    "course-certificate-pdf",
    "my-loyalty",
    "my-loyalty-history",
    "my-loyalty-coupons",
    "my-loyalty-referral",
}
PARTNER = {
    "partner-me",
    "partner-keys",
    "partner-merchant",
    "partner-transactions",
    "partner-transaction-detail",
    "partner-transaction-refund",
    "partner-transaction-void",
    "partner-transaction-complete",
    "partner-transaction-cancel",
    "partner-import-create",
    "partner-import-detail",
    "partner-customers",
    "partner-test-data",
    "partner-connectors",
    "partner-connector-runs",
    "partner-connector-run",
    "partner-webhooks",
    "partner-webhook",
    "partner-webhook-rotate",
    "partner-webhook-test",
    "partner-webhook-deliveries",
    "partner-offers",
    "partner-offer-quote",
    "partner-offer-projection",
    "partner-offer-submit",
    "partner-offer-accept",
    "partner-statements",
    "partner-statement-detail",
    "partner-statement-lines",
    "partner-statement-pdf",
    "partner-statement-csv",
    "partner-analytics-rfm",
    "partner-analytics-segments",
    "partner-analytics-matrix",
    # Coalition-wide by design: a customer shows their card (customer code) at any
    # partner, and network coupons and points are spent at any partner. Each still
    # needs a merchant key; none of them reads another merchant's own records.
    "partner-customer-lookup",
    "partner-customer-balance",
    "partner-points-redeem",
    "partner-coupon-validate",
    "partner-coupon-redeem",
}
STAFF = {"park-gate-admit", "park-gate-exit", "event-check-in", "park-gate-device-register", "park-gate-device-revoke"}
# Routes for registered gate devices (their own token, scoped to their park; see
# skypark/parks/tests/test_gate_api.py for the refusals).
GATE_DEVICE = {"park-gate-pack", "park-gate-scans"}
# Routes whose path names a shared thing (a catalogue entry, a customer's card code),
# not a record of A's: B may use them for B's own purposes.
SHARED_PATH = {
    "park-order-create",
    "event-register",
    "course-booking-create",
    "course-company-booking-create",
    "course-waitlist-join",
    "partner-customer-balance",
}

METHODS = ("get", "post", "put", "patch", "delete")
DENIED = (401, 403, 404)


def api_routes():
    """(name, path parameter names, methods) of every pattern in the ``api`` namespace."""
    _prefix, resolver = get_resolver().namespace_dict["api"]
    routes = []

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "view_class", None)
                methods = [m for m in METHODS if view is not None and hasattr(view, m) and m in view.http_method_names]
                routes.append((pattern.name, list(pattern.pattern.converters), methods))

    walk(resolver.url_patterns)
    return routes


def test_every_api_route_is_classified_once():
    names = [name for name, _params, _methods in api_routes()]
    assert len(names) == len(set(names))
    classes = [PUBLIC, CUSTOMER, PARTNER, STAFF, GATE_DEVICE]
    assert not set().union(*classes) - set(names), "classified routes that no longer exist"
    for name in names:
        assert sum(name in c for c in classes) == 1, f"classify the new API route {name!r}"


def jwt(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def api_key(merchant):
    _key, plaintext = issue_key(merchant)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return client


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """Everything customer A and merchant A own, plus the catalogue the paths need."""
    from bookings import services as bookings_services
    from bookings.models import Certificate
    from bookings.tests.factories import SessionFactory
    from events import services as events_services
    from events.tests.factories import EventFactory
    from loyalty import services as loyalty_services
    from loyalty.clearing import services as clearing_services
    from loyalty.clearing.models import Statement
    from loyalty.clearing.tests.conftest import coalition_make
    from loyalty.models import ImportBatch
    from loyalty.offers.services import offer_create
    from skypark.parks import services as parks_services
    from skypark.parks.tests.factories import ParkFactory, tomorrow

    customer_a, customer_b = UserFactory(), UserFactory()
    merchant_a, merchant_b = MerchantFactory(), MerchantFactory()
    # A name no generated customer can contain, so a leak check cannot match by chance.
    child = ChildFactory(parent=customer_a, name="Zyxwa Childofa")
    device = AuthSession.objects.create(user=customer_a, kind="api", user_agent="Authz-A-Device/1.0")
    park = ParkFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = parks_services.ticket_order_create(
            customer=customer_a, park=park, visit_date=tomorrow(), visitors=[{"child_id": child.pk}]
        )
        event = EventFactory()
        registration = events_services.registration_create(customer=customer_a, event=event)
        session = SessionFactory()
        booking = bookings_services.booking_create(customer=customer_a, session=session)
        attendee = booking.attendees.first()
        from bookings.models import WaitlistEntry

        entry = WaitlistEntry.objects.create(
            session=session, customer=customer_a, attendees=[{"name": "A", "email": ""}], joined_at=timezone.now()
        )
        certificate = Certificate.objects.create(
            attendee=attendee,
            booking=booking,
            course=session.course,
            learner_name="A",
            issued_on=timezone.localdate(),
            expires_on=timezone.localdate() + datetime.timedelta(days=365 * 3),
        )
        coalition_make()  # the sale is cleared, so a period closes with A's statement
        transaction, _created = loyalty_services.pos_transaction_record(
            merchant=merchant_a, customer=customer_a, external_id="authz-a-1", amount=Decimal("1000")
        )
    clearing_services.periods_close_due(now=timezone.now() + datetime.timedelta(days=7))
    statement = Statement.objects.get(merchant=merchant_a)
    offer = offer_create(
        merchant=merchant_a,
        name="Authz A offer",
        kind="percent",
        value=Decimal("10"),
        valid_from=timezone.now(),
        valid_until=timezone.now() + datetime.timedelta(days=30),
    )
    batch = ImportBatch.objects.create(merchant=merchant_a, rows=[{}], total_rows=1)
    from loyalty.connectors.models import Connector, ConnectorRun
    from skypark.webhooks.tests.factories import DeliveryFactory, EndpointFactory

    connector = Connector.objects.create(merchant=merchant_a, name="Authz A CRM", endpoint="https://crm.a.example/x")
    connector_run = ConnectorRun.objects.create(connector=connector, merchant=merchant_a, status="done")
    endpoint = EndpointFactory(merchant=merchant_a, url="https://hooks-a.example/authz")
    DeliveryFactory(endpoint=endpoint)
    a_key, _plaintext = issue_key(merchant_a)
    kwargs = {
        "me-child": {"pk": child.pk},
        "me-session": {"pk": device.pk},
        "order-detail": {"reference": ticket.order.reference},
        "order-pay": {"reference": ticket.order.reference},
        "order-cancel": {"reference": ticket.order.reference},
        "park-ticket-detail": {"pk": ticket.pk},
        "park-ticket-cancel": {"pk": ticket.pk},
        "park-ticket-guardians": {"pk": ticket.pk},
        "park-order-create": {"slug": park.slug},
        "park-gate-device-revoke": {"pk": 1},
        "event-registration-detail": {"pk": registration.pk},
        "event-registration-cancel": {"pk": registration.pk},
        "event-registration-accept": {"pk": registration.pk},
        "event-registration-attendee-cancel": {
            "pk": registration.pk,
            "attendee_id": registration.attendees.first().pk,
        },
        "event-register": {"pk": event.pk},
        "course-booking-create": {"pk": session.pk},
        "course-company-booking-create": {"pk": session.pk},
        "course-booking-detail": {"reference": booking.reference},
        "course-booking-refund-quote": {"reference": booking.reference},
        "course-booking-cancel": {"reference": booking.reference},
        "course-booking-attendee-cancel": {"reference": booking.reference, "attendee_id": attendee.pk},
        "course-waitlist-join": {"pk": session.pk},
        "course-waitlist-accept": {"pk": entry.pk},
        "course-waitlist-leave": {"pk": entry.pk},
        "course-certificate-pdf": {"number": certificate.number},
        "partner-merchant": {"code": merchant_a.code},
        "partner-transaction-detail": {"external_id": transaction.external_id},
        "partner-transaction-refund": {"external_id": transaction.external_id},
        "partner-transaction-void": {"external_id": transaction.external_id},
        "partner-transaction-complete": {"external_id": transaction.external_id},
        "partner-transaction-cancel": {"external_id": transaction.external_id},
        "partner-offer-projection": {"pk": offer.pk},
        "partner-offer-submit": {"pk": offer.pk},
        "partner-offer-accept": {"pk": offer.pk},
        "partner-statement-detail": {"number": statement.number},
        "partner-statement-lines": {"number": statement.number},
        "partner-statement-pdf": {"number": statement.number},
        "partner-statement-csv": {"number": statement.number},
        "partner-import-detail": {"pk": batch.pk},
        "partner-connector-run": {"pk": connector_run.pk},
        "partner-webhook": {"pk": endpoint.pk},
        "partner-webhook-rotate": {"pk": endpoint.pk},
        "partner-webhook-test": {"pk": endpoint.pk},
        "partner-webhook-deliveries": {"pk": endpoint.pk},
        # The rotating code a till scans from the customer's card.
        "partner-customer-balance": {"customer_code": loyalty_services.card_code_for(customer_a).typed},
    }
    # What must never reach B: A's identifiers as they appear in API bodies.
    secrets = [
        child.name,
        device.user_agent,
        ticket.order.reference,
        booking.reference,
        certificate.number,
        transaction.external_id,
        a_key.prefix,
        merchant_a.business_email,
        customer_a.phone,
        connector.name,
        endpoint.url,
        endpoint.secret[-8:],
        offer.name,
        statement.number,
    ]
    objects = {
        "child": child,
        "device": device,
        "ticket": ticket,
        "order": ticket.order,
        "registration": registration,
        "booking": booking,
        "waitlist entry": entry,
        "transaction": transaction,
        "batch": batch,
        "key": a_key,
        "connector": connector,
        "connector run": connector_run,
        "webhook endpoint": endpoint,
        "offer": offer,
        "statement": statement,
    }
    return {
        "kwargs": kwargs,
        "secrets": secrets,
        "objects": objects,
        "callers": {
            "nobody": APIClient(),
            "customer B": jwt(customer_b),
            "merchant B": api_key(merchant_b),
        },
    }


def snapshot(objects):
    snap = {}
    for label, obj in objects.items():
        fresh = type(obj).objects.filter(pk=obj.pk).values().first()
        fresh.pop("last_used_at", None)
        snap[label] = fresh
    return snap


def call(client, method, url):
    client.raise_request_exception = False
    if method in ("get", "delete"):
        return getattr(client, method)(url)
    return getattr(client, method)(url, {}, format="json")


def assert_no_leak(response, secrets, where):
    body = response.content.decode(errors="replace")
    for secret in secrets:
        assert str(secret) not in body, f"{where} leaked {secret!r}"


def test_nobody_and_the_wrong_customer_or_merchant_get_no_data(world):
    before = snapshot(world["objects"])
    callers = world["callers"]
    checked = 0
    for name, params, methods in api_routes():
        if name in PUBLIC:
            continue
        url = reverse(f"api:{name}", kwargs=world["kwargs"][name] if params else None)
        if name in CUSTOMER:
            refused = {"nobody": DENIED, "merchant B": DENIED}
        elif name in PARTNER:
            refused = {"nobody": DENIED, "customer B": DENIED}
        else:
            refused = {"nobody": DENIED, "customer B": DENIED, "merchant B": DENIED}
        for method in methods:
            for caller, statuses in refused.items():
                response = call(callers[caller], method, url)
                where = f"{method.upper()} {url} as {caller}"
                assert response.status_code in statuses, f"{where}: {response.status_code} {response.content[:300]}"
                assert "error" in response.json(), where
                assert_no_leak(response, world["secrets"], where)
                checked += 1
            owner = "customer B" if name in CUSTOMER else "merchant B" if name in PARTNER else None
            if owner and params and name not in SHARED_PATH:
                response = call(callers[owner], method, url)
                where = f"{method.upper()} {url} as {owner} (A's object)"
                assert response.status_code in DENIED, f"{where}: {response.status_code} {response.content[:300]}"
                assert_no_leak(response, world["secrets"], where)
                checked += 1
            elif owner and method == "get":
                response = call(callers[owner], method, url)
                where = f"GET {url} as {owner} (list)"
                assert response.status_code == 200, f"{where}: {response.status_code} {response.content[:300]}"
                assert_no_leak(response, world["secrets"], where)
                checked += 1
    assert checked > 100
    assert snapshot(world["objects"]) == before


# Routes about the merchant itself (its profile, its keys), the same for both modes.
MERCHANT_WIDE = {"partner-me", "partner-keys", "partner-merchant"}


def test_a_test_key_reaches_none_of_its_merchants_live_rows(world):
    """Merchant A's own test key (``sk_test_``) is refused A's live records by id, lists
    none of them, and changes nothing of A's: test and live data never meet."""
    from skypark.accounts.services import api_key_issue

    _key, plaintext = api_key_issue(merchant=world["objects"]["key"].merchant, name="test", actor=None, mode="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    transaction = world["objects"]["transaction"]
    live = [transaction.external_id, transaction.customer.customer_code, transaction.customer.phone]
    before = snapshot(world["objects"])
    checked = 0
    for name, params, methods in api_routes():
        if name not in PARTNER or name in MERCHANT_WIDE or name in SHARED_PATH:
            continue
        url = reverse(f"api:{name}", kwargs=world["kwargs"][name] if params else None)
        for method in methods:
            if not params and method != "get":
                continue
            response = call(client, method, url)
            where = f"{method.upper()} {url} with A's test key"
            if params:
                assert response.status_code in DENIED, f"{where}: {response.status_code} {response.content[:300]}"
            else:
                assert response.status_code == 200, f"{where}: {response.status_code} {response.content[:300]}"
            assert_no_leak(response, live, where)
            checked += 1
    assert checked >= 6
    # Removing test data leaves every live record of A as it was.
    assert client.delete(reverse("api:partner-test-data")).status_code == 200
    assert snapshot(world["objects"]) == before


def test_public_routes_answer_without_credentials(world):
    client = APIClient()
    for name, params, methods in api_routes():
        if name not in PUBLIC or "get" not in methods or params:
            continue
        response = client.get(reverse(f"api:{name}"))
        assert response.status_code == 200, (name, response.status_code)
