"""A pending sale's end: completed (its points move now) or cancelled / failed (nothing
moves). Statuses: pending → completed | cancelled | failed; only completed sales earn,
spend, count in the customer's totals and can be refunded or voided.

Both are idempotent: completing a completed sale, or cancelling a cancelled one, answers
with it again and changes nothing; any other move from a sale that is no longer pending
is refused (``TransactionNotPending``, 409). Lock order: the sale's row, then the points
account — as refunds and voids; a new sale never waits for an existing row.
"""

from django.db import transaction
from django.utils import timezone

from skypark.audit.services import audit_log

from ...errors import TransactionNotPending
from ...models import PosTransaction
from .. import modes
from ..earning import referral_reward
from .rules import _rules_locked
from .sales import _pos_apply

Status = PosTransaction.Status
# A sale that completed stays "completed" for this purpose after a refund or void.
WAS_COMPLETED = (Status.COMPLETED, Status.PARTIALLY_REFUNDED, Status.REFUNDED, Status.VOIDED)
ENDINGS = (Status.CANCELLED, Status.FAILED)


def _locked(pos_transaction) -> PosTransaction:
    return (
        PosTransaction.objects.select_for_update(of=("self",))
        .select_related("merchant", "customer")
        .get(pk=pos_transaction.pk)
    )


def pos_transaction_complete(*, pos_transaction: PosTransaction, actor=None, now=None) -> tuple[PosTransaction, bool]:
    """Completes a pending sale: spends the points and the coupon it asked for (refused
    as a new sale would be, e.g. ``NotEnoughPoints``, and then it stays pending), earns
    on what is left to pay, moves the customer's totals and runs the fraud rules, in
    one transaction. Returns ``(transaction, changed)``; a sale already completed comes
    back unchanged. Twenty concurrent completions complete it once: they queue on the
    row lock and the later ones find it completed."""
    now = now or timezone.now()
    with transaction.atomic():
        tx = _locked(pos_transaction)
        if tx.status in WAS_COMPLETED:
            return tx, False
        if tx.status != Status.PENDING:
            raise TransactionNotPending(details={"status": tx.status})
        day = timezone.localdate(tx.occurred_at)
        if tx.is_test:
            rules = modes.rules_read(customer=tx.customer, merchant=tx.merchant, day=day)
        else:
            rules = _rules_locked(customer=tx.customer, merchant=tx.merchant, day=day)
            tx.account = rules.account
        points, coupon = tx.points_redeemed, tx.coupon_code
        tx.points_redeemed, tx.coupon_code = 0, ""
        tx.status, tx.completed_at = Status.COMPLETED, now
        tx.save(update_fields=["status", "completed_at", "account", "points_redeemed", "coupon_code", "updated_at"])
        _pos_apply(tx, rules=rules, points_to_redeem=points, coupon_code=coupon, actor=actor)
        # The earned points of a sale recorded in one go are known at insert; here they
        # are written by ``_pos_apply`` only when they differ from the row's zero.
    if not tx.is_test and rules.account.referral_pending:
        referral_reward(referred=tx.customer)
    return tx, True


def pos_transaction_cancel(
    *, pos_transaction: PosTransaction, status=Status.CANCELLED, reason: str = "", actor=None
) -> tuple[PosTransaction, bool]:
    """Ends a pending sale without it happening: ``cancelled`` (the customer or the till
    called it off) or ``failed`` (the payment did not go through). Nothing was spent or
    earned, so nothing moves back. Returns ``(transaction, changed)``; a sale already
    in that state comes back unchanged."""
    if status not in ENDINGS:
        raise ValueError(status)
    with transaction.atomic():
        tx = _locked(pos_transaction)
        if tx.status == status:
            return tx, False
        if tx.status != Status.PENDING:
            raise TransactionNotPending(details={"status": tx.status})
        tx.status = status
        tx.save(update_fields=["status", "updated_at"])
        audit_log(
            actor=actor or f"merchant:{tx.merchant.code}",
            action=f"loyalty.transaction.{status}",
            obj=tx,
            data={"reason": reason[:255]},
        )
    return tx, True
