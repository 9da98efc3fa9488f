"""Authorisation matrix of the REST API, generated from the OpenAPI schema.

Every operation the schema (drf-spectacular, as served at ``/api/schema/``) lists with a
path parameter is matched to its route in the URLconf, and every customer or partner
operation is called by the other owner (customer B, merchant B) with A's identifier in
the path. The answer must be 404 — the same as for an identifier that does not exist —
so another owner's record is indistinguishable from no record. An operation the
matrix has no identifier of A's for (a new endpoint) fails until it is added to the
``world`` of ``test_authorisation_matrix``.
"""

import functools
import re

import pytest
from django.urls import Resolver404, resolve, reverse
from drf_spectacular.generators import SchemaGenerator

from skypark.core.tests.reliability.test_authorisation_matrix import (
    CUSTOMER,
    PARTNER,
    PUBLIC,
    SHARED_PATH,
    STAFF,
    api_routes,
    assert_no_leak,
    call,
    world,  # noqa: F401  (the fixture)
)

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
# What a path parameter is replaced with to name a record that does not exist.
MISSING = {"pk": 2_000_000_000, "id": 2_000_000_000, "attendee_id": 2_000_000_000}


@functools.cache
def schema_operations():
    """``(path template, method)`` of every schema operation with a path parameter."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return tuple(
        sorted(
            (path, method)
            for path, operations in schema["paths"].items()
            if "{" in path
            for method in operations
            if method in METHODS
        )
    )


def _template_regex(template):
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def route_of(template):
    """The URL name a schema path template resolves to (its parameters filled in with a
    value each converter accepts), or ``None``."""
    for value in ("1", "x1"):
        try:
            match = resolve(re.sub(r"\{[^}]+\}", value, template))
        except Resolver404:
            continue
        if match.namespace == "api":
            return match.url_name
    return None


def _urls(name, kwargs):
    """The route's URL with A's identifiers and with identifiers of nothing."""
    missing = {key: MISSING.get(key, "no-such-0000") for key in kwargs}
    return reverse(f"api:{name}", kwargs=kwargs), reverse(f"api:{name}", kwargs=missing)


def test_the_schema_lists_operations_with_path_ids():
    operations = schema_operations()
    assert len(operations) > 20
    assert ("/api/v1/me/children/{id}/", "delete") in operations


def schema_coverage(kwargs):
    """What the schema lists with a path id that the matrix cannot check: an operation
    of no classified route, or a customer or partner one with no identifier of A's."""
    classified = PUBLIC | STAFF | CUSTOMER | PARTNER
    uncovered = []
    for template, method in schema_operations():
        name = route_of(template)
        if name not in classified:
            uncovered.append(f"{method.upper()} {template}: unclassified route {name}")
        elif name in CUSTOMER | PARTNER and name not in kwargs:
            uncovered.append(f"{method.upper()} {template}: no identifier of A's for {name}")
        elif name in kwargs and not _template_regex(template).match(_urls(name, kwargs[name])[0]):
            uncovered.append(f"{method.upper()} {template}: A's identifier builds another path")
    return uncovered


def test_every_schema_operation_with_an_id_is_covered(world):  # noqa: F811
    """A new endpoint with a path parameter must get an identifier of A's in the world
    (or be classified as public / staff) before this passes."""
    assert schema_coverage(world["kwargs"]) == []


def test_a_route_with_ids_missing_from_the_schema_fails():
    """The other direction: every customer or partner route with an id is in the schema,
    so the 404 check below reaches it."""
    in_schema = {route_of(template) for template, _method in schema_operations()}
    for name, params, _methods in api_routes():
        if params and name in CUSTOMER | PARTNER:
            assert name in in_schema, f"{name} is not in the schema"


def owner_id_problems(world):  # noqa: F811
    """Customer and partner operations that answer another owner's id with anything but
    the 404 a missing id gets; and how many operations were tried."""
    callers = world["callers"]
    problems, checked = [], 0
    for template, method in schema_operations():
        name = route_of(template)
        if name not in CUSTOMER | PARTNER or name in SHARED_PATH:
            continue
        caller = "customer B" if name in CUSTOMER else "merchant B"
        url, missing_url = _urls(name, world["kwargs"][name])
        response = call(callers[caller], method, url)
        missing = call(callers[caller], method, missing_url)
        where = f"{method.upper()} {url} as {caller}"
        checked += 1
        if response.status_code != 404:
            problems.append(f"{where}: {response.status_code} {response.content[:200]}")
        elif missing.status_code != 404 or response.json()["error"]["code"] != missing.json()["error"]["code"]:
            problems.append(f"{where}: answers unlike a missing id ({missing.status_code})")
        assert_no_leak(response, world["secrets"], where)
    return problems, checked


def test_another_owners_id_answers_404_like_a_missing_one(world):  # noqa: F811
    problems, checked = owner_id_problems(world)
    assert problems == []
    assert checked >= 15


def test_an_endpoint_that_refuses_with_403_fails_the_check(world, monkeypatch):  # noqa: F811
    """A 403 would tell B that A's child exists: the check must catch it."""
    from rest_framework.exceptions import PermissionDenied

    from skypark.accounts.api.views import ChildDetailApi

    def refuse(view):
        raise PermissionDenied

    monkeypatch.setattr(ChildDetailApi, "get_object", refuse)
    problems, _checked = owner_id_problems(world)
    assert problems and all("/me/children/" in p and ": 403 " in p for p in problems)


def test_the_check_fails_for_a_route_it_has_no_id_for(world):  # noqa: F811
    kwargs = dict(world["kwargs"])
    del kwargs["me-child"]
    assert schema_coverage(kwargs) == [
        f"{method} /api/v1/me/children/{{id}}/: no identifier of A's for me-child"
        for method in ("DELETE", "GET", "PATCH")
    ]
