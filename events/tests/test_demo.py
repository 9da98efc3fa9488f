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
    assert counts == (4, 6, 30, 7)
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
        "active_life",
    }


def test_demo_events_are_in_bishkek_and_osh_priced_in_kgs_with_every_text_in_three_languages():
    demo.seed(SimpleNamespace(stdout=io.StringIO()))
    events = list(Event.objects.all())
    assert {e.currency for e in events} == {"KGS"}
    places = " ".join(e.location_ru for e in events)
    assert "Бишкек" in places and "Ош" in places
    for event in events:
        for field in ("title", "description", "location"):
            assert all(getattr(event, f"{field}_{language}") for language in ("ru", "ky", "en")), (event, field)
    hike = Event.objects.get(title_en="Sulaiman-Too hike")
    assert hike.title_ky == "Сулайман-Тоого чыгуу"
    for badge in Badge.objects.all():
        assert badge.description_ru and badge.description_ky and badge.description_en
