import pytest

from skypark.accounts.tests.factories import MerchantFactory
from skypark.webhooks.testing import Receiver


@pytest.fixture
def merchant(db):
    return MerchantFactory()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def eager_tasks(settings):
    """Celery tasks run in-process (deliveries queued on commit are sent at once)."""
    from skypark.celery import app

    eager_before = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager_before
