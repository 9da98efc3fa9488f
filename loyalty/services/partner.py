"""What partners do: find a customer by card, record and refund POS transactions, spend
points at the till, validate and redeem coupons, run cross-promo chains.

Lock order: a sale locks the points account first (its transaction row points at it),
then takes the merchant's idempotency slot (the unique constraint on the new row), then
the coupon row, then the account's lots. Refunds and voids lock an existing transaction
row, then the account; a sale never waits for an existing row, so the two cannot wait
for each other.

Every write here takes ``test``: made with a test API key, it runs the same checks and
answers the same way, but what it writes is flagged ``is_test`` and moves no points,
coupon count or webhook (``loyalty.services.modes``).
"""

import datetime
import hashlib
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from skypark.audit.services import audit_log
from skypark.config.selectors import get_decimal
from skypark.core.references import random_code

from .. import webhooks
from ..errors import (
    CouponExhausted,
    CouponLimitPerCustomer,
    CouponNotFound,
    CouponNotValid,
    IdempotencyKeyReused,
    InvalidPoints,
    RefundTooLarge,
    TransactionConflict,
    TransactionNotRefundable,
)
from ..models import (
    Account,
    Coupon,
    CouponRedemption,
    CrossPromo,
    LedgerEntry,
    MerchantProgram,
    PosTransaction,
    PosTransactionLine,
)
from ..offers.services import offers_reverse, sale_offers_apply
from . import modes
from .earning import (
    _credit_qualifying,
    customer_tier,
    network_points_for,
    referral_reward,
    tier_ladder_cached,
    tier_of,
    tier_recalculate,
)
from .ledger import (
    _credit,
    _debit,
    _give_back,
    account_for_update,
    account_get_or_create,
    account_lock,
    expiry_for,
    points_floor,
    program_of,
)

Kind = LedgerEntry.Kind
CENT = Decimal("0.01")


# --- which account a merchant works with ------------------------------------------------


@dataclass
class Rules:
    account: Account
    own: bool
    multiplier: Decimal
    program: MerchantProgram | None

    def points_for(self, amount: Decimal) -> int:
        if self.own:
            if amount < self.program.min_spend:
                return 0
            return points_floor(amount * self.program.points_per_unit * self.multiplier)
        return network_points_for(amount, self.multiplier)

    def value_of(self, points: int) -> Decimal:
        rate = self.program.redemption_rate if self.own else get_decimal("loyalty.point_value")
        return (Decimal(points) * rate).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def max_redeem_percent(self) -> Decimal:
        return self.program.max_redeem_percent if self.own else Decimal(100)

    @property
    def min_redeem_points(self) -> int:
        return self.program.min_redeem_points if self.own else 0


def rules_for(*, customer, merchant, day=None) -> Rules:
    """A merchant running its own active program works with the customer's account in
    that program; every other partner with the shared coalition balance."""
    day = day or timezone.localdate()
    program = program_of(merchant)
    if program is not None and program.runs_own_on(day):
        account = account_get_or_create(customer=customer, merchant=merchant)
        return Rules(account=account, own=True, multiplier=_own_multiplier(account), program=program)
    account = account_get_or_create(customer=customer)
    tier = customer_tier(customer)
    return Rules(account=account, own=False, multiplier=tier.multiplier if tier else Decimal("1"), program=program)


def _own_multiplier(account) -> Decimal:
    """The earning multiplier of the account's tier on its merchant's own ladder (1 when
    the merchant has none); the ladder is cached."""
    if account.tier_id is None:
        return Decimal("1")
    tier = tier_of(account, tier_ladder_cached(account.merchant_id))
    return tier.multiplier if tier else Decimal("1")


def _rules_locked(*, customer, merchant, day) -> Rules:
    """``rules_for`` inside the caller's transaction: the account is read locked (with
    whether a referral is pending), created first when missing; its tier comes from the
    cached ladder."""
    program = program_of(merchant)
    if program is not None and program.runs_own_on(day):
        account = account_for_update(customer=customer, merchant=merchant)
        return Rules(account=account, own=True, multiplier=_own_multiplier(account), program=program)
    account = account_for_update(customer=customer)
    ladder = tier_ladder_cached()
    tier = tier_of(account, ladder) or (ladder[0] if ladder else None)
    return Rules(account=account, own=False, multiplier=tier.multiplier if tier else Decimal("1"), program=program)


