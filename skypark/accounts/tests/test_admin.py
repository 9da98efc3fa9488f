import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skypark.accounts.models import MerchantApiKey
from skypark.accounts.tests.factories import (
    ChildFactory,
    MembershipFactory,
    MerchantFactory,
    UserFactory,
    issue_key,
)
from skypark.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def changelist_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:accounts_user_changelist",
        "admin:accounts_merchant_changelist",
        "admin:accounts_child_changelist",
        "admin:accounts_merchantapikey_changelist",
        "admin:accounts_merchantmembership_changelist",
    ],
)
def test_changelist_query_count_does_not_grow_with_rows(admin_client_logged, url_name):
    def add_rows(n):
        for _ in range(n):
            merchant = MerchantFactory()
            ChildFactory()
            issue_key(merchant)
            MembershipFactory(merchant=merchant)

    add_rows(2)
    few = changelist_queries(admin_client_logged, reverse(url_name))
    add_rows(15)
    many = changelist_queries(admin_client_logged, reverse(url_name))
    assert many == few


def test_dashboard_renders_with_panels(admin_client_logged):
    UserFactory()
    response = admin_client_logged.get(reverse("admin:index"))
    assert response.status_code == 200
    assert b"Sign-ups per day" in response.content
    assert b"<svg" in response.content


def test_admin_edit_writes_an_audit_entry_with_before_and_after(admin_client_logged, staff_user):
    customer = UserFactory(name="Old name")
    url = reverse("admin:accounts_user_change", args=[customer.pk])
    form = admin_client_logged.get(url).context["adminform"].form
    data = {
        k: v for k, v in form.initial.items() if v is not None and k not in ("groups", "user_permissions", "password")
    }
    data.update(
        {
            "name": "New name",
            "phone": customer.phone,
            "language": "ky",
            "children-TOTAL_FORMS": "0",
            "children-INITIAL_FORMS": "0",
            "merchant_memberships-TOTAL_FORMS": "0",
            "merchant_memberships-INITIAL_FORMS": "0",
        }
    )
    data.pop("last_login", None)
    data.pop("date_joined", None)
    data["birth_date"] = ""
    response = admin_client_logged.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    entry = AuditEntry.objects.get(action="accounts.user.changed", object_id=str(customer.pk))
    assert entry.actor_id == staff_user.pk
    assert entry.source == "admin"
    assert entry.changes["name"] == ("Old name", "New name")
    assert entry.after["password"] == "[hidden]"

    history = admin_client_logged.get(reverse("admin:accounts_user_history", args=[customer.pk]))
    assert history.status_code == 200
    assert b"accounts.user.changed" in history.content


def test_issuing_a_key_shows_it_once_and_stores_only_a_hash(admin_client_logged):
    merchant = MerchantFactory()
    url = reverse("admin:accounts_merchant_issue_key", args=[merchant.pk])
    assert admin_client_logged.get(url).status_code == 200
    response = admin_client_logged.post(url, {"name": "Till 1"})
    plaintext = response.context["plaintext"]
    assert plaintext.encode() in response.content
    key = MerchantApiKey.objects.get(merchant=merchant)
    assert plaintext not in (key.key_hash, key.prefix)
    # The merchant page lists the key by prefix only.
    page = admin_client_logged.get(reverse("admin:accounts_merchant_change", args=[merchant.pk]))
    assert key.prefix.encode() in page.content and plaintext.encode() not in page.content
    assert AuditEntry.objects.filter(action="accounts.api_key.issued").count() == 1


def test_the_admin_issues_test_keys_beside_live_ones(admin_client_logged):
    merchant = MerchantFactory()
    url = reverse("admin:accounts_merchant_issue_key", args=[merchant.pk])
    assert b'name="mode"' in admin_client_logged.get(url).content
    test = admin_client_logged.post(url, {"name": "Sandbox", "mode": "test"}).context["plaintext"]
    live = admin_client_logged.post(url, {"name": "Till", "mode": "live"}).context["plaintext"]
    assert test.startswith("sk_test_") and not live.startswith("sk_test_")
    assert dict(MerchantApiKey.objects.values_list("name", "mode")) == {"Sandbox": "test", "Till": "live"}
    refused = admin_client_logged.post(url, {"name": "Odd", "mode": "staging"})
    assert "plaintext" not in refused.context and not MerchantApiKey.objects.filter(name="Odd").exists()


def test_revoke_action(admin_client_logged):
    key, _ = issue_key(MerchantFactory())
    response = admin_client_logged.post(
        reverse("admin:accounts_merchantapikey_changelist"), {"action": "revoke_keys", "_selected_action": [key.pk]}
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_merchant_staff_see_only_their_merchant(client):
    from django.contrib.auth.models import Permission

    mine, other = MerchantFactory(name="Mine"), MerchantFactory(name="Other")
    membership = MembershipFactory(merchant=mine)
    user = membership.user
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_merchant", "view_merchantapikey"]))
    issue_key(mine, name="mine-key")
    issue_key(other, name="other-key")
    client.force_login(user)

    merchants = client.get(reverse("admin:accounts_merchant_changelist"))
    assert list(merchants.context["cl"].result_list) == [mine]
    assert client.get(reverse("admin:accounts_merchant_change", args=[other.pk])).status_code == 302
    keys = client.get(reverse("admin:accounts_merchantapikey_changelist"))
    assert [k.name for k in keys.context["cl"].result_list] == ["mine-key"]
    assert client.post(reverse("admin:accounts_merchant_issue_key", args=[other.pk]), {"name": "x"}).status_code == 404


def test_admin_login_page_works_for_anonymous_visitors(client):
    assert client.get(reverse("admin:login")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302


def test_anonymous_user_is_scoped_to_no_merchant():
    from django.contrib.auth.models import AnonymousUser

    from skypark.accounts.admin_scoping import merchant_ids_for

    assert merchant_ids_for(AnonymousUser()) == set()
