import pytest
from django.urls import reverse

from loyalty import services
from loyalty.models import Referral
from skypark.accounts.tests.factories import UserFactory

from .factories import CouponFactory, give_points

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(client, customer):
    # English pages, so the assertions read the source strings.
    customer.language = "en"
    customer.save(update_fields=["language"])
    client.force_login(customer)
    return client


def test_card_needs_login(client):
    response = client.get(reverse("loyalty:card"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_card_shows_qr_balance_tier_progress_and_coupons(logged, customer):
    give_points(customer, 1200)
    services.tier_recalculate(account=customer.loyalty_accounts.get())
    CouponFactory(customer=customer, code="MINE2025")
    body = logged.get(reverse("loyalty:card")).content.decode()
    assert "<svg" in body and customer.customer_code in body
    assert 'id="balance">1200<' in body
    assert 'id="tier-progress"' in body and "MINE2025" in body


def test_card_png_and_history(logged, customer):
    give_points(customer, 10)
    png = logged.get(reverse("loyalty:card-png"), {"download": 1})
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert "+10" in logged.get(reverse("loyalty:history")).content.decode()


def test_referral_form_shows_the_refusal_and_accepts_a_friends_code(logged, customer):
    own = services.referral_code_get(customer=customer).code
    response = logged.post(reverse("loyalty:card"), {"code": own})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    friend = services.referral_code_get(customer=UserFactory()).code
    assert logged.post(reverse("loyalty:card"), {"code": friend}).status_code == 302
    assert Referral.objects.get().referred == customer
