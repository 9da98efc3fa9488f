import datetime

import pytest
from django.utils import timezone

from events import services
from skypark.commerce.services import payment_complete, payment_start

from .factories import EventFactory


@pytest.fixture
def event(db):
    return EventFactory()


@pytest.fixture
def live_event(db):
    """A free event happening right now (check-in is open)."""
    now = timezone.now()
    return EventFactory(starts_at=now - datetime.timedelta(minutes=30), ends_at=now + datetime.timedelta(hours=2))


@pytest.fixture
def pay(django_capture_on_commit_callbacks):
    def _pay(registration):
        with django_capture_on_commit_callbacks(execute=True):
            payment, _action = payment_start(order=registration.order, provider="sandbox", method="visa")
            payment_complete(payment=payment, external_id=payment.external_id)
        registration.refresh_from_db()
        return registration

    return _pay


def check_in_now(registration, *, staff=None, now=None):
    """Checks a confirmed registration in at ``now`` whatever the event's times (moves
    the event around ``now`` so the window is open)."""
    from events.models import Event

    now = now or timezone.now()
    Event.objects.filter(pk=registration.event_id).update(
        starts_at=now - datetime.timedelta(minutes=10), ends_at=now + datetime.timedelta(hours=1)
    )
    registration.refresh_from_db()
    return services.registration_check_in(code=registration.qr_code, event=registration.event, staff=staff, now=now)
