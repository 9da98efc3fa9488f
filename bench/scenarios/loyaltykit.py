"""Shared by the loyalty scenarios (pos, redeem): a merchant with a partner API key,
partner requests, and the loyalty app's own ledger verification. ``merchant_with_key``
runs inside Django (``bench.djstep``); the rest in the harness."""

import json

from bench.harness import BenchError, Req, run_django


def merchant_with_key() -> dict:
    """A merchant on the coalition programme (no programme of its own) and the plaintext
    of an active API key, issued the way the admin issues it."""
    from skypark.accounts.services import api_key_issue
    from skypark.accounts.tests.factories import MerchantFactory

    merchant = MerchantFactory()
    _key, plaintext = api_key_issue(merchant=merchant, name="bench till", actor=None)
    return {"id": merchant.pk, "key": plaintext}


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
