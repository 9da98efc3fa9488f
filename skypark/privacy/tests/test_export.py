import json

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from skypark.privacy.selectors import personal_data_export

pytestmark = pytest.mark.django_db

FILLED = {
    "accounts": ["children"],
    "orders": ["orders", "order_lines", "payments"],
    "parks": ["tickets"],
    "events": ["registrations"],
    "bookings": ["bookings", "attendees", "certificates"],
    "loyalty": ["accounts", "ledger", "point_lots", "coupons"],
    "notifications": ["notifications"],
}


def test_export_holds_the_customers_rows_from_every_domain_and_nothing_of_another(make_customer):
    me = make_customer(name="Aigerim Toktosunova", child_name="Nurlan")
    other = make_customer(name="Bakyt Osmonov", child_name="Elnura")

    data = personal_data_export(user=me)

    sections = data["sections"]
    assert sections["accounts"]["profile"]["phone"] == me.phone
    assert sections["accounts"]["profile"]["name"] == "Aigerim Toktosunova"
    assert [c["name"] for c in sections["accounts"]["children"]] == ["Nurlan"]
    for key, lists in FILLED.items():
        for name in lists:
            assert sections[key][name], f"{key}.{name} is empty"
    text = json.dumps(data, ensure_ascii=False)
    assert "Dear Aigerim Toktosunova" in text
    for foreign in (other.phone, other.customer_code, "Bakyt", "Elnura"):
        assert foreign not in text
    assert all(o["customer_id"] == me.pk for o in sections["orders"]["orders"])
    assert all(a["customer_id"] == me.pk for a in sections["loyalty"]["accounts"])
    assert "password" not in sections["accounts"]["profile"]


def test_my_data_page_offers_the_download_as_a_file(client, make_customer):
    me = make_customer()
    client.force_login(me)

    page = client.get(reverse("privacy:my-data"))
    assert page.status_code == 200
    assert reverse("privacy:download").encode() in page.content
    assert b"Download my data" in page.content

    response = client.get(reverse("privacy:download"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert json.loads(response.content)["sections"]["accounts"]["profile"]["phone"] == me.phone


def test_profile_links_to_my_data(client, make_customer):
    me = make_customer()
    client.force_login(me)
    assert reverse("privacy:my-data").encode() in client.get(reverse("accounts:profile")).content


def test_pages_need_a_log_in(client):
    for name in ("privacy:my-data", "privacy:download", "privacy:erase"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_api_export_is_own_data_only(make_customer):
    me = make_customer(name="Aigerim Toktosunova")
    other = make_customer(name="Bakyt Osmonov", child_name="Elnura")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(me).access_token}")

    response = client.get("/api/v1/me/data/")

    assert response.status_code == 200
    assert response.json()["customer_id"] == me.pk
    assert other.phone not in response.content.decode()
    assert "Elnura" not in response.content.decode()
    assert response["Content-Disposition"].startswith("attachment")
    # No way to ask for someone else's: the endpoint takes no id.
    assert client.get(f"/api/v1/me/data/?user={other.pk}").json()["customer_id"] == me.pk
    assert APIClient().get("/api/v1/me/data/").status_code == 401


@pytest.mark.parametrize(
    "language, title, button",
    [
        ("ru", "Мои данные", "Скачать мои данные"),
        ("ky", "Менин маалыматтарым", "Маалыматтарымды жүктөп алуу"),
        ("en", "My data", "Download my data"),
    ],
)
def test_my_data_page_in_each_language(client, customer, language, title, button):
    customer.language = language
    customer.save()
    client.force_login(customer)
    with translation.override(language):
        url = reverse("privacy:my-data")
    page = client.get(url).content.decode()
    assert f"<h1>{title}</h1>" in page
    assert button in page
