"""Groups on events: one unit in the capacity and on the waiting list, split only when
the customer allows it."""

from decimal import Decimal

import pytest

from events import services
from events.errors import InvalidAttendees
from events.models import Event, Registration
from skypark.accounts.tests.factories import ChildFactory, UserFactory

from .factories import EventFactory

pytestmark = pytest.mark.django_db
S = Registration.Status


def family(size, *, split=False, event, customer=None):
    """The customer and ``size - 1`` people: their children first, then adults by name."""
    customer = customer or UserFactory()
    people = [{"child": ChildFactory(parent=customer).pk} for _ in range(min(size - 1, 2))]
    people += [{"name": f"Adult {n}"} for n in range(size - 1 - len(people))]
    return services.registration_create(customer=customer, event=event, attendees=people, split_if_needed=split)


def single(event):
    return services.registration_create(customer=UserFactory(), event=event)


def taken(event):
    event.refresh_from_db()
    return event.places_taken


def test_a_family_takes_one_place_per_person_and_is_confirmed_as_one(event):
    registration = family(4, event=event)
    assert registration.status == S.CONFIRMED
    assert registration.places == 4
    names = [a.name for a in registration.attendees.order_by("position")]
    assert len(names) == 4 and registration.attendees.filter(is_customer=True).count() == 1
    assert registration.attendees.exclude(child=None).count() == 2
    assert taken(event) == 4


def test_a_group_that_does_not_fit_waits_whole(event):
    event.capacity = 5
    event.save()
    family(3, event=event)
    waiting = family(4, event=event)
    assert waiting.status == S.WAITLISTED and waiting.places == 4
    assert services.waitlist_position(waiting) == 1
    assert taken(event) == 3


def test_a_family_of_4_is_offered_only_when_4_places_free_up():
    event = EventFactory(capacity=4, price=Decimal("100"))
    holders = [single(event) for _ in range(4)]
    waiting = family(4, event=event)
    assert waiting.status == S.WAITLISTED
    for number, holder in enumerate(holders[:3], start=1):
        services.registration_cancel(registration=holder, actor=holder.customer)
        waiting.refresh_from_db()
        assert waiting.status == S.WAITLISTED, f"offered after {number} free places"
        assert taken(event) == 4 - number
    services.registration_cancel(registration=holders[3], actor=holders[3].customer)
    waiting.refresh_from_db()
    assert waiting.status == S.OFFERED
    assert taken(event) == 4
    accepted = services.registration_offer_accept(registration=waiting)
    assert accepted.status == S.PENDING_PAYMENT
    assert accepted.order.lines.count() == 4
    assert accepted.order.total == Decimal("400.00")


def test_a_family_of_4_that_splits_is_offered_2_places_and_the_rest_keep_their_turn():
    event = EventFactory(capacity=4, price=Decimal("100"))
    pair = family(2, event=event)
    single(event), single(event)
    waiting = family(4, split=True, event=event)
    later = single(event)
    services.registration_cancel(registration=pair, actor=pair.customer)
    waiting.refresh_from_db()
    assert waiting.status == S.OFFERED and waiting.places == 2
    assert waiting.attendees.filter(is_customer=True).exists()
    part = Registration.objects.get(part_of=waiting)
    assert part.status == S.WAITLISTED and part.places == 2
    assert part.attendees.count() == 2
    assert services.waitlist_position(part) == 1
    later.refresh_from_db()
    assert services.waitlist_position(later) == 2
    assert taken(event) == 4


def test_the_first_entry_that_fits_is_offered_not_the_first_in_line():
    event = EventFactory(capacity=2, price=Decimal("50"))
    holders = [single(event) for _ in range(2)]
    big = family(3, event=event)
    small = single(event)
    services.registration_cancel(registration=holders[0], actor=holders[0].customer)
    big.refresh_from_db()
    small.refresh_from_db()
    assert big.status == S.WAITLISTED
    assert small.status == S.OFFERED
    assert services.waitlist_position(big) == 1


def test_a_newcomer_does_not_jump_a_waiting_group_that_fits():
    event = EventFactory(capacity=3)
    family(3, event=event)
    waiting = family(2, event=event)
    Event.objects.filter(pk=event.pk).update(capacity=5)
    newcomer = single(event)
    waiting.refresh_from_db()
    assert waiting.status == S.CONFIRMED
    assert newcomer.status == S.WAITLISTED
    assert taken(event) == 5


def test_split_on_registration_gives_the_places_left_and_waits_for_the_rest(event):
    event.capacity = 3
    event.save()
    single(event)
    registration = family(4, split=True, event=event)
    assert registration.status == S.CONFIRMED and registration.places == 2
    part = registration.parts.get()
    assert part.status == S.WAITLISTED and part.places == 2
    assert taken(event) == 3


def test_cancelling_the_group_cancels_its_waiting_part_too(event):
    event.capacity = 3
    event.save()
    registration = family(5, split=True, event=event)
    part = registration.parts.get()
    services.registration_cancel(registration=registration, actor=registration.customer)
    part.refresh_from_db()
    registration.refresh_from_db()
    assert registration.status == S.CANCELLED and part.status == S.CANCELLED
    assert taken(event) == 0


@pytest.mark.parametrize(
    "attendees",
    [
        [{"child": 0}],
        [{"name": ""}],
        [{"name": "Aida"}, {"name": "aida"}],
        [{"child": 1, "name": "Both"}],
        [{"name": f"P{n}"} for n in range(25)],
    ],
)
def test_inconsistent_groups_are_refused_and_nothing_is_written(event, customer, attendees):
    own = ChildFactory(parent=customer)
    attendees = [{**a, "child": own.pk} if a.get("child") == 1 else a for a in attendees]
    with pytest.raises(InvalidAttendees):
        services.registration_create(customer=customer, event=event, attendees=attendees)
    assert not Registration.objects.exists()
    assert taken(event) == 0


def test_someone_elses_child_and_a_child_twice_are_refused(event, customer):
    other = ChildFactory(parent=UserFactory())
    with pytest.raises(InvalidAttendees):
        services.registration_create(customer=customer, event=event, attendees=[{"child": other.pk}])
    mine = ChildFactory(parent=customer)
    with pytest.raises(InvalidAttendees):
        services.registration_create(customer=customer, event=event, attendees=[{"child": mine.pk}] * 2)


def test_api_registers_a_group_and_refuses_unknown_or_inconsistent_input(customer_client, customer, event):
    url = f"/api/v1/events/{event.pk}/register/"
    for body in ({"places": 2}, {"attendees": [{"name": "A", "age": 3}]}, {"attendees": [{}]}, {"attendees": "x"}):
        answer = customer_client.post(url, body, format="json")
        assert answer.status_code == 400, body
        assert answer.json()["error"]["code"] == "validation_error"
    assert "places" in customer_client.post(url, {"places": 2}, format="json").json()["error"]["details"]
    other = ChildFactory(parent=UserFactory())
    answer = customer_client.post(url, {"attendees": [{"child": other.pk}]}, format="json")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_attendees"
    child = ChildFactory(parent=customer)
    answer = customer_client.post(
        url, {"attendees": [{"child": child.pk}, {"name": "Granny"}], "split_if_needed": True}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["places"] == 3 and body["split_if_needed"] is True
    assert [a["name"] for a in body["attendees"]][1:] == [child.name, "Granny"]
