from io import StringIO

import pytest
from django.core.management import call_command

from loyalty.models import Coupon, CrossPromo, PosTransaction

pytestmark = pytest.mark.django_db


def test_seed_demo_twice_adds_loyalty_data_once():
    for _ in range(2):
        call_command("seed_demo", stdout=StringIO())
    assert Coupon.objects.filter(code="WELCOME10").count() == 1
    assert CrossPromo.objects.count() == 1
    assert PosTransaction.objects.filter(external_id__startswith="demo-").count() == 3
    assert Coupon.objects.filter(promo__isnull=False).count() == 1, "the café purchase issued the chain's coupon"
