"""Refunds and voids of recorded sales, with the points they moved given back."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from skypark.audit.services import audit_log

from ...errors import (
    RefundTooLarge,
    TransactionNotRefundable,
)
from ...models import (
    LedgerEntry,
    PosTransaction,
)
from ...offers.services import offers_reverse
from ..earning import (
    tier_recalculate,
)
from ..fraud import fraud_check_refunds
from ..ledger import (
    _give_back,
    account_lock,
)
from ..totals import totals_for_refund
from .sales import _money

Kind = LedgerEntry.Kind
# Only a sale that completed can be refunded; a pending, failed or cancelled one moved
# nothing to give back.
REFUNDABLE = (PosTransaction.Status.COMPLETED, PosTransaction.Status.PARTIALLY_REFUNDED)
CENT = Decimal("0.01")


def pos_transaction_refund(*, pos_transaction: PosTransaction, amount=None, reason: str = "", actor=None):
    """Refunds ``amount`` (all that is left by default) of a POS transaction: takes back
    the matching share of the points it earned (never below zero; a shortfall is
    recorded) and, on a full refund, gives back the points it spent. Locks the
    transaction row, then the account. A refund that exceeds what is left is refused."""
    with transaction.atomic():
        tx = PosTransaction.objects.select_for_update().select_related("merchant").get(pk=pos_transaction.pk)
        if tx.status not in REFUNDABLE:
            raise TransactionNotRefundable(details={"status": tx.status})
        left = tx.amount - tx.refunded_amount
        amount = left if amount is None else _money(amount)
        if amount <= 0 or amount > left:
            raise RefundTooLarge(details={"refundable": str(left)})
        tx.refunded_amount += amount
        full = tx.refunded_amount == tx.amount
        tx.status = PosTransaction.Status.REFUNDED if full else PosTransaction.Status.PARTIALLY_REFUNDED
        tx.save(update_fields=["refunded_amount", "status", "updated_at"])
        if not tx.is_test:
            _pos_points_back(tx, full=full)
            if full:
                offers_reverse(transaction_=tx)
            totals_for_refund(tx, amount=amount)
            fraud_check_refunds(tx=tx)
        audit_log(
            actor=actor or f"merchant:{tx.merchant.code}",
            action="loyalty.transaction.refunded",
            obj=tx,
            data={"amount": str(amount), "reason": reason},
        )
    if not tx.is_test:
        tier_recalculate(account=tx.account)
    return tx


def pos_transaction_void(*, pos_transaction: PosTransaction, reason: str = "", actor=None):
    """Cancels a transaction entered by mistake: all points it earned are taken back and
    all it spent are given back. Locks the transaction row, then the account."""
    with transaction.atomic():
        tx = PosTransaction.objects.select_for_update().select_related("merchant").get(pk=pos_transaction.pk)
        if tx.status != PosTransaction.Status.COMPLETED:
            raise TransactionNotRefundable(details={"status": tx.status})
        tx.status = PosTransaction.Status.VOIDED
        tx.refunded_amount = tx.amount
        tx.save(update_fields=["status", "refunded_amount", "updated_at"])
        if not tx.is_test:
            _pos_points_back(tx, full=True)
            offers_reverse(transaction_=tx)
            totals_for_refund(tx, amount=tx.amount, voided=True)
            fraud_check_refunds(tx=tx)
        audit_log(
            actor=actor or f"merchant:{tx.merchant.code}",
            action="loyalty.transaction.voided",
            obj=tx,
            data={"reason": reason},
        )
    if not tx.is_test:
        tier_recalculate(account=tx.account)
    return tx


def _pos_points_back(tx: PosTransaction, *, full: bool):
    from ..earning import _reverse_share

    account = account_lock(tx.account_id)
    key = f"{tx.merchant_id}:{tx.external_id}"
    earned = account.entries.filter(kind=Kind.EARNED, source="pos", reference=key).first()
    if earned is not None:
        share = Decimal(1) if full else tx.refunded_amount / tx.amount
        _reverse_share(
            account,
            earned=earned,
            share=share,
            reference=f"pos:{key}:{tx.refunded_amount}",
            merchant=tx.merchant,
        )
    if full:
        spent = account.entries.filter(kind=Kind.REDEEMED, source="pos", reference=key).first()
        if spent is not None:
            _give_back(
                account,
                debit=spent,
                source="pos_refund",
                reference=key,
                description=_("Refund at %(m)s") % {"m": tx.merchant.name},
            )
