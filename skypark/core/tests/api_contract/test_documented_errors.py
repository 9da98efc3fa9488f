"""Every operation documents the errors it answers, generated from the code that raises
them; rate limits are visible to the client."""

import re

import pytest
from django.urls import resolve, reverse
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from skypark.accounts.tests.factories import MerchantFactory, issue_key
from skypark.core.api.documented_errors import UndocumentedApiError

from .conftest import operations

ERROR_REF = "#/components/schemas/ErrorOutput"


def _errors(operation):
    return {status: body for status, body in operation["responses"].items() if status.startswith("4")}


def test_every_operation_documents_its_errors(default_schema):
    missing, shapeless = [], []
    for path, method, operation in operations(default_schema):
        where = f"{method.upper()} {path}"
        errors = _errors(operation)
        if not any(body.get("x-error-codes") for body in errors.values()):
            missing.append(where)
        for status, body in errors.items():
            schema = body.get("content", {}).get("application/json", {}).get("schema")
            if schema != {"$ref": ERROR_REF} or not body.get("x-error-codes"):
                shapeless.append(f"{where} {status}")
    assert missing == []
    assert shapeless == []


def test_error_examples_use_a_documented_code(default_schema):
    wrong, seen = [], 0
    for path, method, operation in operations(default_schema):
        for status, body in _errors(operation).items():
            for name, example in body.get("content", {}).get("application/json", {}).get("examples", {}).items():
                seen += 1
                if example["value"]["error"]["code"] not in body["x-error-codes"]:
                    wrong.append(f"{method.upper()} {path} {status} {name}")
    assert seen > 10
    assert wrong == []


def test_partner_operations_list_their_domain_errors(default_schema):
    undeclared = []
    for path, method, _operation in operations(default_schema):
        if "/partner/" not in path:
            continue
        view = resolve(re.sub(r"\{[^}]+\}", "1", path)).func.view_class
        if not hasattr(view, "api_errors"):
            undeclared.append(f"{method.upper()} {path}")
    assert undeclared == []
    refund = default_schema["paths"]["/api/v1/partner/transactions/{external_id}/refund/"]["post"]["responses"]
    assert refund["409"]["x-error-codes"] == ["transaction_not_refundable"]
    assert "refund_exceeds_refundable" in refund["400"]["x-error-codes"]
    assert "invalid_api_key" in refund["401"]["x-error-codes"]


@pytest.fixture
def partner(db):
    _key, plaintext = issue_key(MerchantFactory())
    return APIClient(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")


def test_an_error_a_view_does_not_document_fails_loudly(partner, monkeypatch):
    from loyalty.api.views import PartnerImportDetailApi

    assert partner.get(reverse("api:partner-import-detail", args=[999])).json()["error"]["code"] == "import_not_found"
    monkeypatch.setattr(PartnerImportDetailApi, "api_errors", ())
    with pytest.raises(UndocumentedApiError, match="import_not_found"):
        partner.get(reverse("api:partner-import-detail", args=[999]))


def test_responses_carry_rate_limit_headers_and_a_429_says_when_to_retry(partner, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "partner": "2/min"})
    from django.core.cache import cache

    cache.clear()
    first = partner.get(reverse("api:partner-me"))
    assert first.status_code == 200
    assert (first["RateLimit-Limit"], first["RateLimit-Remaining"]) == ("2", "1")
    assert 0 < int(first["RateLimit-Reset"]) <= 60
    assert partner.get(reverse("api:partner-me"))["RateLimit-Remaining"] == "0"
    refused = partner.get(reverse("api:partner-me"))
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused["RateLimit-Remaining"] == "0"
