"""The API takes JSON bodies only; the web pages keep their forms."""

import pytest
from django.urls import reverse

from skypark.accounts.tests.factories import MerchantFactory, issue_key

from .conftest import operations


def test_every_request_body_in_the_schema_is_json_only(default_schema):
    bodies = {
        f"{method.upper()} {path}": sorted(operation["requestBody"]["content"])
        for path, method, operation in operations(default_schema)
        if "requestBody" in operation
    }
    assert bodies
    assert {op: types for op, types in bodies.items() if types != ["application/json"]} == {}


@pytest.mark.django_db
@pytest.mark.parametrize("encoded", [True, False], ids=["urlencoded", "multipart"])
def test_a_form_body_is_refused_with_415_in_the_error_shape(client, encoded):
    _key, plaintext = issue_key(MerchantFactory())
    form = {"data": "payload=7K3M9P2QXA", "content_type": "application/x-www-form-urlencoded"}
    response = client.post(
        reverse("api:partner-customer-lookup"),
        **(form if encoded else {"data": {"payload": "7K3M9P2QXA"}}),
        HTTP_AUTHORIZATION=f"Api-Key {plaintext}",
    )
    assert response.status_code == 415, response.content
    assert response.json()["error"]["code"] == "unsupported_media_type"
