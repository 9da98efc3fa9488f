import datetime

import pytest
from django.utils import timezone

from events import services
from events.models import Event, MemberProfile, PointsEntry, Registration
from skypark.accounts.tests.factories import StaffFactory, UserFactory
from skypark.core import loyalty

from .conftest import check_in_now
from .factories import EventFactory

pytestmark = pytest.mark.django_db
S = Registration.Status


@pytest.fixture
def confirmed(live_event, customer):
    Event.objects.filter(pk=live_event.pk).update(starts_at=timezone.now() + datetime.timedelta(minutes=20))
    live_event.refresh_from_db()
    return services.registration_create(customer=customer, event=live_event)


def test_qr_check_in_admits_once_and_records_the_time(confirmed):
    staff = StaffFactory()
    result = services.registration_check_in(code=confirmed.qr_code, event=confirmed.event, staff=staff)
    assert result.admitted and result.message == "Checked in"
    confirmed.refresh_from_db()
    assert confirmed.status == S.ATTENDED and confirmed.checked_in_at and confirmed.checked_in_by == staff
    again = services.registration_check_in(code=confirmed.qr_code, event=confirmed.event, staff=staff)
    assert (again.admitted, again.reason) == (False, "already_checked_in")


def test_backup_code_check_in(confirmed):
    result = services.registration_check_in(code=confirmed.backup_code_display.lower(), event=confirmed.event)
    assert result.admitted
    assert Registration.objects.get(pk=confirmed.pk).check_in_method == "backup"


@pytest.mark.parametrize(
    "code, reason",
    [("registration.1.AAAA.BBBB.CCCC", "forged"), ("ZZZZZZZZ", "unknown"), ("", "unknown")],
)
def test_bad_codes_are_refused(confirmed, code, reason):
    result = services.registration_check_in(code=code, event=confirmed.event)
    assert (result.admitted, result.reason) == (False, reason)


def test_wrong_event_too_early_over_and_waitlisted(confirmed, customer):
    other = EventFactory()
    assert services.registration_check_in(code=confirmed.qr_code, event=other).reason == "wrong_event"
    early = confirmed.event.starts_at - datetime.timedelta(hours=2)
    assert (
        services.registration_check_in(code=confirmed.qr_code, event=confirmed.event, now=early).reason == "too_early"
    )
    late = confirmed.event.ends_at + datetime.timedelta(minutes=1)
    assert (
        services.registration_check_in(code=confirmed.qr_code, event=confirmed.event, now=late).reason == "event_over"
    )
    full = EventFactory(capacity=1)
    services.registration_create(customer=UserFactory(), event=full)
    waiting = services.registration_create(customer=customer, event=full)
    waiting.qr_code = ""
    assert services.registration_check_in_manual(registration=waiting, staff=None).reason == "not_confirmed"


def test_manual_check_in_and_check_out(confirmed):
    staff = StaffFactory()
    result = services.registration_check_in_manual(registration=confirmed, staff=staff)
    assert result.admitted
    out = services.registration_check_out(registration=confirmed, staff=staff)
    assert out.checked_out_at >= out.checked_in_at
    first = out.checked_out_at
    assert services.registration_check_out(registration=confirmed).checked_out_at == first


def test_check_in_awards_event_points_and_coalition_points_through_the_port(confirmed, monkeypatch):
    calls = []

    class Recorder(loyalty.NullLoyaltyProvider):
        def points_award(self, **kwargs):
            calls.append(kwargs)
            return kwargs["points"]

    monkeypatch.setattr(loyalty, "_provider", Recorder())
    services.registration_check_in(code=confirmed.qr_code, event=confirmed.event)
    assert MemberProfile.objects.get(customer=confirmed.customer).points_total == 10
    assert PointsEntry.objects.get(reference=f"attendance:{confirmed.pk}").points == 10
    assert calls == [
        {
            "customer": confirmed.customer,
            "points": 10,
            "source": "event",
            "reference": f"registration:{confirmed.pk}",
            "description": confirmed.event.title,
        }
    ]


def test_no_shows_are_marked_after_the_event_once(event, customer):
    came, stayed_home = (services.registration_create(customer=UserFactory(), event=event) for _ in range(2))
    check_in_now(came)
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=3), ends_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert services.no_shows_mark() == 1
    assert services.no_shows_mark() == 0
    stayed_home.refresh_from_db()
    came.refresh_from_db()
    assert (came.status, stayed_home.status) == (S.ATTENDED, S.NO_SHOW)
    assert Event.objects.get(pk=event.pk).status == Event.Status.FINISHED


def test_no_show_waits_for_the_grace_period(event):
    registration = services.registration_create(customer=UserFactory(), event=event)
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=2), ends_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert services.no_shows_mark() == 0
    registration.refresh_from_db()
    assert registration.status == S.CONFIRMED
