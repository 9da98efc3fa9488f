"""Races against a real PostgreSQL. Skipped on SQLite, which serialises writers anyway."""

import pytest
from django.db import connection

from events import services
from events.models import Event, Registration
from skypark.accounts.tests.factories import UserFactory
from skypark.core.testing import run_together

from .conftest import check_in_now
from .factories import EventFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]
S = Registration.Status


# The shared PostgreSQL allows 100 connections in all, so the 100 registrations run on
# 25 threads (one connection each) that start together and register 4 people each.
PEOPLE, THREADS, CAPACITY = 100, 25, 10


def test_100_concurrent_registrations_fill_capacity_exactly_and_queue_the_rest_in_order():
    event = EventFactory(capacity=CAPACITY)
    people = [UserFactory() for _ in range(PEOPLE)]
    per_thread = PEOPLE // THREADS

    def register_all(customers):
        def run():
            return [services.registration_create(customer=c, event=event).pk for c in customers]

        return run

    results, errors = run_together([register_all(people[i : i + per_thread]) for i in range(0, PEOPLE, per_thread)])
    assert not errors, {str(e)[:200] for e in errors}
    assert sum(len(r) for r in results) == PEOPLE

    regs = Registration.objects.filter(event=event)
    assert regs.filter(status=S.CONFIRMED).count() == CAPACITY
    assert Event.objects.get(pk=event.pk).places_taken == CAPACITY
    waiting = list(regs.filter(status=S.WAITLISTED).order_by("waitlisted_at", "pk"))
    assert len(waiting) == PEOPLE - CAPACITY
    # Rows were written under the event lock, so insertion order, time order and the
    # positions all agree, and every confirmed person got in before anyone waited.
    assert [r.pk for r in waiting] == sorted(r.pk for r in waiting)
    assert [services.waitlist_position(r) for r in waiting] == list(range(1, PEOPLE - CAPACITY + 1))
    assert max(regs.filter(status=S.CONFIRMED).values_list("pk", flat=True)) < waiting[0].pk

    # Places freed by concurrent cancellations go to the head of the queue, in order.
    confirmed = list(regs.filter(status=S.CONFIRMED)[:3])
    results, errors = run_together(
        [lambda r=r: services.registration_cancel(registration=r, actor=r.customer) for r in confirmed]
    )
    assert not errors, errors
    promoted = set(regs.filter(status=S.CONFIRMED, pk__in=[w.pk for w in waiting]).values_list("pk", flat=True))
    assert promoted == {w.pk for w in waiting[:3]}
    assert regs.filter(status=S.CONFIRMED).count() == CAPACITY
    assert Event.objects.get(pk=event.pk).places_taken == CAPACITY


def test_two_devices_scanning_one_code_check_in_once():
    event = EventFactory(capacity=5)
    registration = services.registration_create(customer=UserFactory(), event=event)
    check_in_now(registration)  # opens the window; then undo to race from confirmed
    Registration.objects.filter(pk=registration.pk).update(status=S.CONFIRMED, checked_in_at=None)
    event.refresh_from_db()
    results, errors = run_together(
        [lambda: services.registration_check_in(code=registration.qr_code, event=event) for _ in range(4)]
    )
    assert not errors, errors
    assert sum(r.admitted for r in results) == 1
    assert sorted(r.reason for r in results if not r.admitted) == ["already_checked_in"] * 3


def test_concurrent_awards_reversals_folds_and_refreshes_keep_the_leaderboard_histogram_right():
    """Awards on 8 members (so several wait on one member's profile lock) with a handful
    of points values (so they meet on the same histogram values), badge levels that add
    three ledger lines in one transaction, reversals, and the fold and refresh jobs
    running in between: no award fails or deadlocks, the refresh finds nothing to
    correct, and every rank equals the rank over the ledger."""
    from events.models import BadgeRule
    from skypark.accounts.tests.factories import StaffFactory

    from .factories import badge
    from .test_leaderboard import assert_ranks_match_ledger, counted, histogram

    staff = StaffFactory()
    members = [UserFactory() for _ in range(8)]
    badges = [badge(BadgeRule.MANUAL, [1, 1, 1], points=[5, 5, 10], code=f"helper-{n}") for n in range(2)]
    values = [5, 10, 10, -5, 15, 5, -10, 20]

    def award(n):
        return lambda: services.points_award_manual(
            customer=members[n % len(members)], points=values[n % len(values)], reason="race", actor=staff
        )

    def badge_levels(member, item):
        return lambda: services.badge_award_manual(customer=member, badge=item, level=3, reason="race", actor=staff)

    jobs = [award(n) for n in range(120)]
    jobs += [badge_levels(member, item) for member in members for item in badges]
    jobs += [services.leaderboard_scores_fold for _ in range(6)]
    jobs += [services.leaderboards_refresh for _ in range(3)]
    order = list(range(len(jobs)))
    order = order[::3] + order[1::3] + order[2::3]  # jobs of each kind spread over the threads
    results, errors = run_together([jobs[i] for i in order], threads=12)
    assert not errors, {str(e)[:200] for e in errors}

    refreshes = [r for r in results if isinstance(r, dict)]
    assert len(refreshes) == 3 and all(r["scores_repaired"] == 0 for r in refreshes), refreshes
    assert histogram() == counted()
    services.leaderboard_scores_fold()
    assert histogram() == counted()
    assert services.leaderboards_refresh()["scores_repaired"] == 0
    assert_ranks_match_ledger(members, [0])
