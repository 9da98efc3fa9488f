import io
from types import SimpleNamespace

import pytest

from events import demo
from events.models import Badge, BadgeLevel, Event, EventType

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent():
    command = SimpleNamespace(stdout=io.StringIO())
    demo.seed(command)
    counts = (EventType.objects.count(), Badge.objects.count(), BadgeLevel.objects.count(), Event.objects.count())
    assert counts == (4, 5, 25, 5)
    demo.seed(command)
    assert (
        EventType.objects.count(),
        Badge.objects.count(),
        BadgeLevel.objects.count(),
        Event.objects.count(),
    ) == counts
    assert set(Badge.objects.values_list("badge_type", flat=True)) == {
        "event_explorer",
        "consistent_attendee",
        "social_butterfly",
        "community_builder",
        "trivia_master",
    }
