"""Events in Russian and Kyrgyz: points and places with their plural forms, and
registration statuses that agree with "регистрация" (feminine)."""

import pytest

from events import services
from events.models import Registration
from skypark.core.testing_i18n import COUNTS, get_page, has_phrase
from skypark.notify.rendering import render_kind

from .factories import EventFactory

pytestmark = pytest.mark.django_db

POINTS = {
    "ru": {1: "1 балл", 2: "2 балла", 5: "5 баллов", 21: "21 балл"},
    "ky": {1: "1 упай", 2: "2 упай", 5: "5 упай", 21: "21 упай"},
}
PLACES_LEFT = {
    "ru": {1: "Осталось 1 место", 2: "Осталось 2 места", 5: "Осталось 5 мест", 21: "Осталось 21 место"},
    "ky": {1: "1 орун калды", 2: "2 орун калды", 5: "5 орун калды", 21: "21 орун калды"},
}


@pytest.mark.parametrize("language", ["ru", "ky"])
def test_me_page_counts_event_points(client, settings, customer, language):
    total = 0
    for n in COUNTS:
        services.points_award_manual(customer=customer, points=n - total, reason="test", actor=None)
        total = n
        text = get_page(client, settings, customer, language, "events:me")
        assert has_phrase(text, POINTS[language][n]), (language, n)


@pytest.mark.parametrize("language", ["ru", "ky"])
def test_event_list_counts_places_left_and_points(client, settings, customer, language):
    for n in COUNTS:
        EventFactory(capacity=n, points_reward=n, title=f"Событие {n}", title_en=f"Event {n}")
    text = get_page(client, settings, customer, language, "events:event-list")
    for n in COUNTS:
        assert has_phrase(text, PLACES_LEFT[language][n]), (language, n)
        assert has_phrase(text, POINTS[language][n]), (language, n)


def test_statuses_agree_with_their_nouns_in_russian(client, settings, customer):
    event = EventFactory()
    registration = services.registration_create(customer=customer, event=event)
    Registration.objects.filter(pk=registration.pk).update(status=Registration.Status.CANCELLED)
    text = get_page(client, settings, customer, "ru", "events:registration-list")
    assert has_phrase(text, "отменена") and not has_phrase(text, "отменён")


@pytest.mark.parametrize(
    "language, hours, phrase",
    [
        ("ru", 1, "начнётся через 1 час"),
        ("ru", 2, "начнётся через 2 часа"),
        ("ru", 5, "начнётся через 5 часов"),
        ("ru", 21, "начнётся через 21 час"),
        ("ky", 2, "2 саатта башталат"),
        ("ky", 21, "21 саатта башталат"),
    ],
)
def test_reminder_email_subject_counts_hours(customer, language, hours, phrase):
    event = EventFactory()
    registration = services.registration_create(customer=customer, event=event)
    context = {"event": event, "registration": registration, "hours": hours, "url": "", "recipient": customer}
    assert phrase in render_kind("events.reminder", language=language, context=context).subject
