"""The admin dashboard keeps the merchant boundary: every panel declares a scope,
network panels are not built for merchant staff, and the rest count only the viewer's
merchant. Only merchant B has activity here, so every figure merchant A's staff see
must be zero while network staff see B's activity in the same panels."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.utils import timezone

from skypark.accounts.admin_scoping import NETWORK, SCOPES
from skypark.accounts.models import User
from skypark.accounts.tests.factories import MembershipFactory, MerchantFactory, StaffFactory, UserFactory
from skypark.core import dashboard

pytestmark = pytest.mark.django_db


def merchant_staff(merchant):
    """A member of ``merchant``'s staff with every view permission but the one that lifts
    the merchant boundary."""
    user = MembershipFactory(merchant=merchant).user
    user.user_permissions.set(
        Permission.objects.filter(codename__startswith="view_").exclude(codename="view_all_merchants")
    )
    return User.objects.get(pk=user.pk)


def _panels(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return {str(panel.title): panel for panel in dashboard.panels_for(request)}


def _numbers(panel):
    values = [figure.value for figure in panel.figures]
    values += [value for series in panel.series for _label, value in series.points]
    return [v for v in values if isinstance(v, (int, float)) or hasattr(v, "as_tuple")]


@pytest.fixture
def merchant_b_busy():
    from events import services as events_services
    from events.tests.factories import EventFactory
    from loyalty.models import MerchantDailyStats
    from loyalty.tests.factories import give_points

    merchant_a, merchant_b = MerchantFactory(), MerchantFactory()
    customer = UserFactory()
    give_points(customer, 10, merchant=merchant_b)
    event = EventFactory(organiser=merchant_b, starts_at=timezone.now() + datetime.timedelta(days=1))
    events_services.registration_create(customer=customer, event=event)
    MerchantDailyStats.objects.create(merchant=merchant_b, date=timezone.localdate(), points_issued=40)
    return merchant_a


def test_every_panel_declares_a_scope():
    assert dashboard._providers
    for provider in dashboard._providers:
        assert provider.scope in SCOPES, provider


def test_a_panel_without_a_scope_cannot_be_registered():
    with pytest.raises(ValueError):
        dashboard.register(scope="everyone")
    with pytest.raises(TypeError):
        dashboard.register(lambda request: None)


def test_merchant_staff_see_no_figure_of_another_merchant(merchant_b_busy):
    network = _panels(StaffFactory())
    mine = _panels(merchant_staff(merchant_b_busy))
    assert mine, "merchant staff with every view permission see some panels"
    scoped = {provider.scope for provider in dashboard._providers}
    assert NETWORK in scoped
    for title, panel in mine.items():
        assert title in network
        assert all(value == 0 for value in _numbers(panel)), (title, _numbers(panel))
    busy = [title for title in mine if any(_numbers(network[title]))]
    assert len(busy) >= 3, busy  # loyalty points, events, customers: B's activity is there to leak


def test_network_panels_are_not_built_for_merchant_staff(merchant_b_busy):
    network_titles = set()
    for provider in dashboard._providers:
        if provider.scope == NETWORK:
            request = RequestFactory().get("/admin/")
            request.user = StaffFactory()
            panel = provider(request)
            if panel is not None:
                network_titles.add(str(panel.title))
    assert network_titles
    assert not network_titles & set(_panels(merchant_staff(merchant_b_busy)))
