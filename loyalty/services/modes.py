"""Test mode: what a partner's test API key (``sk_test_…``) does.

A test key calls the same API and the same services (``partner``, ``imports``) with
``test=True``: every check runs as for a live key and the answers have the same shapes,
but what is written is flagged ``is_test`` (``PosTransaction``, ``CouponRedemption``,
``ImportBatch``) and nothing else moves:

* no ledger entry, lot, balance, tier or points account (a test sale's
  ``points_earned`` is what it would earn; a test redemption checks the real balance);
* no use of a coupon counted (its limits count the real uses and the test ones), no
  cross-promo coupon or conversion, no referral reward;
* no webhook;
* no analytics fact or daily statistic (each source filters ``is_test=False``), and
  settlement, which counts what partners owe and are owed, must do the same.

A live key sees only live rows and a test key only test rows (``partner_rows``); external
ids and idempotency keys are unique per merchant *and mode*, so the two never collide.
The partner removes its test rows in bulk (``test_data_delete``).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from skypark.audit.services import audit_log

from ..errors import NotEnoughPoints
from ..models import Account, CouponRedemption, ImportBatch, PointLot, PosTransaction

ONE = Decimal("1")


def partner_rows(queryset, *, test: bool):
    """``queryset`` cut to the rows of one mode: a key sees only its own mode's rows."""
    return queryset.filter(is_test=test)


def rules_read(*, customer, merchant, day):
    """The rules of a sale (``partner.Rules``) read without a lock and without creating
    the points account: ``account`` is the existing one, or None."""
    from .earning import customer_tier
    from .ledger import program_of
    from .partner import Rules

    program = program_of(merchant)
    own = program is not None and program.runs_own_on(day)
    account = Account.objects.filter(customer=customer, merchant=merchant if own else None).first()
    if own:
        from .partner import _own_multiplier

        return Rules(
            account=account, own=True, multiplier=_own_multiplier(account) if account else ONE, program=program
        )
    tier = customer_tier(customer)
    return Rules(account=account, own=False, multiplier=tier.multiplier if tier else ONE, program=program)


def points_check(account, points: int) -> int:
    """Refuses to spend more than the account could (``NotEnoughPoints``, as a live
    spend would); returns its balance. Reads; locks and writes nothing."""
    if account is None:
        available, balance = 0, 0
    else:
        available = (
            PointLot.objects.filter(
                account=account, remaining__gt=0, expires_at__gt=timezone.now(), hold__isnull=True
            ).aggregate(s=Sum("remaining"))["s"]
            or 0
        )
        balance = account.balance
    if available < points:
        raise NotEnoughPoints(details={"available": available, "requested": points})
    return balance


def coupon_test_uses(coupon) -> int:
    return CouponRedemption.objects.filter(coupon=coupon, is_test=True).count()


@dataclass(frozen=True)
class Removed:
    transactions: int
    coupon_redemptions: int
    imports: int


@transaction.atomic
def test_data_delete(*, merchant, actor=None) -> Removed:
    """Removes every test row of ``merchant``: its test transactions (with their lines),
    test coupon redemptions and test imports. Live rows and other merchants' rows are
    never touched: each delete is filtered by the merchant and ``is_test=True``."""
    redemptions, _ = CouponRedemption.objects.filter(merchant=merchant, is_test=True).delete()
    transactions = PosTransaction.objects.filter(merchant=merchant, is_test=True)
    count = transactions.count()
    transactions.delete()
    imports, _ = ImportBatch.objects.filter(merchant=merchant, is_test=True).delete()
    removed = Removed(transactions=count, coupon_redemptions=redemptions, imports=imports)
    audit_log(
        actor=actor or f"merchant:{merchant.code}",
        action="loyalty.test_data.deleted",
        obj=merchant,
        data=removed.__dict__,
    )
    return removed
