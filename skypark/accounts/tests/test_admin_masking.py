"""What merchant staff see of their own merchant's customers: contact details masked
outside the till (cashier) role, never children or birth dates, never their history."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from skypark.accounts.masking import contact_masking, mask_email, mask_phone
from skypark.accounts.models import MerchantMembership, User
from skypark.accounts.tests.factories import (
    ChildFactory,
    MembershipFactory,
    MerchantFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PHONE = "+996555123456"
SHOWN_PHONE = "+996 555 123 456"
EMAIL = "aigul.customer@example.kg"


def staff_of(merchant, role):
    user = MembershipFactory(merchant=merchant, role=role).user
    user.user_permissions.set(
        Permission.objects.filter(codename__startswith="view_").exclude(codename="view_all_merchants")
    )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def shop():
    from loyalty.tests.factories import give_points

    merchant = MerchantFactory()
    customer = UserFactory(phone=PHONE, email=EMAIL, name="Aigul Customer", birth_date=datetime.date(1990, 3, 14))
    ChildFactory(parent=customer, name="Zyxwa Childname")
    account = give_points(customer, 10, merchant=merchant).account
    return {"merchant": merchant, "customer": customer, "account": account}


def _get(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    return response, response.content.decode()


def test_masks_keep_the_country_code_and_the_last_digits():
    assert mask_phone(PHONE) == "+996 *** *** *56"
    assert mask_email(EMAIL) == "a***@example.kg"
    assert mask_email(None) is None


@pytest.mark.parametrize(
    "url_name", ["admin:accounts_user_change", "admin:accounts_user_changelist", "admin:accounts_user_customer_page"]
)
def test_a_manager_sees_contact_details_masked_and_no_children_or_birth_date(client, shop, url_name):
    manager = staff_of(shop["merchant"], MerchantMembership.Role.MANAGER)
    args = [] if url_name.endswith("changelist") else [shop["customer"].pk]
    response, html = _get(client, manager, reverse(url_name, args=args))
    assert response.status_code == 200
    assert "Aigul Customer" in html
    assert "+996 *** *** *56" in html
    for secret in (SHOWN_PHONE, PHONE, EMAIL, "Zyxwa", "1990", "14.03"):
        assert secret not in html, secret
    if url_name.endswith("change"):
        assert "a***@example.kg" in html


def test_a_cashier_sees_phone_and_email_but_still_no_children(client, shop):
    cashier = staff_of(shop["merchant"], MerchantMembership.Role.CASHIER)
    response, html = _get(client, cashier, reverse("admin:accounts_user_change", args=[shop["customer"].pk]))
    assert response.status_code == 200
    assert SHOWN_PHONE in html and EMAIL in html
    assert "Zyxwa" not in html and "1990" not in html


def test_network_staff_see_everything(client, shop):
    response, html = _get(client, StaffFactory(), reverse("admin:accounts_user_change", args=[shop["customer"].pk]))
    assert SHOWN_PHONE in html and EMAIL in html and "Zyxwa" in html


def test_the_customer_in_a_merchant_list_is_masked_too(client, shop):
    manager = staff_of(shop["merchant"], MerchantMembership.Role.MANAGER)
    response, html = _get(client, manager, reverse("admin:loyalty_account_changelist"))
    assert "+996 *** *** *56" in html and SHOWN_PHONE not in html


def test_the_autocomplete_lists_own_customers_masked(client, shop):
    from loyalty.tests.factories import give_points

    other = UserFactory(name="Other Shop Customer")
    give_points(other, 5, merchant=MerchantFactory())
    manager = staff_of(shop["merchant"], MerchantMembership.Role.MANAGER)
    response, _html = _get(
        client,
        manager,
        reverse("admin:autocomplete"),
        app_label="loyalty",
        model_name="account",
        field_name="customer",
        term="",
    )
    texts = [item["text"] for item in response.json()["results"]]
    assert texts == ["Aigul Customer (+996 *** *** *56)"]


def test_the_export_is_masked(client, shop):
    manager = staff_of(shop["merchant"], MerchantMembership.Role.MANAGER)
    response, text = _get(client, manager, reverse("admin:export", args=["loyalty", "account", "csv"]))
    assert response.status_code == 200
    assert "+996 *** *** *56" in text and SHOWN_PHONE not in text


def test_the_background_export_masks_for_the_user_who_asked(shop):
    from skypark.core.admin_export import run_export
    from skypark.core.models import StaffJob

    manager = staff_of(shop["merchant"], MerchantMembership.Role.MANAGER)
    job = StaffJob.objects.create(
        kind="core.admin_export",
        created_by=manager,
        params={"app_label": "loyalty", "model_name": "account", "format": "csv", "query": "", "user_id": manager.pk},
    )
    result = run_export(job, lambda done, total: None)
    from django.core.files.storage import default_storage

    text = default_storage.open(result["file"]).read().decode("utf-8-sig")
    assert "+996 *** *** *56" in text and SHOWN_PHONE not in text


def test_merchant_staff_cannot_open_children_history_or_act_on_customers(client, shop):
    manager = staff_of(shop["merchant"], MerchantMembership.Role.MANAGER)
    child = shop["customer"].children.get()
    client.force_login(manager)
    assert client.get(reverse("admin:accounts_child_change", args=[child.pk])).status_code == 403
    assert client.get(reverse("admin:accounts_child_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_user_history", args=[shop["customer"].pk])).status_code == 403
    changelist = client.get(reverse("admin:accounts_user_changelist"))
    assert "action" not in changelist.context or not changelist.context["cl"].actions
    assert "download_personal_data" not in changelist.content.decode()


def test_masking_is_off_outside_the_back_office(shop):
    customer = shop["customer"]
    assert customer.phone_display == SHOWN_PHONE
    manager = staff_of(shop["merchant"], MerchantMembership.Role.MANAGER)
    with contact_masking(manager):
        assert customer.phone_display == "+996 *** *** *56"
        assert customer.email_display == "a***@example.kg"
    assert customer.phone_display == SHOWN_PHONE


def test_the_event_attendance_file_is_masked_for_a_manager(client, shop):
    from events.models import Registration
    from events.tests.factories import EventFactory

    event = EventFactory(organiser=shop["merchant"])
    Registration.objects.create(event=event, customer=shop["customer"], status="confirmed")
    manager = staff_of(shop["merchant"], MerchantMembership.Role.MANAGER)
    response, text = _get(client, manager, reverse("admin:events-attendance", args=[event.pk]))
    assert response.status_code == 200
    assert "+996 *** *** *56" in text and PHONE not in text
    cashier = staff_of(shop["merchant"], MerchantMembership.Role.CASHIER)
    _response, text = _get(client, cashier, reverse("admin:events-attendance", args=[event.pk]))
    assert PHONE in text
