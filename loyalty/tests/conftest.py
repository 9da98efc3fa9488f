import pytest

from skypark.accounts.tests.factories import MerchantFactory, UserFactory


@pytest.fixture
def merchant(db):
    return MerchantFactory()


@pytest.fixture
def other_merchant(db):
    return MerchantFactory()


@pytest.fixture
def shopper(db):
    return UserFactory()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Runs a block and then its on-commit callbacks (commerce's signals)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run
