import pytest
from django.core import mail

from skypark.commerce.services import payment_complete, payment_start

from .factories import SessionFactory


@pytest.fixture
def session(db):
    return SessionFactory()


@pytest.fixture
def pay(django_capture_on_commit_callbacks):
    """Pays a booking's order with the sandbox and runs the on-commit work (signals,
    e-mail delivery) as a real commit would."""

    def _pay(booking):
        with django_capture_on_commit_callbacks(execute=True):
            payment, _action = payment_start(order=booking.order, provider="sandbox", method="visa")
            payment_complete(payment=payment, external_id=payment.external_id)
        booking.refresh_from_db()
        return booking

    return _pay


@pytest.fixture
def outbox():
    mail.outbox = []
    return mail.outbox
