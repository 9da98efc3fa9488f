"""The schema speaks English by default with ASCII identifiers; other languages on request;
the API's own error messages keep following the caller."""

import re

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from .conftest import operations

CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def _identifiers(schema):
    """(where, text) of everything a client generator turns into a name."""
    for name, component in schema["components"]["schemas"].items():
        yield f"schema {name}", name
        yield from _titles(component, f"schema {name}")
        for value in component.get("enum") or []:
            if isinstance(value, str):
                yield f"schema {name} enum", value
    for name in schema["components"].get("securitySchemes", {}):
        yield "security scheme", name
    for path, method, operation in operations(schema):
        where = f"{method.upper()} {path}"
        yield where, path
        yield f"{where} operationId", operation["operationId"]
        for tag in operation.get("tags", []):
            yield f"{where} tag", tag
        for parameter in operation.get("parameters", []):
            yield f"{where} parameter", parameter["name"]
            yield from _titles(parameter.get("schema", {}), f"{where} ?{parameter['name']}")


def _titles(node, where):
    if isinstance(node, dict):
        if isinstance(node.get("title"), str):
            yield f"{where} title", node["title"]
        for key in node.get("properties") or {}:
            yield f"{where}.{key}", key
        for key, value in node.items():
            yield from _titles(value, f"{where}/{key}")
    elif isinstance(node, list):
        for value in node:
            yield from _titles(value, where)


def test_identifiers_and_titles_of_the_default_schema_are_ascii(default_schema):
    found = list(_identifiers(default_schema))
    assert len(found) > 500
    assert [(where, text) for where, text in found if not text.isascii()] == []


def test_the_check_catches_a_russian_title(default_schema):
    broken = {**default_schema, "components": {**default_schema["components"]}}
    broken["components"]["schemas"] = {
        **default_schema["components"]["schemas"],
        "Extra": {"type": "object", "properties": {"source": {"type": "string", "title": "Источник"}}},
    }
    assert [text for _where, text in _identifiers(broken) if not text.isascii()] == ["Источник"]


def test_the_default_schema_has_no_russian_or_kyrgyz_text(default_schema):
    import json

    text = json.dumps(default_schema, ensure_ascii=False)
    assert CYRILLIC.findall(text) == [], CYRILLIC.search(text) and text[CYRILLIC.search(text).start() - 200 :][:300]


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="ru")
def test_english_even_when_the_site_speaks_russian():
    response = Client().get(reverse("api-schema"), {"format": "json"})
    assert response["Content-Language"] == "en"
    assert not CYRILLIC.search(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("ask", [{"data": {"lang": "ru"}}, {"HTTP_ACCEPT_LANGUAGE": "ru-RU,ru;q=0.9"}])
def test_russian_on_request(ask):
    data = {"format": "json", **ask.pop("data", {})}
    response = Client().get(reverse("api-schema"), data, **ask)
    assert response["Content-Language"] == "ru"
    schema = response.json()
    title = schema["components"]["schemas"]["TransactionOutput"]["properties"]["amount"].get("title")
    assert title and CYRILLIC.search(title)


@pytest.mark.django_db
def test_error_messages_still_follow_the_callers_language(client):
    response = client.post(
        reverse("api:auth-token"),
        {"login": "+996555000999"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 400
    assert CYRILLIC.search(response.json()["error"]["message"]), response.json()
