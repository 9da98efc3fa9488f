"""Shared by the loyalty scenarios (pos, redeem): a merchant with a partner API key,
the customers' card secrets, partner requests with the rotating card code a till scans,
and the loyalty app's own ledger verification. ``merchant_with_key`` and ``card_secrets``
run inside Django (``bench.djstep``); the rest in the harness."""

import json
import time

from bench.harness import BenchError, Req, run_django


def merchant_with_key() -> dict:
    """A merchant on the coalition programme (no programme of its own) and the plaintext
    of an active API key, issued the way the admin issues it."""
    from skypark.accounts.services import api_key_issue
    from skypark.accounts.tests.factories import MerchantFactory

    merchant = MerchantFactory()
    _key, plaintext = api_key_issue(merchant=merchant, name="bench till", actor=None)
    return {"id": merchant.pk, "key": plaintext}


def card_secrets(users) -> dict:
    """``{customer code: card secret}``, making the cards of customers inserted in bulk."""
    from loyalty.models import Card

    Card.objects.bulk_create([Card(customer=u) for u in users], ignore_conflicts=True)
    cards = Card.objects.filter(customer__in=users).select_related("customer")
    return {card.customer.customer_code: card.secret for card in cards}


def card_code(code: str, secrets: dict, step_seconds: int = 60) -> str:
    """The rotating code the customer's card shows now (the platform's default step)."""
    from loyalty import card_codes

    step = card_codes.step_at(time.time(), step_seconds)
    return card_codes.typed(code, card_codes.otp(secrets[code], step))


def partner_request(method: str, path: str, key: str, payload=None) -> Req:
    headers = {"Authorization": f"Api-Key {key}", "Accept": "application/json"}
    body = None
    if payload is not None:
        body = json.dumps(payload).encode()
        headers["Content-Type"] = "application/json"
    return Req(method, "/api/v1/partner/" + path, body=body, headers=headers)


def verify(db) -> dict:
    """``manage.py loyalty_verify`` on the scenario's database: every balance equals the
    sum of its ledger and of its lots. ``mismatched`` is 0 when it passes."""
    try:
        out = run_django(["manage.py", "loyalty_verify"], db.url, timeout=600)
    except BenchError as exc:
        return {"mismatched": 1, "report": str(exc)[-600:]}
    return {"mismatched": 0, "report": out.strip()[-300:]}
