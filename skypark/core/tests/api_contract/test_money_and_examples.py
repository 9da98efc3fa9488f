"""Money is a decimal string in the whole API, and the schema's examples are what its own
schemas say."""

import copy
import re

import jsonschema
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from skypark.accounts.tests.factories import MerchantFactory, UserFactory, issue_key

from .conftest import operations

MONEY_NAME = re.compile(r"(^|_)(amount|price|total|subtotal|discount|refunded|value|fee|cost|due)(_|$)")


def _is_number(spec):
    kind = spec.get("type")
    return kind == "number" or (isinstance(kind, list) and "number" in kind)


def _properties(node, where):
    """(where, name, spec) of every named property below ``node``, at any depth."""
    if isinstance(node, dict):
        for name, spec in (node.get("properties") or {}).items():
            yield f"{where}.{name}", name, spec
        for key, value in node.items():
            yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _properties(value, f"{where}[{index}]")


def _money_typed_number(schema):
    """(where, name) of every property or parameter with a money-like name typed number."""
    named = list(_properties(schema.get("components", {}), "components"))
    for path, method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            named.append((f"{method} {path} ?{parameter['name']}", parameter["name"], parameter.get("schema", {})))
        named.extend(_properties(operation, f"{method} {path}"))
    hits = []
    for where, name, spec in named:
        specs = [spec, *(spec.get("anyOf") or []), *(spec.get("oneOf") or []), spec.get("items") or {}]
        if MONEY_NAME.search(name) and any(_is_number(item) for item in specs if isinstance(item, dict)):
            hits.append((where, name))
    return hits


def test_no_money_field_is_typed_number(default_schema):
    assert _money_typed_number(default_schema) == []


def test_the_check_catches_a_float_amount(default_schema):
    broken = copy.deepcopy(default_schema)
    broken["components"]["schemas"]["TransactionOutput"]["properties"]["amount_due"] = {
        "type": "number",
        "format": "double",
    }
    broken["paths"]["/api/v1/partner/transactions/"]["get"]["parameters"].append(
        {"name": "min_amount", "in": "query", "schema": {"type": "number"}}
    )
    assert sorted(name for _where, name in _money_typed_number(broken)) == ["amount_due", "min_amount"]


def test_every_amount_is_a_decimal_string_beside_a_currency(default_schema):
    partner = {
        name: body
        for name, body in default_schema["components"]["schemas"].items()
        if name in ("TransactionOutput", "CustomerBalanceOutput", "RedeemPointsOutput", "CouponCheckOutput")
    }
    assert len(partner) == 4
    for name, body in partner.items():
        assert "currency" in body["properties"], name
        for prop, spec in body["properties"].items():
            if MONEY_NAME.search(prop) or prop == "points_value":
                assert spec.get("type") == "string" and spec.get("format") == "decimal", (name, prop)


def _nullable_to_json_schema(node):
    """OpenAPI 3.0's ``nullable`` as JSON Schema's ``null`` type."""
    if isinstance(node, dict):
        node = {key: _nullable_to_json_schema(value) for key, value in node.items()}
        if node.pop("nullable", False):
            if "type" in node:
                node["type"] = [node["type"], "null"]
            else:
                node = {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [_nullable_to_json_schema(item) for item in node]
    return node


def _examples(schema):
    for path, method, operation in operations(schema):
        places = []
        if "requestBody" in operation:
            places.append(("request", operation["requestBody"].get("content", {})))
        for status_code, response in operation.get("responses", {}).items():
            places.append((status_code, response.get("content", {})))
        for where, content in places:
            for media in content.values():
                for name, example in (media.get("examples") or {}).items():
                    yield f"{method.upper()} {path} {where} {name}", media.get("schema"), example.get("value")


def test_every_example_validates_against_its_own_schema(default_schema):
    components = _nullable_to_json_schema(default_schema["components"])
    checked, wrong = 0, []
    for where, body_schema, value in _examples(default_schema):
        assert body_schema is not None, f"{where}: an example without a schema"
        validator = jsonschema.Draft202012Validator(
            {**_nullable_to_json_schema(body_schema), "components": components},
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(value)]
        if errors:
            wrong.append((where, errors[:3]))
        checked += 1
    assert checked > 20
    assert wrong == []


@pytest.mark.django_db
def test_amount_due_is_rendered_as_a_decimal_string():
    from loyalty.tests.factories import card_code

    _key, plaintext = issue_key(MerchantFactory())
    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    sale = {"external_id": "till-1", "customer_code": card_code(UserFactory()), "amount": "500.00"}
    body = client.post(reverse("api:partner-transactions"), sale, format="json").json()
    assert body["amount_due"] == "500.00" and body["currency"]
