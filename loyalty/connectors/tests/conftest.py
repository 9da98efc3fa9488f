import pytest

from loyalty.connectors.testing import CrmSource
from loyalty.tests.conftest import _tier_ladder  # noqa: F401  (autouse: the ladder the import needs)
from skypark.accounts.tests.factories import MerchantFactory

# Another valid Fernet key, for rotation tests (the settings' first key is the default's).
NEW_KEY = "bmV3LWNvbm5lY3Rvci1rZXktZm9yLXJvdGF0aW9uLSE="


@pytest.fixture
def merchant(db):
    return MerchantFactory()


@pytest.fixture
def other_merchant(db):
    return MerchantFactory()


@pytest.fixture
def source(settings):
    """The local CRM export, reachable because the tests allow loopback explicitly."""
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    crm = CrmSource()
    yield crm
    crm.close()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Runs a block and then its on-commit callbacks (the import queued by a run)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run
