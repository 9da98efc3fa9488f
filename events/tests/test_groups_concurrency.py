"""Waiting-list promotion of groups under concurrent cancellations, on a real PostgreSQL.
Skipped on SQLite, which serialises writers anyway."""

import pytest
from django.db import connection

from events import services
from events.models import Event, Registration
from skypark.accounts.tests.factories import UserFactory
from skypark.core.testing import run_together

from .factories import EventFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]
S = Registration.Status


def group(event, size, *, split=False):
    people = [{"name": f"Person {n}"} for n in range(size - 1)]
    return services.registration_create(customer=UserFactory(), event=event, attendees=people, split_if_needed=split)


def test_30_concurrent_cancellations_promote_exactly_the_groups_that_fit_in_order():
    event = EventFactory(capacity=30)
    holders = [group(event, 1) for _ in range(30)]
    # The waiting list, in order: sizes and whether the group accepts splitting.
    queue = [(4, False), (1, False), (3, True), (20, False), (1, False), (6, False), (1, False)]
    waiting = [group(event, size, split=split) for size, split in queue]
    assert all(w.status == S.WAITLISTED for w in waiting)

    results, errors = run_together(
        [lambda r=r: services.registration_cancel(registration=r, actor=r.customer) for r in holders]
    )
    assert not errors, {str(e)[:200] for e in errors}
    assert len(results) == 30

    # Each cancellation frees one place under the event lock and promotes the first
    # groups that fit, so whatever order the 30 ran in: the single people and the
    # family of 3 (split over three frees) go first, the family of 4 when 4 places are
    # free, the family of 6 when 6 are, and the group of 20 still waits (14 free).
    def state(registration):
        registration.refresh_from_db()
        return registration.status, registration.places

    assert [state(w) for w in waiting] == [
        (S.CONFIRMED, 4),
        (S.CONFIRMED, 1),
        (S.CONFIRMED, 1),
        (S.WAITLISTED, 20),
        (S.CONFIRMED, 1),
        (S.CONFIRMED, 6),
        (S.CONFIRMED, 1),
    ]
    parts = Registration.objects.filter(part_of=waiting[2])
    assert sorted(parts.values_list("status", "places")) == [(S.CONFIRMED, 1), (S.CONFIRMED, 1)]
    assert services.waitlist_position(waiting[3]) == 1
    assert not Registration.objects.filter(event=event, status=S.WAITLISTED).exclude(pk=waiting[3].pk).exists()
    assert not Registration.objects.filter(pk__in=[h.pk for h in holders]).exclude(status=S.CANCELLED).exists()
    held = sum(r.places for r in Registration.objects.filter(event=event) if r.holds_place)
    assert Event.objects.get(pk=event.pk).places_taken == held == 16
