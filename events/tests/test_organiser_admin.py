"""Organisers who are merchant staff create and manage events of their own merchant only."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from events.models import Event
from skypark.accounts.tests.factories import MembershipFactory, MerchantFactory, UserFactory
from skypark.core.roles import role_groups_sync

from .factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser():
    role_groups_sync()
    membership = MembershipFactory()
    membership.user.is_staff = True
    membership.user.save(update_fields=["is_staff"])
    membership.user.groups.add(Group.objects.get(name="Merchant event organisers"))
    return membership


def _form(user, data):
    request = RequestFactory().get("/")
    request.user = user
    form_class = admin.site._registry[Event].get_form(request)
    return form_class(data=data)


def test_the_organiser_field_offers_only_their_merchant_and_is_required(organiser):
    other = MerchantFactory()
    empty = _form(organiser.user, {"organiser": ""})
    foreign = _form(organiser.user, {"organiser": other.pk})
    own = _form(organiser.user, {"organiser": organiser.merchant.pk})
    assert "organiser" in empty.errors and "organiser" in foreign.errors
    assert "organiser" not in own.errors
    assert own.fields["organiser"].initial == organiser.merchant.pk


def test_network_staff_may_still_leave_an_event_to_the_community():
    form = _form(UserFactory(is_staff=True, is_superuser=True), {"organiser": ""})
    assert "organiser" not in form.errors


def test_organisers_may_add_and_change_their_events_but_not_another_merchants(client, organiser):
    mine = EventFactory(organiser=organiser.merchant)
    theirs = EventFactory(organiser=MerchantFactory())
    community = EventFactory(organiser=None)
    client.force_login(organiser.user)
    assert client.get(reverse("admin:events_event_add")).status_code == 200
    assert client.get(reverse("admin:events_event_change", args=[mine.pk])).status_code == 200
    for event in (theirs, community):
        response = client.get(reverse("admin:events_event_change", args=[event.pk]))
        assert response.status_code in (302, 404)
    # Actions run on their own rows only: cancelling B's event through the list changes nothing.
    client.post(
        reverse("admin:events_event_changelist"),
        {"action": "cancel_events", "_selected_action": [theirs.pk], "index": 0},
    )
    theirs.refresh_from_db()
    assert theirs.status == Event.Status.PUBLISHED
