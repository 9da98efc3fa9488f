import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from skypark.accounts.admin_scoping import SCOPES, ScopedAdminMixin, scope_problems
from skypark.accounts.tests.factories import MembershipFactory
from skypark.core.admin_site import check_admin_scopes


class _Undeclared(ScopedAdminMixin, admin.ModelAdmin):
    pass


def test_every_registered_admin_declares_a_scope():
    assert check_admin_scopes() == []
    for model_admin in admin.site._registry.values():
        assert isinstance(model_admin, ScopedAdminMixin) and model_admin.scope in SCOPES


def test_an_admin_without_a_scope_fails_the_start_up_check():
    from loyalty.models import Coupon

    registry = admin.site._registry
    original = registry[Coupon]
    registry[Coupon] = _Undeclared(Coupon, admin.site)
    try:
        errors = check_admin_scopes()
    finally:
        registry[Coupon] = original
    assert [e.id for e in errors] == ["skypark.E001"]
    assert scope_problems(admin.ModelAdmin(Coupon, admin.site)) == ["ModelAdmin does not inherit ScopedAdminMixin"]


def test_a_wrong_lookup_is_reported():
    from loyalty.models import Coupon

    class Wrong(ScopedAdminMixin, admin.ModelAdmin):
        scope = "merchant"
        merchant_lookup = "shop"

    assert scope_problems(Wrong(Coupon, admin.site)) == ["Wrong: 'shop' is not a path from loyalty.Coupon"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name", ["admin:audit_auditentry_changelist", "admin:accounts_child_changelist", "admin:auth_group_changelist"]
)
def test_network_lists_are_closed_to_merchant_staff(client, url_name):
    user = MembershipFactory().user
    user.user_permissions.set(
        Permission.objects.filter(codename__startswith="view_").exclude(codename="view_all_merchants")
    )
    client.force_login(user)
    assert client.get(reverse(url_name)).status_code == 403


@pytest.mark.django_db
def test_merchant_staff_cannot_award_event_points_to_any_customer(client):
    user = MembershipFactory().user
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_memberprofile", "add_pointsentry", "view_pointsentry"])
    )
    client.force_login(user)
    assert client.get(reverse("admin:events-award")).status_code == 403
    response = client.post(reverse("admin:events-award"), {"phone": "+996555000111", "points": 5, "reason": "x"})
    assert response.status_code == 403
