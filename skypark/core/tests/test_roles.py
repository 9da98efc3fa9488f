import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from skypark.accounts.tests.factories import MembershipFactory, UserFactory
from skypark.core.roles import ROLES, role_groups_sync

pytestmark = pytest.mark.django_db


def _sections(client):
    return [str(app["name"]) for app in client.get(reverse("admin:index")).context["app_list"]]


def _member_of(group_name, user=None):
    user = user or UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def test_sync_is_idempotent_and_makes_every_role():
    first = role_groups_sync()
    assert role_groups_sync() == first
    assert set(first) == {r.group for r in ROLES}
    assert all(count > 0 for count in first.values())


@pytest.mark.parametrize(
    "group, sections",
    [
        ("Park managers", ["Parks", "Customers", "Finance"]),
        ("Event organisers", ["Events", "Customers"]),
        ("Course administrators", ["Courses", "Customers"]),
        ("Network staff", ["Loyalty network", "Customers"]),
        ("Customer care", ["Customers"]),
        ("Finance", ["Finance"]),
    ],
)
def test_each_role_sees_its_sections_only(client, group, sections):
    role_groups_sync()
    client.force_login(_member_of(group))
    assert _sections(client) == sections


def test_instructors_see_the_courses_section_only(client):
    from bookings.models import INSTRUCTORS_GROUP

    client.force_login(_member_of(INSTRUCTORS_GROUP))
    assert _sections(client) == ["Courses"]


def test_merchant_staff_see_only_their_merchants_rows(client):
    role_groups_sync()
    mine, theirs = MembershipFactory(), MembershipFactory()
    _member_of("Merchant staff", mine.user)
    client.force_login(mine.user)
    assert _sections(client) == ["Loyalty network", "Customers"]
    html = client.get(reverse("admin:accounts_merchantmembership_changelist")).content.decode()
    assert mine.merchant.name in html and theirs.merchant.name not in html
