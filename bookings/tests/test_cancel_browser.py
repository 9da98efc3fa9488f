"""Cancelling a course booking in a real browser, in Russian, on a phone and a desktop:
the confirmation page shows the refund before anything happens; after it, the booking
says partially refunded."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from bookings import services
from bookings.models import Booking
from skypark.accounts.tests.factories import UserFactory
from skypark.commerce.models import Refund
from skypark.commerce.services import payment_complete, payment_start
from skypark.commerce.tests.cancel_walk import confirm, confirm_page, log_in

from .factories import CourseFactory, SessionFactory, in_days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cancel_a_course_booking_with_half_back(browser):
    learner = UserFactory(name="Азамат", language="ru")
    session = SessionFactory(course=CourseFactory(name="Первая помощь на работе"), starts_at=in_days(3))
    booking = services.booking_create(customer=learner, session=session)
    payment, _ = payment_start(order=booking.order, provider="sandbox", method="visa")
    payment_complete(payment=payment, external_id=payment.external_id)
    services.bookings_confirm(order=booking.order)

    log_in(browser, learner)
    with translation.override("ru"):
        detail = reverse("bookings:booking-detail", args=[booking.reference])
        url = reverse("bookings:booking-cancel", args=[booking.reference])
    browser.get(browser.base_url + detail)
    assert url in browser.page_source  # the detail page links to the confirmation, no one-click cancel
    confirm_page(
        browser,
        url,
        name="booking-ru",
        shown=["вам вернут £50", "50% от уплаченных вами £100", "Первая помощь на работе"],
    )
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED
    text = confirm(browser, name="booking-ru")
    assert "Отменено. Вам вернут £50." in text
    assert "частично возвращена" in text
    assert [r.amount for r in Refund.objects.all()] == [Decimal("50.00")]
