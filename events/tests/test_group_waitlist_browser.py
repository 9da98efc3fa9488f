"""A family of three joins a full paid event's waiting list from the event page, is
offered the three places when another family cancels, and takes them: in a real
browser, in ru, ky and en, on a 390 px phone (JavaScript off) and a 1280 px desktop."""

from decimal import Decimal

import pytest
from selenium.webdriver.common.by import By

from events import services
from events.models import Registration
from skypark.accounts.tests.factories import ChildFactory, UserFactory
from skypark.core.tests.journeys import conftest as journeys
from skypark.core.tests.journeys.walk import SIZES, Walk
from skypark.parks.tests.test_browser import log_in

from .factories import EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = Registration.Status
# The journeys' fixtures: one screenshot folder per session, Chromium without JavaScript.
walk_root = journeys.walk_root
browser_nojs = journeys.browser_nojs
JAVASCRIPT = {"phone": False, "desktop": True}


@pytest.fixture
def family_browser(request, size):
    return request.getfixturevalue("browser" if JAVASCRIPT[size] else "browser_nojs")


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", ["ru", "ky", "en"])
def test_a_family_of_three_waits_for_a_full_event_and_takes_the_offer(family_browser, walk_root, language, size):
    browser = family_browser
    event = EventFactory(title_en="Family quiz", capacity=3, price=Decimal("500"))
    others = services.registration_create(
        customer=UserFactory(), event=event, attendees=[{"name": "Bolot"}, {"name": "Cholpon"}]
    )
    parent = UserFactory(name="Aigul Test", language=language)
    child = ChildFactory(parent=parent, name="Timur")

    walk = Walk(
        browser,
        base_url=browser.base_url,
        language=language,
        size=size,
        folder=walk_root / f"events-group-waitlist-{language}-{size}",
        javascript=JAVASCRIPT[size],
    )
    log_in(browser, parent.phone)
    walk.open(f"/events/{event.pk}/", "full event")
    assert walk.text(".places-left").startswith("0 / 3")
    browser.find_element(By.CSS_SELECTOR, f"input[name=children][value='{child.pk}']").click()
    walk.fill(adults="Granny Asel")
    walk.step("group filled in")
    walk.click("main form button[name=register]", "on the waiting list", "Timur", "Granny Asel", "Aigul Test")
    registration = Registration.objects.get(customer=parent, event=event)
    assert registration.status == S.WAITLISTED and registration.places == 3
    assert "1" in walk.text(".registration-status")

    # The other family cancels: the three places are offered to this one as a group.
    services.registration_cancel(registration=others, actor=others.customer)
    registration.refresh_from_db()
    assert registration.status == S.OFFERED
    walk.open(f"/events/registrations/{registration.pk}/", "offer")
    walk.click(f"main form[action$='/registrations/{registration.pk}/accept/'] button", "pay for the places")
    registration.refresh_from_db()
    assert registration.status == S.PENDING_PAYMENT
    assert registration.order.total == Decimal("1500.00")
    assert registration.order.reference in browser.current_url
