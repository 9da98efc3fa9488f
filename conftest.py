import pytest
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def customer(db):
    from skypark.accounts.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def customer_client(customer):
    client = APIClient()
    client.force_authenticate(customer)
    return client


@pytest.fixture
def staff_user(db):
    from skypark.accounts.tests.factories import StaffFactory

    return StaffFactory()


@pytest.fixture
def admin_client_logged(client, staff_user):
    client.force_login(staff_user)
    return client