# --- coupons ----------------------------------------------------------------------------


def coupon_code_clean(value) -> str:
    """Coupon codes are chosen by people ("WELCOME10"), so unlike customer codes they are
    only upper-cased and stripped of spaces and dashes, never letter-mapped."""
    return str(value or "").strip().upper().replace(" ", "").replace("-", "")


def _coupon_refusal(coupon: Coupon, *, customer, merchant, amount, now):
    if not coupon.is_active:
        return "inactive"
    if coupon.valid_from and now < coupon.valid_from:
        return "not_started"
    if coupon.valid_until and now >= coupon.valid_until:
        return "expired"
    if coupon.customer_id and coupon.customer_id != getattr(customer, "pk", None):
        return "other_customer"
    if coupon.merchant_id and coupon.merchant_id != merchant.pk:
        return "other_merchant"
    if amount is not None and amount < coupon.min_purchase:
        return "min_purchase"
    return ""


REFUSAL_MESSAGES = {
    "inactive": _("This coupon is no longer active."),
    "not_started": _("This coupon is not valid yet."),
    "expired": _("This coupon has expired."),
    "other_customer": _("This coupon belongs to another customer."),
    "other_merchant": _("This coupon is for another partner."),
    "min_purchase": _("The purchase is below this coupon's minimum."),
}


def coupon_validate(*, code: str, customer, merchant, amount=None, now=None, test=False) -> tuple[Coupon, Decimal]:
    """Whether the coupon could be used now, and the discount it would give on
    ``amount``. Writes nothing; ``coupon_redeem`` re-checks under the lock."""
    now = now or timezone.now()
    coupon = Coupon.objects.filter(code=coupon_code_clean(code)).first()
    if coupon is None:
        raise CouponNotFound(details={"field": "code"})
    _coupon_check(coupon, customer=customer, merchant=merchant, amount=amount, now=now, test=test)
    return coupon, coupon.discount_on(amount) if amount is not None else Decimal("0.00")


def _coupon_check(coupon, *, customer, merchant, amount, now, test=False):
    """Refuses a coupon that cannot be used. In test mode the limits count the real uses
    and the test ones; a live use never counts a test one."""
    reason = _coupon_refusal(coupon, customer=customer, merchant=merchant, amount=amount, now=now)
    if reason:
        raise CouponNotValid(str(REFUSAL_MESSAGES[reason]), details={"reason": reason})
    uses = coupon.uses_count + (modes.coupon_test_uses(coupon) if test else 0)
    if coupon.max_uses is not None and uses >= coupon.max_uses:
        raise CouponExhausted()
    redemptions = CouponRedemption.objects.filter(coupon=coupon, customer=customer)
    used = (redemptions if test else redemptions.filter(is_test=False)).count()
    if used >= coupon.max_uses_per_customer:
        raise CouponLimitPerCustomer(details={"used": used})


def coupon_redeem(
    *,
    code: str,
    customer,
    merchant,
    amount: Decimal,
    reference: str = "",
    pos_transaction=None,
    now=None,
    test=False,
) -> CouponRedemption:
    """Uses a coupon once. Locks the coupon row, re-checks the window, the total limit
    and the per-customer limit against committed data, then counts the use: concurrent
    redemptions queue on the lock, so neither limit is ever exceeded (the CHECK on
    ``uses_count <= max_uses`` backs this). A repeated ``reference`` returns the first
    redemption. A coupon issued by a cross-promo chain counts a conversion. A test
    redemption (``test``) is recorded flagged and counts nothing: no use of the coupon,
    no conversion, no webhook."""
    now = now or timezone.now()
    with transaction.atomic():
        coupons = Coupon.objects if test else Coupon.objects.select_for_update()
        coupon = coupons.filter(code=coupon_code_clean(code)).first()
        if coupon is None:
            raise CouponNotFound(details={"field": "code"})
        if reference:
            done = CouponRedemption.objects.filter(
                coupon=coupon, merchant=merchant, reference=reference, is_test=test
            ).first()
            if done is not None:
                return done
        _coupon_check(coupon, customer=customer, merchant=merchant, amount=amount, now=now, test=test)
        redemption = CouponRedemption.objects.create(
            coupon=coupon,
            customer=customer,
            merchant=merchant,
            transaction=pos_transaction,
            reference=reference,
            amount=amount,
            discount=coupon.discount_on(amount),
            is_test=test,
        )
        if test:
            return redemption
        Coupon.objects.filter(pk=coupon.pk).update(uses_count=F("uses_count") + 1, updated_at=now)
        if coupon.promo_id:
            CrossPromo.objects.filter(pk=coupon.promo_id).update(converted_count=F("converted_count") + 1)
        audit_log(
            actor=f"merchant:{merchant.code}",
            action="loyalty.coupon.redeemed",
            obj=coupon,
            data={"customer": customer.pk, "discount": str(redemption.discount), "reference": reference},
        )
        webhooks.coupon_redeemed(
            merchant=merchant,
            redemption=redemption,
            coupon=coupon,
            customer_code=customer.customer_code,
            reference=reference,
        )
    return redemption


