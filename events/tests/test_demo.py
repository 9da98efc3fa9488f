import io

import pytest
from django.core.management import call_command

from events.models import Badge, BadgeLevel, Event, EventType

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    counts = (EventType.objects.count(), Badge.objects.count(), BadgeLevel.objects.count(), Event.objects.count())
    assert counts[1:3] == (5, 25) and counts[3] >= 5
    call_command("seed_demo", stdout=io.StringIO())
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
