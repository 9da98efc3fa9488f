"""Course pages in Russian and Kyrgyz: places left, hours and certificate years with
their plural forms, and a booking status that agrees with "запись" (feminine)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from bookings import services
from bookings.errors import InvalidSession
from bookings.models import Booking, CourseSession
from bookings.services.scheduling import session_validate
from skypark.core.testing_i18n import COUNTS, get_page, has_phrase

from .factories import CourseFactory, SessionFactory, VenueFactory

pytestmark = pytest.mark.django_db

PLACES = {
    "ru": {1: "1 место", 2: "2 места", 5: "5 мест", 21: "21 место"},
    "ky": {1: "1 орун", 2: "2 орун", 5: "5 орун", 21: "21 орун"},
}


@pytest.mark.parametrize("language", ["ru", "ky"])
def test_session_list_counts_places_left(client, settings, language):
    for n in COUNTS:
        SessionFactory(capacity=n, venue__capacity=30)
    text = get_page(client, settings, None, language, "bookings:session-list")
    for n in COUNTS:
        assert has_phrase(text, PLACES[language][n]), (language, n)


def test_course_hours_and_certificate_years_in_russian(client, settings):
    CourseFactory(duration_hours=Decimal("1.00"), certificate_validity_years=1)
    CourseFactory(duration_hours=Decimal("2.00"), certificate_validity_years=2)
    CourseFactory(duration_hours=Decimal("5.00"), certificate_validity_years=5)
    CourseFactory(duration_hours=Decimal("21.00"), certificate_validity_years=21)
    CourseFactory(duration_hours=Decimal("3.50"), certificate_validity_years=3)
    text = get_page(client, settings, None, "ru", "bookings:course-list")
    for phrase in ("1 час", "2 часа", "5 часов", "21 час", "3,50 часа"):
        assert has_phrase(text, phrase), phrase
    for phrase in ("действует 1 год", "действует 2 года", "действует 5 лет", "действует 21 год"):
        assert has_phrase(text, phrase), phrase


def test_course_hours_in_kyrgyz(client, settings):
    CourseFactory(duration_hours=Decimal("21.00"), certificate_validity_years=2)
    text = get_page(client, settings, None, "ky", "bookings:course-list")
    assert has_phrase(text, "21 саат") and has_phrase(text, "сертификат 2 жыл жарактуу")


def test_booking_status_agrees_with_booking_in_russian(client, settings, customer, session):
    booking = services.booking_create(customer=customer, session=session)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    text = get_page(client, settings, customer, "ru", "bookings:booking-detail", booking.reference)
    assert has_phrase(text, "отменена") and not has_phrase(text, "отменён")


@pytest.mark.parametrize(
    "count, message", [(1, "Опубликовано 1 занятие."), (2, "Опубликовано 2 занятия."), (5, "Опубликовано 5 занятий.")]
)
def test_admin_action_message_counts_sessions_in_russian(admin_client_logged, settings, count, message):
    settings.LANGUAGE_CODE = "ru"
    sessions = [SessionFactory(status=CourseSession.Status.DRAFT) for _ in range(count)]
    response = admin_client_logged.post(
        reverse("admin:bookings_coursesession_changelist"),
        {"action": "publish_selected", "_selected_action": [s.pk for s in sessions]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [message]


@pytest.mark.parametrize(
    "capacity, message",
    [
        (1, "Площадка вмещает не больше 1 человека."),
        (2, "Площадка вмещает не больше 2 человек."),
        (21, "Площадка вмещает не больше 21 человека."),
    ],
)
def test_capacity_error_counts_people_in_russian(capacity, message):
    session = SessionFactory.build(capacity=capacity + 1, venue=VenueFactory(capacity=capacity))
    with translation.override("ru"), pytest.raises(InvalidSession) as refused:
        session_validate(session)
    assert refused.value.details["capacity"] == message
