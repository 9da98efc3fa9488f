"""Demo loyalty data: the network's programs, a public coupon, a cross-promo chain and a
few purchases of the demo customer at the demo merchants. Idempotent: programs by
merchant, coupons by code, chains by name, purchases by external id."""

import datetime
from decimal import Decimal

from django.utils import timezone

from skypark.accounts.demo import CUSTOMER_PHONE
from skypark.accounts.models import Merchant, User

from . import services
from .models import Coupon, CrossPromo, MerchantProgram


def seed(command):
    merchants = {m.code: m for m in Merchant.objects.filter(code__in=["skypark-bishkek", "navruz-cafe", "kitep-books"])}
    customer = User.objects.filter(phone=CUSTOMER_PHONE).first()
    if len(merchants) < 3 or customer is None:
        return
    MerchantProgram.objects.get_or_create(merchant=merchants["skypark-bishkek"], defaults={"mode": "network"})
    MerchantProgram.objects.get_or_create(
        merchant=merchants["kitep-books"],
        defaults={
            "mode": "own",
            "name": "Kitep Readers Club",
            "points_per_unit": Decimal("0.05"),
            "min_spend": Decimal("200"),
            "redemption_rate": Decimal("1"),
            "max_redeem_percent": Decimal("30"),
            "min_redeem_points": 20,
        },
    )
    now = timezone.now()
    if not Coupon.objects.filter(code="WELCOME10").exists():
        services.coupon_create(
            code="WELCOME10",
            kind="percent",
            value=Decimal("10"),
            description="10% off at any partner",
            valid_from=now,
            valid_until=now + datetime.timedelta(days=365),
            max_uses=1000,
            max_uses_per_customer=1,
        )
    CrossPromo.objects.get_or_create(
        name="Навруз → Kitep: 100 сом на книги",
        defaults={
            "source_merchant": merchants["navruz-cafe"],
            "target_merchant": merchants["kitep-books"],
            "min_purchase": Decimal("1000"),
            "coupon_kind": "fixed",
            "coupon_value": Decimal("100"),
            "valid_days": 30,
        },
    )
    purchases = [
        ("navruz-cafe", "demo-navruz-1", "1250.00", [("Плов", 2, "450.00"), ("Чай", 1, "350.00")]),
        ("skypark-bishkek", "demo-park-1", "1580.00", [("Вход 3+", 2, "790.00")]),
        ("kitep-books", "demo-kitep-1", "900.00", [("Книга", 1, "900.00")]),
    ]
    for code, external_id, amount, lines in purchases:
        services.pos_transaction_record(
            merchant=merchants[code],
            customer=customer,
            external_id=external_id,
            amount=Decimal(amount),
            lines=[{"name": n, "quantity": q, "unit_price": p} for n, q, p in lines],
        )
    services.referral_code_get(customer=customer)
    services.daily_aggregates_build()
    services.schedules_install()
    command.stdout.write("  Loyalty: programs, WELCOME10 coupon, Навруз → Kitep chain, demo purchases")
