import pytest
from django.urls import reverse

from skypark.accounts.tests.factories import ChildFactory, MerchantFactory, UserFactory, issue_key

pytestmark = pytest.mark.django_db


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_register_then_log_in_with_another_spelling_of_the_phone(api_client, sms_codes):
    api_client.post(reverse("api:auth-register-code"), {"phone": "0555 123 456"}, format="json")
    response = api_client.post(
        reverse("api:auth-register"),
        {"phone": "0555 123 456", "code": sms_codes[-1], "password": "long-secret-1", "name": "Aida"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "+996555123456"

    tokens = api_client.post(reverse("api:auth-token"), {"login": "+996 555 123 456", "password": "long-secret-1"})
    assert tokens.status_code == 200
    access, refresh = tokens.json()["access"], tokens.json()["refresh"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert api_client.get(reverse("api:me")).json()["name"] == "Aida"

    refreshed = api_client.post(reverse("api:auth-token-refresh"), {"refresh": refresh})
    assert refreshed.status_code == 200 and refreshed.json()["access"]
    # Rotation blacklists the old refresh token.
    assert_error(api_client.post(reverse("api:auth-token-refresh"), {"refresh": refresh}), 401, "token_not_valid")


def test_wrong_password_is_a_401_json_error(api_client):
    UserFactory(phone="+996555000111")
    error = assert_error(
        api_client.post(reverse("api:auth-token"), {"login": "+996555000111", "password": "nope"}),
        401,
        "no_active_account",
    )
    assert "password" in error["message"].lower()


def test_validation_errors_have_one_shape_with_field_details(api_client):
    response = api_client.post(reverse("api:auth-register"), {"phone": "12", "password": "x"}, format="json")
    error = assert_error(response, 400, "validation_error")
    assert error["details"]["phone"][0]["code"] == "phone_invalid"
    assert "password" in error["details"]


def test_malformed_json_is_a_400_not_a_500(api_client):
    response = api_client.post(reverse("api:auth-register"), "{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_me_requires_authentication(api_client):
    assert_error(api_client.get(reverse("api:me")), 401, "not_authenticated")


def test_children_crud_and_isolation(customer_client, customer):
    created = customer_client.post(reverse("api:me-children"), {"name": "Bek", "birth_date": "2022-03-01"})
    assert created.status_code == 201
    child_id = created.json()["id"]
    assert [c["name"] for c in customer_client.get(reverse("api:me-children")).json()] == ["Bek"]

    future = customer_client.post(reverse("api:me-children"), {"name": "X", "birth_date": "2999-01-01"})
    assert assert_error(future, 400, "validation_error")["details"]["birth_date"][0]["code"] == "birth_date_future"

    other = ChildFactory()
    assert_error(customer_client.get(reverse("api:me-child", args=[other.pk])), 404, "not_found")
    assert_error(customer_client.delete(reverse("api:me-child", args=[other.pk])), 404, "not_found")
    assert customer_client.delete(reverse("api:me-child", args=[child_id])).status_code == 204
    assert customer_client.get(reverse("api:me-children")).json() == []


class TestPartnerKeys:
    def test_key_sees_its_own_merchant(self, api_client):
        merchant = MerchantFactory(code="cafe-a")
        _key, plaintext = issue_key(merchant)
        api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
        assert api_client.get(reverse("api:partner-me")).json()["code"] == "cafe-a"
        assert api_client.get(reverse("api:partner-merchant", args=["cafe-a"])).status_code == 200

    def test_key_of_merchant_a_gets_404_on_merchant_b(self, api_client):
        a, b = MerchantFactory(code="cafe-a"), MerchantFactory(code="shop-b")
        _key, plaintext = issue_key(a)
        issue_key(b, name="B's till")
        api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
        assert_error(api_client.get(reverse("api:partner-merchant", args=["shop-b"])), 404, "not_found")
        keys = api_client.get(reverse("api:partner-keys")).json()["results"]
        assert [k["name"] for k in keys] == ["POS"]

    @pytest.mark.parametrize("header", [None, "Api-Key sk_deadbeef.nope", "Api-Key", "Bearer abc"])
    def test_missing_or_bad_key_is_refused(self, api_client, header):
        if header:
            api_client.credentials(HTTP_AUTHORIZATION=header)
        response = api_client.get(reverse("api:partner-me"))
        assert response.status_code in (401, 403)
        assert response.json()["error"]["code"] in {"not_authenticated", "invalid_api_key", "authentication_failed"}

    def test_customer_token_is_not_a_partner_key(self, customer_client):
        assert customer_client.get(reverse("api:partner-me")).status_code in (401, 403)

    def test_partner_key_is_not_a_customer(self, api_client):
        _key, plaintext = issue_key(MerchantFactory())
        api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
        assert api_client.get(reverse("api:me")).status_code in (401, 403)


@pytest.mark.parametrize("header", ["   ", "\t"])
def test_blank_authorization_header_is_a_401_not_a_500(api_client, header):
    api_client.raise_request_exception = False
    response = api_client.get(reverse("api:partner-me"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_profile_api_refuses_a_birth_date_in_the_future(customer_client, customer):
    response = customer_client.patch(reverse("api:me"), {"birth_date": "2999-01-01"}, format="json")
    assert_error(response, 400, "validation_error")
    customer.refresh_from_db()
    assert customer.birth_date is None


def test_my_profile_answers_a_browser_session_as_it_answers_a_token(client):
    """The API also takes the site's session log-in: the profile must not depend on the
    kind of object the session puts in ``request.user``."""
    customer = UserFactory(name="Aida")
    client.force_login(customer)
    shown = client.get("/api/v1/me/")
    assert shown.status_code == 200 and shown.json()["name"] == "Aida"
    changed = client.patch("/api/v1/me/", {"name": "Aida K."}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["name"] == "Aida K."
