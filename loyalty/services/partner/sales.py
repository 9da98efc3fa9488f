"""Recording a sale at a partner's till: idempotent by external id and Idempotency-Key."""

import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from skypark.audit.services import audit_log

from ... import inserts, webhooks
from ...errors import (
    IdempotencyKeyReused,
    InvalidPoints,
    TransactionConflict,
)
from ...models import (
    LedgerEntry,
    PosTransaction,
    PosTransactionLine,
)
from ...offers.budget import BudgetGone
from ...offers.services import sale_offers_apply, sale_offers_record, sale_offers_settle, sale_offers_take
from .. import modes
from ..earning import (
    _credit_qualifying,
    referral_reward,
)
from ..fraud import fingerprint, fraud_check_sale
from ..ledger import (
    _credit,
    _debit,
    expiry_for,
)
from ..totals import totals_for_sale
from .coupons import coupon_code_clean, coupon_redeem, promos_issue
from .rules import Rules, _rules_locked

Kind = LedgerEntry.Kind
Status = PosTransaction.Status
PaymentMethod = PosTransaction.PaymentMethod
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# What a till may record a sale as: completed (points move now), pending (payment under
# way: ``pos_transaction_complete`` or ``pos_transaction_cancel`` follows) or failed.
RECORDABLE = (Status.COMPLETED, Status.PENDING, Status.FAILED)


