"""A merchant with a test API key (``sk_test_…``, the key an integration is built with), a customer with points and a coupon, for the partner
scenario; prints what the scenario needs as JSON. Run from the repository root with the
same environment as the server."""

import datetime
import json
import os
import sys
from decimal import Decimal

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skypark.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from loyalty.models import Coupon  # noqa: E402
from loyalty.tests.factories import card_code, give_points  # noqa: E402
from skypark.accounts.models import MerchantApiKey  # noqa: E402
from skypark.accounts.services import api_key_issue  # noqa: E402
from skypark.accounts.tests.factories import MerchantFactory, UserFactory  # noqa: E402


def main():
    merchant = MerchantFactory()
    _key, plaintext = api_key_issue(merchant=merchant, name="Sandbox", actor=None, mode=MerchantApiKey.Mode.TEST)
    customer = UserFactory()
    give_points(customer, 500)
    coupon = Coupon.objects.create(
        code=f"PARTNER{merchant.pk}",
        kind=Coupon.Kind.PERCENT,
        value=Decimal("10"),
        valid_from=timezone.now() - datetime.timedelta(days=1),
        valid_until=timezone.now() + datetime.timedelta(days=1),
    )
    print(
        json.dumps(
            {
                "api_key": plaintext,
                "card_code": card_code(customer),
                "customer_code": customer.customer_code,
                "coupon": coupon.code,
            }
        )
    )


if __name__ == "__main__":
    main()
