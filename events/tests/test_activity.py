"""Park visits and completed courses count in the gamification, through the core's
``activity_done`` signal; events imports neither parks nor bookings."""

import ast
import datetime
import pathlib

import pytest
from django.utils import timezone

from events.models import Activity, Badge, BadgeLevel, MemberProfile, PointsEntry, UserBadge
from events.services import activity_reward
from skypark.accounts.tests.factories import UserFactory
from skypark.core.activity import COURSE_COMPLETED, PARK_VISIT, activity_record

pytestmark = pytest.mark.django_db

EVENTS_DIR = pathlib.Path(__file__).resolve().parents[1]


def test_a_recorded_activity_reaches_events_only_after_commit(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        activity_record(customer_id=user.pk, kind=PARK_VISIT, reference="park_visit:1", occurred_at=timezone.now())
    assert not Activity.objects.exists()
    for callback in callbacks:
        callback()
    activity = Activity.objects.get()
    assert activity.kind == "park_visit" and activity.customer == user
    entry = PointsEntry.objects.get(customer=user)
    assert entry.kind == "activity" and entry.points == 5
    assert MemberProfile.objects.get(customer=user).points_total == 5


def test_each_activity_counts_once():
    user = UserFactory()
    now = timezone.now()
    assert activity_reward(customer_id=user.pk, kind=COURSE_COMPLETED, reference="course_completed:7", occurred_at=now)
    assert (
        activity_reward(customer_id=user.pk, kind=COURSE_COMPLETED, reference="course_completed:7", occurred_at=now)
        is None
    )
    assert MemberProfile.objects.get(customer=user).points_total == 50
    assert PointsEntry.objects.filter(customer=user).count() == 1


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        activity_record(customer_id=1, kind="shopping", reference="x", occurred_at=timezone.now())


def test_activity_in_consecutive_weeks_makes_a_streak():
    user = UserFactory()
    now = timezone.now()
    activity_reward(
        customer_id=user.pk, kind=PARK_VISIT, reference="park_visit:a", occurred_at=now - datetime.timedelta(days=7)
    )
    activity_reward(customer_id=user.pk, kind=COURSE_COMPLETED, reference="course_completed:b", occurred_at=now)
    profile = MemberProfile.objects.get(customer=user)
    assert profile.current_streak == 2
    assert PointsEntry.objects.filter(customer=user, kind="streak").exists()


def test_activity_raises_the_active_life_badge():
    badge = Badge.objects.create(code="active-life", name="Active Life", badge_type="active_life")
    BadgeLevel.objects.create(badge=badge, level=1, requirement=1, points=10)
    BadgeLevel.objects.create(badge=badge, level=2, requirement=2, points=20)
    user = UserFactory()
    activity_reward(customer_id=user.pk, kind=PARK_VISIT, reference="park_visit:x", occurred_at=timezone.now())
    assert UserBadge.objects.get(customer=user, badge=badge).level == 1
    activity_reward(customer_id=user.pk, kind=PARK_VISIT, reference="park_visit:y", occurred_at=timezone.now())
    assert UserBadge.objects.get(customer=user, badge=badge).level == 2


def test_events_imports_neither_parks_nor_bookings():
    offenders = []
    for path in EVENTS_DIR.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            offenders += [f"{path.name}: {name}" for name in names if name.startswith(("skypark.parks", "bookings"))]
    assert offenders == []
