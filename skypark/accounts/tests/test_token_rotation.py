"""A refresh token buys exactly one new pair, even when many calls race with it."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from skypark.accounts.tests.factories import UserFactory
from skypark.core.testing import run_together


def _refresh(token):
    return APIClient().post(reverse("api:auth-token-refresh"), {"refresh": token}, format="json")


@pytest.mark.django_db
def test_a_used_refresh_token_is_refused_and_the_new_one_works():
    user = UserFactory()
    old = str(RefreshToken.for_user(user))
    first = _refresh(old)
    assert first.status_code == 200
    assert _refresh(old).status_code == 401
    assert _refresh(first.json()["refresh"]).status_code == 200


@pytest.mark.django_db
def test_an_inactive_account_cannot_refresh():
    user = UserFactory()
    token = str(RefreshToken.for_user(user))
    user.is_active = False
    user.save()
    response = _refresh(token)
    assert response.status_code == 401 and response.json()["error"]["code"] == "no_active_account"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_refreshes_of_one_token_yield_one_new_pair(settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for a real race")
    user = UserFactory()
    token = str(RefreshToken.for_user(user))
    results, errors = run_together([lambda: _refresh(token) for _ in range(10)])
    assert not errors, errors
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] + [401] * 9, statuses
    winners = [r.json()["refresh"] for r in results if r.status_code == 200]
    cache.clear()  # the log-in throttle counted the ten calls
    assert _refresh(winners[0]).status_code == 200
