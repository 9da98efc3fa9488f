"""Input that no database column can hold — NUL, an unpaired surrogate — is a 400 in the
documented error shape on every route, in the path, the query and the body, and nothing
is written. Routes are taken from the URLconf, so new ones are covered."""

import json
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from skypark.accounts.models import User

pytestmark = pytest.mark.django_db

SAMPLE = {"int": "1", "slug": "a", "str": "a", "uuid": "00000000-0000-0000-0000-000000000001", "path": "a"}


def _routes(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _concrete(route):
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE.get(m.group(1) or "str", "a"), route)
    return "/" + route.replace("\\", "")


def api_paths():
    paths = sorted({_concrete(r) for r in _routes() if r.startswith("api/v1/")})
    return [p for p in paths if "(" not in p and "?" not in p]


def test_the_urlconf_yields_the_api():
    assert len(api_paths()) > 40


def _assert_refused(response):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response.json()["error"]["code"] == "invalid_characters"


@pytest.mark.parametrize("path", api_paths())
def test_every_api_route_refuses_nul_in_query_and_body(client, path):
    _assert_refused(client.get(path, {"q": "a\x00b"}))
    _assert_refused(client.post(path, data='{"name": "a\\u0000b"}', content_type="application/json"))
    _assert_refused(client.post(path, data='{"name": "\\ud800"}', content_type="application/json"))
    _assert_refused(client.post(path, data=b'{"name": "a\x00"}', content_type="application/json"))


def test_nul_in_a_path_segment_is_refused(client):
    _assert_refused(client.get("/api/v1/partner/merchants/a%00b/"))
    response = client.get("/parks/a%00b/")
    assert response.status_code == 400


def test_registration_with_nul_writes_nothing(client):
    body = {"phone": "+996555123000", "password": "long-pass-word-1", "name": "Ai\x00da"}
    _assert_refused(client.post("/api/v1/auth/register/", data=json.dumps(body), content_type="application/json"))
    assert not User.objects.filter(phone="+996555123000").exists()


def test_web_forms_refuse_nul_with_a_400_not_a_500(client):
    response = client.post(
        "/en/accounts/signup/",
        {"phone": "0555 123 001", "name": "A\x00", "password1": "long-pass-1", "password2": "long-pass-1"},
    )
    assert response.status_code == 400
    assert b"cannot be stored" in response.content
    assert not User.objects.filter(phone="+996555123001").exists()


def test_ordinary_escapes_pass(client):
    """A JSON body with ordinary escapes (and a pair of surrogates, which is one emoji) is
    not refused."""
    response = client.post(
        "/api/v1/auth/token/",
        data='{"login": "\\u0041\\ud83d\\ude00", "password": "x"}',
        content_type="application/json",
    )
    assert response.json()["error"]["code"] == "no_active_account", response.json()
