import pytest
from django.test import Client


@pytest.fixture(scope="session")
def default_schema(django_db_setup, django_db_blocker):
    """``/api/schema/`` as a client with no language preference receives it."""
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation
