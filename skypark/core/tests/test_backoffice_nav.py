import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from skypark.accounts.tests.factories import MembershipFactory, StaffFactory, UserFactory
from skypark.core.backoffice import SECTIONS, section_of_model

pytestmark = pytest.mark.django_db

PLATFORM_APPS = {"accounts", "commerce", "parks", "notify", "loyalty", "events", "bookings"}


def _section_names(response):
    return [str(app["name"]) for app in response.context["app_list"]]


def test_every_model_of_the_business_apps_sits_in_a_business_section():
    for model in admin.site._registry:
        if model._meta.app_label in PLATFORM_APPS:
            assert section_of_model(model).business, model


def test_sections_follow_the_business_areas():
    placed = {f"{m._meta.app_label}.{m._meta.model_name}": section_of_model(m).key for m in admin.site._registry}
    assert placed["parks.ticket"] == "parks"
    assert placed["events.event"] == "events"
    assert placed["bookings.coursesession"] == "courses"
    assert placed["loyalty.ledgerentry"] == "loyalty"
    assert placed["accounts.merchant"] == "loyalty"
    assert placed["accounts.user"] == "customers"
    assert placed["notify.notification"] == "customers"
    assert placed["commerce.order"] == "finance"
    assert placed["core.staffjob"] == "system"
    assert placed["auth.group"] == "system"
    assert placed["audit.auditentry"] == "system"


def test_superuser_index_lists_every_section_in_order(client):
    client.force_login(StaffFactory())
    response = client.get(reverse("admin:index"))
    assert _section_names(response) == [str(s.title) for s in sorted(SECTIONS.values(), key=lambda s: s.order)]
    html = response.content.decode()
    assert 'href="/admin/section/parks/"' in html
    assert html.index(">Parks<") < html.index(">Events<") < html.index(">Courses<") < html.index(">System<")


def test_a_section_page_lists_only_its_models(client):
    client.force_login(StaffFactory())
    response = client.get(reverse("admin:section", args=["courses"]))
    assert response.status_code == 200
    [section] = response.context["app_list"]
    assert str(section["name"]) == "Courses"
    assert {m["object_name"] for m in section["models"]} >= {"Booking", "CourseSession", "Venue", "Certificate"}
    assert "Ticket" not in response.content.decode()


def test_unknown_section_is_404(client):
    client.force_login(StaffFactory())
    assert client.get("/admin/section/nowhere/").status_code == 404


def _staff_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_a_parks_role_sees_only_the_parks_section(client):
    client.force_login(_staff_with("view_ticket", "change_ticket", "view_park", "view_parkvisit"))
    response = client.get(reverse("admin:index"))
    assert _section_names(response) == ["Parks"]
    html = response.content.decode()
    for hidden in ("Finance", "System", "Loyalty network", "Orders", "Background jobs"):
        assert f">{hidden}<" not in html
    sidebar = client.get(reverse("admin:parks_ticket_changelist")).content.decode()
    assert 'id="nav-sidebar"' in sidebar and ">Parks<" in sidebar and ">Finance<" not in sidebar
    assert client.get(reverse("admin:section", args=["finance"])).status_code == 404


def test_merchant_staff_see_the_loyalty_network_section(client):
    membership = MembershipFactory()
    membership.user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_account", "view_ledgerentry", "view_postransaction"])
    )
    client.force_login(membership.user)
    response = client.get(reverse("admin:index"))
    assert _section_names(response) == ["Loyalty network"]


def test_app_pages_still_work(client):
    client.force_login(StaffFactory())
    for config in apps.get_app_configs():
        if any(m._meta.app_config is config for m in admin.site._registry):
            assert client.get(reverse("admin:app_list", args=[config.label])).status_code == 200