# --- POS transactions -------------------------------------------------------------------


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def pos_request_hash(
    *,
    customer,
    external_id,
    amount,
    lines,
    occurred_at,
    points_to_redeem,
    coupon_code,
    status=Status.COMPLETED,
    payment_method=PaymentMethod.OTHER,
    till_id="",
) -> str:
    """SHA-256 of a till sale in canonical form: the same sale always hashes the same
    (amounts normalised to cents, lines in the order sent), and any change to what the
    sale is — customer, amount, lines, points, coupon, time, status, payment method,
    till — changes the hash. The last three enter the form only when they differ from
    their defaults, so a sale recorded before they existed still hashes as it did."""
    extra = {}
    if status != Status.COMPLETED:
        extra["status"] = status
    if payment_method != PaymentMethod.OTHER:
        extra["payment_method"] = payment_method
    if till_id:
        extra["till"] = till_id
    canonical = {
        **extra,
        "customer": customer.pk,
        "external_id": external_id,
        "amount": str(_money(amount)),
        "lines": [
            [
                str(line.get("sku", "")),
                str(line.get("name", "")),
                str(Decimal(str(line.get("quantity", 1))).normalize()),
                str(_money(line.get("unit_price", 0))),
            ]
            for line in lines
        ],
        "occurred_at": occurred_at.isoformat() if occurred_at else None,
        "points": int(points_to_redeem or 0),
        "coupon": (coupon_code or "").upper(),
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _same_request(tx: PosTransaction, *, customer, amount, request_hash) -> bool:
    if tx.request_hash:
        return tx.request_hash == request_hash
    # Rows recorded before fingerprints: what they can still be compared on.
    return tx.customer_id == customer.pk and tx.amount == _money(amount)


def pos_transaction_record(
    *,
    merchant,
    customer,
    external_id: str,
    amount,
    lines=(),
    occurred_at=None,
    idempotency_key: str = "",
    points_to_redeem: int = 0,
    coupon_code: str = "",
    source=PosTransaction.Source.POS,
    metadata=None,
    actor=None,
    test=False,
    status=Status.COMPLETED,
    payment_method=PaymentMethod.OTHER,
    till_id: str = "",
    device_id: str = "",
    card_fingerprint: str = "",
) -> tuple[PosTransaction, bool]:
    """Records a purchase at a partner's till and returns ``(transaction, created)``.

    Idempotent: a retry with the same ``external_id`` (or ``Idempotency-Key``) returns
    the first transaction with ``created=False`` and writes nothing; 20 concurrent
    retries create one row, because the unique constraints on (merchant, external_id)
    and (merchant, idempotency_key) make all but one insert wait and then fail, and the
    losers roll back and read the winner's row. The retry must be the same sale: its
    canonical form's hash (``pos_request_hash``) is stored with the row, and a key or
    external id sent again with a different customer, amount, lines, points, coupon or
    time is refused (``IdempotencyKeyReused`` / ``TransactionConflict``, both 409) —
    never answered with the first sale as if the new one had been recorded.

    One transaction: the points account locked (created on first use), the transaction
    row and its lines, the coupon (locked, see ``coupon_redeem``), the points spent
    (lots locked, never overdrawn), the points earned on what was paid, the tier,
    cross-promo coupons and the audit entry. Webhooks are queued to go out after commit.

    The tier follows the points as they are earned: ``Account.tier_points`` grows in the
    same UPDATE as the balance and the tier moves when it crosses a threshold (logged);
    a sale does not recount the 12-month window, so points that aged out of it are taken
    off by the nightly ``tiers_recalculate_all``, which is also what demotes (see
    ``loyalty.services.earning``). A pending referral, which only a customer's first
    purchase can have, is looked up with the account and rewarded after the commit.

    The returned transaction carries its customer and lines (``tx.lines.all()`` reads
    nothing), for the caller to render.

    ``test``: the same checks and answer, the row flagged ``is_test`` and its external id
    and idempotency key apart from the live ones; ``points_earned`` is what the sale
    would earn, but no account is locked or created and no points, tier, coupon use,
    cross-promo, referral or webhook moves.

    ``status``: a completed sale moves points, the customer's totals
    (``loyalty.services.totals``) and runs the fraud rules (``loyalty.services.fraud``)
    in this transaction. A ``pending`` one (payment under way) writes the row and its
    lines only, keeping the points to spend and the coupon asked for; it is completed
    or cancelled later (``loyalty.services.partner.lifecycle``). A ``failed`` one is
    kept for the record and moves nothing. ``payment_method`` and ``till_id`` are
    stored; ``device_id`` and ``card_fingerprint`` only as keyed hashes
    (``fraud.fingerprint``)."""
    if status not in RECORDABLE:
        raise ValueError(status)
    amount = _money(amount)
    request_hash = pos_request_hash(
        customer=customer,
        external_id=external_id,
        amount=amount,
        lines=lines,
        occurred_at=occurred_at,
        points_to_redeem=points_to_redeem,
        coupon_code=coupon_code,
        status=status,
        payment_method=payment_method,
        till_id=till_id,
    )
    occurred_at = occurred_at or timezone.now()
    completed = status == Status.COMPLETED
    sale = dict(
        merchant=merchant,
        customer=customer,
        external_id=external_id,
        amount=amount,
        lines=lines,
        occurred_at=occurred_at,
        idempotency_key=idempotency_key,
        points_to_redeem=points_to_redeem,
        coupon_code=coupon_code,
        source=source,
        metadata=metadata,
        actor=actor,
        test=test,
        status=status,
        payment_method=payment_method,
        till_id=till_id,
        device_id=device_id,
        card_fingerprint=card_fingerprint,
        request_hash=request_hash,
    )
    try:
        try:
            tx, rules = _sale_write(**sale, offers_last=True)
        except BudgetGone:
            # Race condition: the budget of the offer chosen from the cached candidates ran
            # out (or the offer stopped) before it was taken: the whole sale rolled back and
            # is made again with the offer's row locked before its own.
            tx, rules = _sale_write(**sale, offers_last=False)
    except IntegrityError:
        found = _pos_existing(merchant, external_id, idempotency_key, test=test)
        if found is None:
            raise
        if not _same_request(found, customer=customer, amount=amount, request_hash=request_hash):
            if idempotency_key and found.idempotency_key == idempotency_key:
                raise IdempotencyKeyReused(details={"external_id": found.external_id})
            raise TransactionConflict(details={"external_id": found.external_id})
        return found, False
    if completed and not test and rules.account.referral_pending:
        referral_reward(referred=customer)
    return tx, True


def _sale_write(
    *,
    merchant,
    customer,
    external_id,
    amount,
    lines,
    occurred_at,
    idempotency_key,
    points_to_redeem,
    coupon_code,
    source,
    metadata,
    actor,
    test,
    status,
    payment_method,
    till_id,
    device_id,
    card_fingerprint,
    request_hash,
    offers_last,
):
    """The sale's transaction (see ``pos_transaction_record``); returns the sale and the
    customer's rules. Raises ``BudgetGone`` (all rolled back) when ``offers_last`` and the
    chosen offer's budget can no longer be taken."""
    completed = status == Status.COMPLETED
    with transaction.atomic():
        day = timezone.localdate(occurred_at)
        if test:
            rules = modes.rules_read(customer=customer, merchant=merchant, day=day)
        else:
            rules = _rules_locked(customer=customer, merchant=merchant, day=day)
        # Without a coupon or points spent, the offers are the only thing that comes off the
        # price: they are chosen before the row is written, so it carries its discount and
        # the points earned on what is left to pay, and no UPDATE follows. One candidate's
        # budget is taken last, just before the commit (``offers_last``), so that its row
        # stays locked only that long.
        straight = completed and not (coupon_code or points_to_redeem)
        taken = None
        if straight:
            taken = sale_offers_take(
                merchant=merchant,
                customer=customer,
                amount=amount,
                lines=lines,
                at=occurred_at,
                points_rules=rules,
                due=amount,
                test=test,
                defer=offers_last,
            )
        tx = PosTransaction(
            merchant=merchant,
            customer=customer,
            account=rules.account,
            is_test=test,
            external_id=external_id,
            idempotency_key=idempotency_key or "",
            request_hash=request_hash,
            source=source,
            currency=merchant.currency,
            amount=amount,
            occurred_at=occurred_at,
            metadata=metadata or {},
            status=status,
            payment_method=payment_method,
            till_id=till_id,
            device_hash=fingerprint(device_id),
            card_hash=fingerprint(card_fingerprint),
            completed_at=timezone.now() if completed else None,
            discount=taken.discount if straight else ZERO,
            points_earned=rules.points_for(amount - taken.discount) if straight else 0,
            # A pending sale keeps what it asks to spend until it completes.
            points_redeemed=points_to_redeem if status == Status.PENDING else 0,
            coupon_code=coupon_code_clean(coupon_code) if status == Status.PENDING else "",
        )
        _write(tx, lines)
        if completed:
            _pos_apply(
                tx,
                rules=rules,
                points_to_redeem=points_to_redeem,
                coupon_code=coupon_code,
                actor=actor,
                lines=lines,
                taken=taken,
            )
        else:
            _pos_recorded(tx, actor=actor)
    return tx, rules


def _pos_existing(merchant, external_id, idempotency_key, *, test=False):
    """The merchant's transaction with this idempotency key or external id in this mode
    (live or test), with its customer and lines, or None."""
    query = (
        PosTransaction.objects.filter(merchant=merchant, is_test=test)
        .select_related("customer")
        .prefetch_related(Prefetch("lines", queryset=PosTransactionLine.objects.order_by("id")))
    )
    found = query.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
    if found is None:
        found = query.filter(external_id=external_id).first()
    if found is not None:
        found.merchant = merchant
    return found


def _lines_in_hand(tx: PosTransaction, lines: list[PosTransactionLine]):
    """Makes ``tx.lines.all()`` answer with the rows just written, as
    ``prefetch_related`` leaves it, so rendering the sale reads nothing back."""
    written = tx.lines.all()
    written._result_cache = lines
    written._prefetch_done = True
    tx._prefetched_objects_cache = {"lines": written}


def _write(tx, lines):
    """The sale's row and its lines: one statement on PostgreSQL (``loyalty.inserts``);
    a retry's row is refused by the unique constraints all the same."""
    written = [
        PosTransactionLine(
            transaction=tx,
            sku=str(line.get("sku", ""))[:64],
            name=str(line.get("name", ""))[:255],
            quantity=Decimal(str(line.get("quantity", 1))),
            unit_price=_money(line.get("unit_price", 0)),
            total=_money(Decimal(str(line.get("quantity", 1))) * _money(line.get("unit_price", 0))),
        )
        for line in lines
    ]
    if connection.vendor == "postgresql":
        inserts.insert_with_children(tx, written, fk="transaction")
    else:
        tx.save(force_insert=True)
        for line in written:
            line.transaction = tx
        PosTransactionLine.objects.bulk_create(written)
    _lines_in_hand(tx, written)


def _pos_recorded(tx, *, actor):
    audit_log(
        actor=actor or f"merchant:{tx.merchant.code}",
        action="loyalty.transaction.recorded",
        obj=tx,
        data={"amount": str(tx.amount), "status": tx.status, "test": tx.is_test},
    )


def _pos_apply(tx, *, rules: Rules, points_to_redeem, coupon_code, actor, lines=None, taken=None):
    """Completing a sale, inside its transaction, after its row and lines: the coupon,
    the offers, the points spent and earned, cross-promo coupons, the customer's totals,
    the fraud rules and the audit entry. ``rules.account`` is locked. ``lines`` are the
    lines as the till sent them (with their categories); a pending sale completed later
    is read from its stored lines. ``taken``: the offers already decided before the row
    was written, its discount on it (``sale_offers_take``)."""
    if lines is None:
        lines = [{"sku": line.sku, "total": line.total} for line in tx.lines.all()]
    merchant, customer, account = tx.merchant, tx.customer, rules.account
    reference = f"{merchant.pk}:{tx.external_id}"
    description = _("Purchase at %(m)s") % {"m": merchant.name}
    due = tx.amount
    if coupon_code:
        redemption = coupon_redeem(
            code=coupon_code,
            customer=customer,
            merchant=merchant,
            amount=due,
            reference=tx.external_id,
            pos_transaction=tx,
            test=tx.is_test,
        )
        tx.coupon_code = redemption.coupon.code
        tx.discount += redemption.discount
        due -= redemption.discount
    if taken is None:
        offered = sale_offers_apply(tx, points_rules=rules, lines=lines, due=due, actor=actor)
        tx.discount += offered.discount
    else:
        offered = sale_offers_record(taken, tx=tx, account=account, actor=actor)
    due -= offered.discount
    if points_to_redeem:
        if points_to_redeem < 0 or points_to_redeem < rules.min_redeem_points:
            raise InvalidPoints(
                ngettext(
                    "At least %(n)s point per redemption.",
                    "At least %(n)s points per redemption.",
                    rules.min_redeem_points,
                )
                % {"n": rules.min_redeem_points},
                details={"field": "points_to_redeem", "min": rules.min_redeem_points},
            )
        limit = (due * rules.max_redeem_percent / 100).quantize(CENT)
        value = rules.value_of(points_to_redeem)
        if value > limit:
            raise InvalidPoints(
                _("Points may pay at most %(limit)s of this purchase.") % {"limit": limit},
                details={"field": "points_to_redeem", "max_value": str(limit)},
            )
        if tx.is_test:
            modes.points_check(rules.account, points_to_redeem)
        else:
            _debit(
                account,
                kind=Kind.REDEEMED,
                points=points_to_redeem,
                source="pos",
                reference=reference,
                description=description,
                merchant=merchant,
                amount=tx.amount,
                actor=actor,
            )
        tx.points_redeemed = points_to_redeem
        tx.discount += value
        due -= value
    earned = rules.points_for(max(due, Decimal(0)))
    if earned > 0 and not tx.is_test:
        now = timezone.now()
        credit = {
            "kind": Kind.EARNED,
            "points": earned,
            "source": "pos",
            # Derived from the transaction row just inserted under its unique constraint.
            "reference": reference,
            "description": description,
            "multiplier": rules.multiplier,
            "merchant": merchant,
            "amount": due,
            "actor": actor,
            "expires_at": expiry_for(account, now=now, program=rules.program),
            "now": now,
        }
        if rules.own:
            _credit(account, reference_is_new=True, **credit)
        else:
            _credit_qualifying(account, **credit)
        webhooks.points_awarded(
            merchant=merchant,
            tx_id=tx.pk,
            external_id=tx.external_id,
            customer_code=customer.customer_code,
            points=earned,
            balance=account.balance,
        )
    if coupon_code or points_to_redeem or (offered.discount and taken is None) or tx.points_earned != earned:
        tx.points_earned = earned
        tx.save(update_fields=["coupon_code", "discount", "points_redeemed", "points_earned", "updated_at"])
    if not tx.is_test:
        promos_issue(pos_transaction=tx)
        totals_for_sale(tx)
        fraud_check_sale(tx=tx, account=account)
    audit_log(
        actor=actor or f"merchant:{merchant.code}",
        action="loyalty.transaction.recorded",
        obj=tx,
        data={"amount": str(tx.amount), "earned": earned, "redeemed": tx.points_redeemed, "test": tx.is_test},
    )
    if taken is not None:
        # Last: the offer's row is locked from here to the commit (BudgetGone rolls back).
        sale_offers_settle(taken)
