"""The rotating card code: what verifies when, the QR payload, the partner API's rules for
static codes, the scan log every card presented writes, and the manual-entry fraud rule."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from loyalty import card_codes, services
from loyalty.models import Card, FraudFlag, ScanLog
from skypark.accounts.tests.factories import MerchantFactory, UserFactory, issue_key
from skypark.commerce import qr
from skypark.config import selectors as config
from skypark.config.models import SystemSetting

from .factories import CouponFactory, card_code, give_points

pytestmark = pytest.mark.django_db

STEP = 60
GRACE = 5
# The start of a time step, so "n steps later" is exact.
T0 = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)


def at(steps, seconds=0):
    return T0 + datetime.timedelta(seconds=steps * STEP + seconds)


def partner(merchant):
    _key, plaintext = issue_key(merchant)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return client


def url(name, *args):
    return reverse(f"api:{name}", args=args)


@pytest.fixture(autouse=True)
def fresh_settings():
    config.invalidate()
    yield
    config.invalidate()


def setting(key, value):
    SystemSetting.objects.update_or_create(key=key, defaults={"value": value, "data_type": "number"})
    config.invalidate()


# --- the code ---------------------------------------------------------------------------


def test_hotp_matches_the_rfc_4226_test_vectors():
    secret = b"12345678901234567890".hex()
    assert [card_codes.otp(secret, n) for n in range(4)] == ["755224", "287082", "359152", "969429"]


def test_a_code_verifies_in_its_step_and_the_grace_window_only(shopper):
    code = card_code(shopper, now=at(0, 5))
    assert services.card_code_verify(code, now=at(0, 59)).kind == "rotating"
    assert services.card_code_verify(code, now=at(GRACE, 59)).kind == "rotating"
    assert services.card_code_verify(code, now=at(GRACE + 1)).kind == "expired"
    assert services.card_code_verify(code, now=at(-1, 59)).kind == "forged"  # never before its step
    assert services.card_code_verify(code, now=at(0)).customer == shopper


def test_the_grace_window_is_a_setting(shopper):
    setting("loyalty.card_code_grace_steps", 1)
    code = card_code(shopper, now=at(0))
    assert services.card_code_verify(code, now=at(1, 30)).kind == "rotating"
    assert services.card_code_verify(code, now=at(2)).kind == "expired"


def test_a_code_from_another_customers_secret_is_forged(shopper):
    other = UserFactory()
    theirs = card_codes.otp(services.card_get(other).secret, card_codes.step_at(at(0).timestamp(), STEP))
    forged = card_codes.typed(shopper.customer_code, theirs)
    assert services.card_code_verify(forged, now=at(0)).kind == "forged"
    assert services.card_code_verify(f"{shopper.customer_code}-000000", now=at(0)).kind in ("forged", "expired")


def test_a_new_secret_makes_every_shown_code_forged(shopper):
    code = card_code(shopper, now=at(0))
    services.card_secret_rotate(customer=shopper)
    assert services.card_code_verify(code, now=at(0)).kind == "forged"


def test_the_typed_code_reads_with_spaces_dashes_and_lower_case(shopper):
    code = card_code(shopper, now=at(0))
    messy = f" {code[:4].lower()} {code[4:10]} – {code[-6:-3]} {code[-3:]} "
    assert services.card_code_verify(messy, now=at(0)).kind == "rotating"


def test_the_qr_payload_is_signed_and_round_trips(shopper):
    card = services.card_code_for(shopper, now=at(0, 20))
    read = qr.code_read(card.payload, kind="card")
    assert read.object_id == card.typed and read.issued_at == at(0)
    check = services.card_code_verify(card.payload, now=at(2))
    assert (check.kind, check.customer) == ("rotating", shopper)
    assert services.card_code_verify(card.payload, now=at(GRACE + 1)).kind == "expired"
    tampered = card.payload.replace(card.typed, card.typed[:-1] + ("0" if card.typed[-1] != "0" else "1"))
    assert services.card_code_verify(tampered, now=at(0)).kind == "forged"
    assert card.valid_until == at(GRACE + 1) and card.refresh_at == at(1)


def test_the_old_never_expiring_qr_and_the_bare_code_are_static(shopper):
    old = qr.code_issue("card", shopper.customer_code)
    assert services.card_code_verify(old).kind == "static"
    assert services.card_code_verify(shopper.customer_code.lower()).kind == "static"


def test_backfilled_or_lazily_made_every_customer_has_one_card(shopper):
    services.card_get(shopper)
    services.card_get(shopper)
    assert Card.objects.filter(customer=shopper).count() == 1
    assert len(Card.objects.get(customer=shopper).secret) == 40


# --- the partner API --------------------------------------------------------------------


def test_a_bare_static_code_needs_manual_entry_then_is_logged_and_counted(merchant, shopper):
    till = partner(merchant)
    refused = till.post(url("partner-customer-lookup"), {"payload": shopper.customer_code}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "static_code_needs_manual_entry"
    sale = {"external_id": "s1", "customer_code": shopper.customer_code, "amount": "100.00"}
    assert till.post(url("partner-transactions"), sale, format="json").json()["error"]["code"] == (
        "static_code_needs_manual_entry"
    )
    manual = till.post(
        url("partner-customer-lookup"), {"payload": shopper.customer_code, "entry": "manual"}, format="json"
    )
    assert manual.status_code == 200 and manual.json()["customer_code"] == shopper.customer_code
    rows = list(ScanLog.objects.order_by("id").values_list("customer", "code_kind", "entry", "action", "result"))
    assert rows == [
        (shopper.pk, "static", "scan", "lookup", "refused"),
        (shopper.pk, "static", "scan", "sale", "refused"),
        (shopper.pk, "static", "manual", "lookup", "found"),
    ]


def test_an_expired_rotating_code_is_refused_with_its_machine_code(merchant, shopper):
    old = card_code(shopper, now=timezone.now() - datetime.timedelta(minutes=30))
    response = partner(merchant).post(url("partner-customer-lookup"), {"payload": old}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "card_code_expired"
    log = ScanLog.objects.get()
    assert (log.customer, log.code_kind, log.result) == (shopper, "expired", "expired")


def test_a_forged_code_is_refused_and_logged(merchant, shopper):
    response = partner(merchant).get(url("partner-customer-balance", f"{shopper.customer_code}-123456"))
    if response.status_code == 200:  # one in a million: the guess is the real code
        pytest.skip("guessed the code")
    assert response.status_code == 400 and response.json()["error"]["code"] in (
        "card_code_invalid",
        "card_code_expired",
    )
    assert ScanLog.objects.get().customer == shopper


def test_every_lookup_and_redemption_writes_a_scan_log_row(merchant, shopper):
    till = partner(merchant)
    give_points(shopper, 200)
    coupon = CouponFactory(max_uses=5)
    code = card_code(shopper)
    calls = [
        till.get(url("partner-customer-balance", code)),
        till.get(url("partner-customer-balance", shopper.customer_code), {"entry": "manual"}),
        till.post(url("partner-customer-lookup"), {"payload": code}, format="json"),
        till.post(
            url("partner-transactions"), {"external_id": "t1", "customer_code": code, "amount": "500"}, format="json"
        ),
        till.post(
            url("partner-points-redeem"), {"customer_code": code, "points": 10, "reference": "r1"}, format="json"
        ),
        till.post(
            url("partner-coupon-validate"),
            {"code": coupon.code, "customer_code": code, "amount": "100"},
            format="json",
        ),
        till.post(
            url("partner-coupon-redeem"),
            {"code": coupon.code, "customer_code": code, "amount": "100", "reference": "c1"},
            format="json",
        ),
    ]
    assert [c.status_code for c in calls] == [200, 200, 200, 201, 200, 200, 200]
    rows = list(ScanLog.objects.order_by("id").values_list("merchant", "customer", "code_kind", "entry", "action"))
    m, c = merchant.pk, shopper.pk
    assert rows == [
        (m, c, "rotating", "scan", "lookup"),
        (m, c, "static", "manual", "lookup"),
        (m, c, "rotating", "scan", "lookup"),
        (m, c, "rotating", "scan", "sale"),
        (m, c, "rotating", "scan", "points_redeem"),
        (m, c, "rotating", "scan", "coupon_validate"),
        (m, c, "rotating", "scan", "coupon_redeem"),
    ]
    assert set(ScanLog.objects.values_list("result", flat=True)) == {"found"}


def test_a_sale_that_fails_after_the_card_check_keeps_its_scan_row(merchant, shopper):
    body = {"external_id": "t1", "customer_code": card_code(shopper), "amount": "10", "points_to_redeem": 5}
    response = partner(merchant).post(url("partner-transactions"), body, format="json")
    assert response.json()["error"]["code"] == "not_enough_points"
    assert ScanLog.objects.filter(customer=shopper, action="sale", result="found").count() == 1


def test_manual_entries_beyond_the_setting_raise_one_fraud_flag(shopper):
    setting("loyalty.fraud_manual_entries", 2)
    merchants = [MerchantFactory() for _ in range(4)]
    for m in merchants[:2]:
        services.customer_scan(merchant=m, payload=shopper.customer_code, entry="manual")
    assert not FraudFlag.objects.filter(rule="manual_entry").exists()
    services.customer_scan(merchant=merchants[2], payload=shopper.customer_code, entry="manual")
    flag = FraudFlag.objects.get(rule="manual_entry")
    assert flag.customer == shopper and flag.details["entries"] == 3
    services.customer_scan(merchant=merchants[3], payload=shopper.customer_code, entry="manual")
    assert FraudFlag.objects.filter(rule="manual_entry").count() == 1


def test_rotating_scans_are_not_counted_as_manual_entries(merchant, shopper):
    setting("loyalty.fraud_manual_entries", 1)
    for _ in range(3):
        services.customer_scan(merchant=merchant, payload=card_code(shopper))
    assert not FraudFlag.objects.exists()


def test_my_loyalty_api_gives_the_rotating_code(customer_client, customer):
    body = customer_client.get(url("my-loyalty")).json()
    assert services.card_code_verify(body["card_code"]).kind == "rotating"
    assert services.card_code_verify(body["card_payload"]).customer == customer
    assert body["card_code_valid_until"] > body["card_code_refresh_at"]


# --- the card page ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "valid_until"),
    [("ru", "Действителен до"), ("ky", "чейин жарактуу"), ("en", "Valid until")],
)
def test_the_card_page_shows_the_code_and_renews_it_without_reloading_itself(
    client, settings, customer, language, valid_until
):
    settings.LANGUAGE_CODE = "ru"  # unprefixed Russian, as in production (and skypark.core.testing_i18n)
    customer.language = language
    customer.save(update_fields=["language"])
    client.force_login(customer)
    path = {"ru": "/loyalty/", "ky": "/ky/loyalty/", "en": "/en/loyalty/"}[language]
    page = client.get(path)
    assert page.status_code == 200 and f'lang="{language}"' in page.content.decode()
    body = page.content.decode()
    shown = services.card_code_verify(body.split('id="card-code"')[1].split(">")[1].split("<")[0])
    assert (shown.kind, shown.customer) == ("rotating", customer)
    # No meta refresh (a reload every minute sends a screen reader to the top); the
    # script renews the section when the code changes, a link does it without JavaScript.
    assert 'http-equiv="refresh"' not in body
    refresh = int(body.split('data-refresh-seconds="')[1].split('"')[0])
    assert 1 <= refresh <= STEP + 1
    card = body.split('id="card-h"')[1].split("</section>")[0]
    assert f'id="card-code-renew" href="{path}"' in card
    assert valid_until in body and "<script" not in card
    assert "aria-label=" in card


def test_the_migration_gives_every_existing_customer_a_card():
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("loyalty.migrations.0010_backfill_cards_and_settings").backfill
    customers = [UserFactory() for _ in range(3)]
    Card.objects.filter(customer__in=customers[:2]).delete()
    kept = services.card_get(customers[2]).secret
    backfill(apps, None)
    secrets = dict(Card.objects.filter(customer__in=customers).values_list("customer", "secret"))
    assert len(secrets) == 3 and len(set(secrets.values())) == 3 and secrets[customers[2].pk] == kept