@transaction.atomic
def coupon_create(*, actor=None, **fields) -> Coupon:
    """A coupon from staff or a chain; ``code`` is generated when not given."""
    fields["code"] = coupon_code_clean(fields.get("code")) or random_code(10)
    coupon = Coupon(**fields)
    coupon.full_clean()
    coupon.save()
    audit_log(actor=actor, action="loyalty.coupon.created", obj=coupon)
    return coupon


PROMOS_CACHE_SECONDS = 300


def _promos_cache_key(merchant_id) -> str:
    return f"loyalty:promos-from:{merchant_id}"


def merchant_has_promos(merchant_id) -> bool:
    """Whether the merchant is the source of an active chain, through the Django cache:
    most merchants are not, and their sales then read nothing for chains. Saving or
    deleting a chain drops the answer (``promos_forget``)."""
    key = _promos_cache_key(merchant_id)
    found = cache.get(key)
    if found is None:
        found = CrossPromo.objects.filter(source_merchant_id=merchant_id, is_active=True).exists()
        cache.set(key, found, PROMOS_CACHE_SECONDS)
    return found


def promos_forget(instance, **_kwargs):
    """Drops the cached answer for the chain's source merchant, now and again after the
    commit (a reader in between may have cached the old one). A merchant the chain no
    longer starts from keeps "yes" until it expires, which only costs it the query."""
    key = _promos_cache_key(instance.source_merchant_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def promos_issue(*, pos_transaction: PosTransaction, now=None) -> list[Coupon]:
    """A purchase at a chain's source merchant issues the customer a personal coupon for
    the target merchant, once per (chain, transaction)."""
    if not merchant_has_promos(pos_transaction.merchant_id):
        return []
    now = now or timezone.now()
    issued = []
    promos = CrossPromo.objects.filter(
        source_merchant_id=pos_transaction.merchant_id, is_active=True, min_purchase__lte=pos_transaction.amount
    ).select_related("target_merchant")
    for promo in promos:
        code = f"X{promo.pk}T{pos_transaction.pk}"
        if Coupon.objects.filter(code=code).exists():
            continue
        coupon = Coupon.objects.create(
            code=code,
            merchant=promo.target_merchant,
            customer_id=pos_transaction.customer_id,
            kind=promo.coupon_kind,
            value=promo.coupon_value,
            item_name=promo.coupon_item,
            description=promo.name,
            valid_from=now,
            valid_until=now + datetime.timedelta(days=promo.valid_days),
            max_uses=1,
            max_uses_per_customer=1,
            promo=promo,
        )
        CrossPromo.objects.filter(pk=promo.pk).update(issued_count=F("issued_count") + 1)
        issued.append(coupon)
    return issued


# --- POS transactions -------------------------------------------------------------------


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def pos_request_hash(*, customer, external_id, amount, lines, occurred_at, points_to_redeem, coupon_code) -> str:
    """SHA-256 of a till sale in canonical form: the same sale always hashes the same
    (amounts normalised to cents, lines in the order sent), and any change to what the
    sale is — customer, amount, lines, points, coupon, time — changes the hash."""
    canonical = {
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
    cross-promo, referral or webhook moves."""
    amount = _money(amount)
    request_hash = pos_request_hash(
        customer=customer,
        external_id=external_id,
        amount=amount,
        lines=lines,
        occurred_at=occurred_at,
        points_to_redeem=points_to_redeem,
        coupon_code=coupon_code,
    )
    occurred_at = occurred_at or timezone.now()
    try:
        with transaction.atomic():
            day = timezone.localdate(occurred_at)
            if test:
                rules = modes.rules_read(customer=customer, merchant=merchant, day=day)
            else:
                rules = _rules_locked(customer=customer, merchant=merchant, day=day)
            tx = PosTransaction.objects.create(
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
                # Without a coupon or points spent nothing comes off the price: what the sale
                # earns is known before its row is written, and no UPDATE follows.
                points_earned=0 if coupon_code or points_to_redeem else rules.points_for(amount),
            )
            _pos_apply(
                tx, rules=rules, lines=lines, points_to_redeem=points_to_redeem, coupon_code=coupon_code, actor=actor
            )
    except IntegrityError:
        found = _pos_existing(merchant, external_id, idempotency_key, test=test)
        if found is None:
            raise
        if not _same_request(found, customer=customer, amount=amount, request_hash=request_hash):
            if idempotency_key and found.idempotency_key == idempotency_key:
                raise IdempotencyKeyReused(details={"external_id": found.external_id})
            raise TransactionConflict(details={"external_id": found.external_id})
        return found, False
    if not test and rules.account.referral_pending:
        referral_reward(referred=customer)
    return tx, True


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


def _pos_apply(tx, *, rules: Rules, lines, points_to_redeem, coupon_code, actor):
    """Everything after the transaction row, inside its transaction; ``rules.account``
    is locked."""
    written = PosTransactionLine.objects.bulk_create(
        [
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
    )
    _lines_in_hand(tx, written)
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
    offered = sale_offers_apply(tx, points_rules=rules, lines=lines, due=due, actor=actor)
    tx.discount += offered.discount
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
    if coupon_code or points_to_redeem or offered.discount or tx.points_earned != earned:
        tx.points_earned = earned
        tx.save(update_fields=["coupon_code", "discount", "points_redeemed", "points_earned", "updated_at"])
    if not tx.is_test:
        promos_issue(pos_transaction=tx)
    audit_log(
        actor=actor or f"merchant:{merchant.code}",
        action="loyalty.transaction.recorded",
        obj=tx,
        data={"amount": str(tx.amount), "earned": earned, "redeemed": tx.points_redeemed, "test": tx.is_test},
    )


def pos_transaction_refund(*, pos_transaction: PosTransaction, amount=None, reason: str = "", actor=None):
    """Refunds ``amount`` (all that is left by default) of a POS transaction: takes back
    the matching share of the points it earned (never below zero; a shortfall is
    recorded) and, on a full refund, gives back the points it spent. Locks the
    transaction row, then the account. A refund that exceeds what is left is refused."""
    with transaction.atomic():
        tx = PosTransaction.objects.select_for_update().select_related("merchant").get(pk=pos_transaction.pk)
        if tx.status in (PosTransaction.Status.REFUNDED, PosTransaction.Status.VOIDED):
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
    from .earning import _reverse_share

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


def pos_points_redeem(*, merchant, customer, points: int, reference: str, amount=None, actor=None, test=False):
    """Spends points at a partner's till outside a recorded transaction (e.g. a gift).
    Returns ``(entry, value)``. Idempotent per ``reference``. Locks the account, then
    its lots; refuses with ``NotEnoughPoints`` and writes nothing. ``test``: the same
    checks, and an unsaved entry of what would be spent; nothing is written."""
    if points <= 0:
        raise InvalidPoints(details={"field": "points"})
    if test:
        rules = modes.rules_read(customer=customer, merchant=merchant, day=timezone.localdate())
    else:
        rules = rules_for(customer=customer, merchant=merchant)
    if points < rules.min_redeem_points:
        raise InvalidPoints(details={"field": "points", "min": rules.min_redeem_points})
    if test:
        balance = modes.points_check(rules.account, points)
        entry = LedgerEntry(kind=Kind.REDEEMED, points=-points, balance_after=balance - points, merchant=merchant)
        return entry, rules.value_of(points)
    with transaction.atomic():
        account = account_lock(rules.account)
        entry = _debit(
            account,
            kind=Kind.REDEEMED,
            points=points,
            source="pos_redeem",
            reference=f"{merchant.pk}:{reference}",
            description=_("Spent at %(m)s") % {"m": merchant.name},
            merchant=merchant,
            amount=_money(amount or 0),
            actor=actor or f"merchant:{merchant.code}",
        )
    return entry, rules.value_of(-entry.points)
