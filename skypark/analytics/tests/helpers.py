from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

from loyalty.models import Account, PosTransaction
from skypark.accounts.tests.factories import MerchantFactory, UserFactory

_ids = count(1)
BASE = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


def customer():
    user = UserFactory()
    Account.objects.get_or_create(customer=user, merchant=None)
    return user


def sale(*, merchant=None, buyer=None, amount="100.00", currency="KGS", days_ago=0, at=None, **extra):
    merchant = merchant or MerchantFactory(currency=currency)
    buyer = buyer or customer()
    account = Account.objects.get(customer=buyer, merchant=None)
    return PosTransaction.objects.create(
        merchant=merchant,
        customer=buyer,
        account=account,
        external_id=f"t{next(_ids)}",
        currency=currency,
        amount=Decimal(amount),
        occurred_at=at or (datetime.now(UTC) - timedelta(days=days_ago)),
        **extra,
    )
