"""Earning, reversing and spending coalition points for platform orders; tiers; birthday
bonuses; referrals.

Rules (all from system settings, editable in the admin):

- a paid order in the network currency (KGS) earns
  ``floor(order.total × loyalty.points_per_som × tier multiplier)`` coalition points
  (1 point per 10 som by default), once per order;
- a refund takes back the same share of those points as the share of the order refunded
  so far; points already spent cannot be taken back, and what could not be is recorded as
  ``data["shortfall"]`` on the reversal entry (the balance stays at zero, never below);
- one point is worth ``loyalty.point_value`` som when spent at checkout;
- a customer's tier follows their *qualifying points*: earned and bonus points of the last
  ``loyalty.tier_window_months`` months minus refund reversals. Spending never demotes;
  points simply ageing out of the window can, and the nightly recalculation logs that.

``Account.tier_points`` holds the qualifying points. Most writes recount them from the
ledger (``tier_recalculate``); the hot paths — a partner's POS sale and a paid platform
order — add what they earned to them in the same UPDATE as the balance instead
(``_credit_qualifying``) and move the tier when that crosses a threshold. Points that age out of the window are taken off only by
the next recount — the nightly ``tiers_recalculate_all``, or any other earning, refund or
award on the account — and until then still count toward the tier a sale reaches; a sale
never demotes, the recount does.
"""

import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.accounts.models import User
from skypark.audit.services import audit_log
from skypark.config.selectors import get, get_decimal, get_int
from skypark.core.hotcache import HotCache
from skypark.core.loyalty import NO_TIER, TierBenefits
from skypark.core.references import random_code

from ..errors import InvalidPoints, PointsNotAccepted, ReferralNotAllowed
from ..models import Account, LedgerEntry, MerchantProgram, Referral, ReferralCode, Tier, TierBasis, TierChange
from .ledger import (
    _credit,
    _debit,
    _existing,
    _give_back,
    account_for_update,
    account_get_or_create,
    account_lock,
    points_floor,
    spendable_locked,
)

Kind = LedgerEntry.Kind
NETWORK_CURRENCY = "KGS"


# --- tiers ------------------------------------------------------------------------------


LADDERS = HotCache("loyalty:tier-ladder:v2")


def tier_ladder(merchant_id=None) -> list[Tier]:
    """The coalition's ladder (``merchant_id`` None) or a merchant's own, lowest first."""
    query = (
        Tier.objects.filter(merchant__isnull=True)
        if merchant_id is None
        else Tier.objects.filter(merchant_id=merchant_id)
    )
    return list(query.order_by("min_points", "min_spend"))


def tier_ladder_cached(merchant_id=None) -> list[Tier]:
    """``tier_ladder`` through the Django cache, for the hot paths. Saving or deleting a
    tier drops it (``tier_ladder_forget``, connected to the model's signals)."""
    return LADDERS.get(lambda: tier_ladder(merchant_id), merchant_id)


def tier_ladder_forget(instance=None, **_kwargs):
    """Drops the cached ladder now and again after the commit, so a reader that loaded
    the old rows in between does not keep them."""
    LADDERS.forget(getattr(instance, "merchant_id", None))


def tier_of(account: Account, ladder: list[Tier]) -> Tier | None:
    """The account's tier, taken from ``ladder`` (read only when the ladder lacks it)."""
    if account.tier_id is None:
        return None
    for tier in ladder:
        if tier.pk == account.tier_id:
            return tier
    return account.tier


def _threshold(tier: Tier, basis: str):
    return tier.min_spend if basis == TierBasis.SPEND else tier.min_points


def tier_for_points(points, ladder=None, basis=TierBasis.POINTS) -> Tier | None:
    """The highest tier of ``ladder`` whose threshold on ``basis`` the value reaches."""
    chosen = None
    for tier in sorted(ladder if ladder is not None else tier_ladder(), key=lambda t: _threshold(t, basis)):
        if _threshold(tier, basis) <= points:
            chosen = tier
    return chosen


def _ranks_above(new: Tier | None, old: Tier | None, basis=TierBasis.POINTS) -> bool:
    return (_threshold(new, basis) if new else -1) > (_threshold(old, basis) if old else -1)


def ladder_basis(account: Account) -> tuple[list[Tier], str]:
    """The ladder an account climbs and what it counts: the coalition's
    (``loyalty.tier_basis``) for the coalition account, the merchant's own (its
    programme's ``tier_basis``) for an account in a merchant's programme."""
    if account.merchant_id is None:
        return tier_ladder_cached(), get("loyalty.tier_basis") or TierBasis.POINTS
    program = MerchantProgram.objects.filter(merchant_id=account.merchant_id).only("tier_basis").first()
    return tier_ladder_cached(account.merchant_id), program.tier_basis if program else TierBasis.POINTS


def qualifying_points(account: Account, *, now=None) -> int:
    now = now or timezone.now()
    since = now - relativedelta(months=get_int("loyalty.tier_window_months"))
    total = account.entries.filter(
        Q(kind__in=[Kind.EARNED, Kind.BONUS]) | Q(kind=Kind.REVERSED, source="refund"), created_at__gte=since
    ).aggregate(s=Sum("points"))["s"]
    return max(total or 0, 0)


def qualifying_spend(account: Account, *, now=None) -> Decimal:
    """What the account's till sales came to in the window, less refunds (voided sales
    count nothing)."""
    from ..models import PosTransaction

    now = now or timezone.now()
    since = now - relativedelta(months=get_int("loyalty.tier_window_months"))
    total = (
        PosTransaction.objects.filter(account_id=account.pk, is_test=False, occurred_at__gte=since)
        .exclude(status=PosTransaction.Status.VOIDED)
        .aggregate(s=Sum(F("amount") - F("refunded_amount")))["s"]
    )
    return max(total or Decimal("0.00"), Decimal("0.00"))


def tier_recalculate(*, account: Account, now=None, ladder=None) -> TierChange | None:
    """Requalifies the account on its ladder (the coalition's, or its merchant's) by the
    ladder's basis. An upgrade is immediate. A downgrade waits: the first time the
    account falls short it keeps its tier for ``loyalty.tier_grace_days`` (noted in
    ``tier_grace_until``); qualifying again in that time clears the grace, and only a
    recount after it ends demotes. Logs a ``TierChange`` and an audit entry on a move.
    Locks the account. Idempotent."""
    with transaction.atomic():
        account = account_lock(account)
        own_ladder, basis = ladder_basis(account)
        ladder = ladder if ladder is not None and account.merchant_id is None else own_ladder
        if not ladder:
            return None
        now = now or timezone.now()
        points = qualifying_points(account, now=now)
        spend = qualifying_spend(account, now=now) if basis == TierBasis.SPEND else Decimal("0.00")
        target = tier_for_points(spend if basis == TierBasis.SPEND else points, ladder, basis)
        current = tier_of(account, ladder)
        updates = {} if account.tier_points == points else {"tier_points": points}
        after_grace = False
        if (target.pk if target else None) == account.tier_id or not (
            _ranks_above(target, current, basis) or _ranks_above(current, target, basis)
        ):
            if account.tier_grace_until is not None:
                updates["tier_grace_until"] = None
            if updates:
                Account.objects.filter(pk=account.pk).update(**updates)
            return None
        if _ranks_above(current, target, basis):
            grace_days = get_int("loyalty.tier_grace_days")
            if account.tier_grace_until is None and grace_days > 0:
                updates["tier_grace_until"] = now + datetime.timedelta(days=grace_days)
                Account.objects.filter(pk=account.pk).update(**updates)
                return None
            if account.tier_grace_until is not None and now < account.tier_grace_until:
                if updates:
                    Account.objects.filter(pk=account.pk).update(**updates)
                return None
            after_grace = account.tier_grace_until is not None
        Account.objects.filter(pk=account.pk).update(tier=target, tier_changed_at=now, tier_grace_until=None, **updates)
        return _tier_change_log(
            account,
            old=current,
            new=target,
            points=points,
            spend=spend,
            upgrade=_ranks_above(target, current, basis),
            after_grace=after_grace,
        )


def _tier_change_log(
    account: Account, *, old: Tier | None, new: Tier | None, points: int, spend=None, upgrade=None, after_grace=False
) -> TierChange:
    if upgrade is None:
        upgrade = _ranks_above(new, old)
    change = TierChange.objects.create(
        account=account,
        from_tier=old,
        to_tier=new,
        qualifying_points=points,
        qualifying_spend=spend or Decimal("0.00"),
        is_upgrade=upgrade,
        after_grace=after_grace,
    )
    audit_log(
        actor=None,
        action="loyalty.tier.upgraded" if upgrade else "loyalty.tier.downgraded",
        obj=account,
        before={"tier": old.code if old else None},
        after={"tier": new.code if new else None},
        data={"qualifying_points": points, "qualifying_spend": str(spend or 0), "after_grace": after_grace},
    )
    return change


def _credit_qualifying(account: Account, *, points: int, now, ladder=None, **credit) -> LedgerEntry:
    """``_credit`` of ``points`` that count toward the tier of a coalition ``account``
    (locked by the caller), under a reference the caller knows is new
    (``reference_is_new``): the UPDATE that moves the balance also adds them to
    ``tier_points`` and, when that reaches a higher tier of the ladder, sets the tier,
    which is logged as ``tier_recalculate`` logs it. Qualifying points are not recounted
    here (see the module's docstring); a sale only ever moves a tier up, and only on a
    ladder that counts points (a spend ladder moves at the recount)."""
    ladder = tier_ladder_cached() if ladder is None else ladder
    qualifying = account.tier_points + points
    moves = {"tier_points": points}
    old = tier_of(account, ladder)
    tier = tier_for_points(qualifying, ladder)
    changed = _ranks_above(tier, old) and (get("loyalty.tier_basis") or TierBasis.POINTS) == TierBasis.POINTS
    if changed:
        moves["tier"] = tier
    entry = _credit(account, points=points, now=now, reference_is_new=True, **moves, **credit)
    if changed:
        _tier_change_log(account, old=old, new=tier, points=qualifying, upgrade=True)
    return entry


def tiers_recalculate_all(*, now=None) -> int:
    """The nightly requalification: every coalition account, and every account in a
    merchant programme that has its own ladder, is recounted (``tier_recalculate``), which
    takes off what aged out of the window (a POS sale only adds), starts or ends grace
    periods and demotes where a grace period has run out."""
    ladder = tier_ladder()
    with_ladders = Tier.objects.filter(merchant__isnull=False).values("merchant_id")
    accounts = Account.objects.filter(Q(merchant__isnull=True) | Q(merchant_id__in=with_ladders))
    changed = 0
    for pk, merchant_id in accounts.values_list("pk", "merchant_id").iterator():
        if tier_recalculate(account=Account(pk=pk), now=now, ladder=ladder if merchant_id is None else None):
            changed += 1
    return changed


def tier_benefits(tier: Tier | None) -> TierBenefits:
    if tier is None:
        return NO_TIER
    return TierBenefits(
        code=tier.code,
        name=tier.display_name,
        discount_percent=tier.discount_percent,
        points_multiplier=tier.multiplier,
    )


def customer_tier(customer) -> Tier | None:
    account = Account.objects.filter(customer=customer, merchant__isnull=True).select_related("tier").first()
    if account is not None and account.tier is not None:
        return account.tier
    return Tier.objects.filter(merchant__isnull=True).order_by("min_points").first()


# --- earning for platform orders --------------------------------------------------------


def network_points_for(amount: Decimal, multiplier: Decimal) -> int:
    return points_floor(Decimal(amount) * get_decimal("loyalty.points_per_som") * Decimal(multiplier))


def _after_purchase(customer):
    referral_reward(referred=customer)


def points_earn_for_order(*, order) -> LedgerEntry | None:
    """Credits the coalition points a paid order earns, once per order (a second call
    returns the first entry), the way a partner's POS sale does: the customer's coalition
    account read locked (created on first use) with whether a referral waits for their
    first purchase, one UPDATE of balance, lifetime totals and qualifying points, the
    tier following in the same transaction (``_credit_qualifying``), then the referral
    when one is pending. Runs inside the payment's transaction (``order_paid``) without a
    savepoint of its own."""
    customer = order.customer
    if order.currency != NETWORK_CURRENCY or order.total <= 0:
        _after_purchase(customer)
        return None
    with transaction.atomic(savepoint=False):
        account = account_for_update(customer=customer)
        existing = _existing(account, Kind.EARNED, "order", order.reference)
        if existing is not None:
            return existing
        ladder = tier_ladder_cached()
        tier = tier_of(account, ladder) or (ladder[0] if ladder else None)
        multiplier = tier.multiplier if tier else Decimal("1")
        points = network_points_for(order.total, multiplier)
        entry = None
        if points > 0:
            entry = _credit_qualifying(
                account,
                points=points,
                now=timezone.now(),
                ladder=ladder,
                kind=Kind.EARNED,
                source="order",
                reference=order.reference,
                description=_("Order %(ref)s") % {"ref": order.reference},
                multiplier=multiplier,
                amount=order.total,
            )
        if account.referral_pending:
            _after_purchase(customer)
    return entry


def _reverse_share(account, *, earned: LedgerEntry, share: Decimal, reference: str, merchant=None):
    """Takes back ``share`` (0..1) of what ``earned`` brought, minus what earlier
    reversals of it already took back (account row must be locked)."""
    target = points_floor(Decimal(earned.points) * share)
    previous = account.entries.filter(kind=Kind.REVERSED, source="refund", data__reverses=earned.pk)
    taken = -(previous.aggregate(s=Sum("points"))["s"] or 0)
    shortfall = sum(e.data.get("shortfall", 0) for e in previous)
    due = target - taken - shortfall
    if due <= 0:
        return None
    return _debit(
        account,
        kind=Kind.REVERSED,
        points=due,
        source="refund",
        reference=reference,
        description=_("Refund of %(ref)s") % {"ref": earned.reference},
        merchant=merchant,
        allow_partial=True,
        prefer_lot=getattr(earned, "lot", None),
        data={"reverses": earned.pk},
    )


def points_reverse_for_order_refund(*, order) -> LedgerEntry | None:
    """An order was (partly) refunded: reverses the matching share of the points it
    earned. Keyed by the running refunded total, so a signal delivered twice reverses
    once. Locks the coalition account."""
    account = Account.objects.filter(customer_id=order.customer_id, merchant__isnull=True).first()
    if account is None or order.total <= 0:
        return None
    with transaction.atomic():
        account = account_lock(account)
        earned = account.entries.filter(kind=Kind.EARNED, source="order", reference=order.reference).first()
        if earned is None:
            return None
        share = min(Decimal(order.refunded_total) / Decimal(order.total), Decimal(1))
        entry = _reverse_share(
            account,
            earned=earned,
            share=share,
            reference=f"{order.reference}:{order.refunded_total}",
        )
    if entry is not None:
        tier_recalculate(account=account)
    return entry


def points_value(points: int, currency: str) -> Decimal:
    if currency != NETWORK_CURRENCY or points <= 0:
        return Decimal("0.00")
    return (Decimal(points) * get_decimal("loyalty.point_value")).quantize(Decimal("0.01"))


def spendable_points(customer) -> int:
    account = Account.objects.filter(customer=customer, merchant__isnull=True).first()
    if account is None:
        return 0
    return spendable_locked(account, now=timezone.now())


def points_redeem_for_order(*, customer, points: int, order) -> Decimal:
    """Spends ``points`` of the customer's coalition balance on ``order`` inside the
    caller's transaction: locks the account, then its lots, first-expiring-first.
    Raises ``NotEnoughPoints`` (nothing written). Spending twice on one order returns the
    first redemption's value. ``points_release_for_order`` gives them back."""
    if points is None or points == 0:
        return Decimal("0.00")
    if points < 0:
        raise InvalidPoints(details={"field": "points"})
    if order.currency != NETWORK_CURRENCY:
        raise PointsNotAccepted(details={"currency": order.currency})
    account = account_get_or_create(customer=customer)
    with transaction.atomic():
        account = account_lock(account)
        entry = _debit(
            account,
            kind=Kind.REDEEMED,
            points=points,
            source="order",
            reference=order.reference,
            description=_("Paid part of order %(ref)s") % {"ref": order.reference},
            amount=order.subtotal,
        )
    return points_value(-entry.points, order.currency)


def points_release_for_order(*, order) -> LedgerEntry | None:
    """An unpaid order expired or was cancelled: the points spent on it come back to
    the lots they came from. Locks the account. Idempotent."""
    from skypark.commerce.models import Order

    account = Account.objects.filter(customer_id=order.customer_id, merchant__isnull=True).first()
    if account is None:
        return None
    with transaction.atomic():
        account = account_lock(account)
        # Read after the account lock: money that came late may have revived the order
        # (``points_respend_for_revived_order`` holds this lock while it does).
        if not Order.objects.filter(pk=order.pk, status__in=(Order.Status.EXPIRED, Order.Status.CANCELLED)).exists():
            return None
        debit = account.entries.filter(kind=Kind.REDEEMED, source="order", reference=order.reference).first()
        if debit is None:
            return None
        return _give_back(
            account,
            debit=debit,
            source="order_release",
            reference=order.reference,
            description=_("Order %(ref)s was not paid") % {"ref": order.reference},
        )


def points_respend_for_revived_order(*, order) -> LedgerEntry | None:
    """Money for an expired order arrived late and the order is being revived (inside
    the checkout's transaction, order row locked): the points given back at expiry are
    spent on it again. Locks the account. Raises ``NotEnoughPoints`` when they are gone,
    and the checkout refunds the money instead. Idempotent."""
    account = Account.objects.filter(customer_id=order.customer_id, merchant__isnull=True).first()
    if account is None:
        return None
    account = account_lock(account)
    release = account.entries.filter(kind=Kind.REVERSED, source="order_release", reference=order.reference).first()
    if release is None:
        return None
    return _debit(
        account,
        kind=Kind.REDEEMED,
        points=release.points,
        source="order_revive",
        reference=order.reference,
        description=_("Paid part of order %(ref)s") % {"ref": order.reference},
        amount=order.subtotal,
    )


def points_award(*, customer, points: int, source: str, reference: str, description: str = "", kind=Kind.EARNED):
    """Awards ``points`` to the coalition balance once per ``(source, reference)``;
    returns the points added (0 when that reference was already rewarded). Locks the
    account."""
    if points <= 0:
        return 0
    account = account_get_or_create(customer=customer)
    with transaction.atomic():
        account = account_lock(account)
        if account.entries.filter(kind=kind, source=source, reference=reference).exists():
            return 0
        _credit(account, kind=kind, points=points, source=source, reference=reference, description=description)
    tier_recalculate(account=account)
    return points


# --- birthday bonus ---------------------------------------------------------------------


def _birthday_query(today: datetime.date):
    query = Q(birth_date__month=today.month, birth_date__day=today.day)
    # Customers born on 29 February celebrate on 28 February in other years.
    if today.month == 2 and today.day == 28 and not _is_leap(today.year):
        query |= Q(birth_date__month=2, birth_date__day=29)
    return query


def _is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _birthday_notify(customer, points, today):
    from django.conf import settings
    from django.urls import reverse

    from skypark.notify.services import notification_send

    balance = Account.objects.filter(customer=customer, merchant__isnull=True).values_list("balance", flat=True).first()
    notification_send(
        recipient=customer,
        kind="loyalty.birthday_bonus",
        context={
            "points": points,
            "balance": balance or 0,
            "card_url": settings.SITE_URL.rstrip("/") + reverse("loyalty:card"),
        },
        channels=("email", "in_app"),
        dedupe_key=f"loyalty.birthday_bonus.{customer.pk}.{today.year}",
    )


def birthday_bonuses_award(*, today=None) -> int:
    """Gives ``loyalty.birthday_bonus`` points (or their tier's own birthday bonus, when
    it has one) to every active customer whose birthday is ``today``, once per year (the ledger reference is the year), and tells them by
    e-mail and in the app (deduplicated per year). Safe to re-run.

    Children's birthdays earn nothing: children have no account of their own, so their
    bonus would land on the parent's balance once per child, which reads as a loophole
    rather than a gift."""
    today = today or timezone.localdate()
    network_bonus = get_int("loyalty.birthday_bonus")
    awarded = 0
    for customer in User.objects.filter(_birthday_query(today), is_active=True, is_staff=False).iterator():
        # A tier may give its own birthday bonus (benefits are data on the tier).
        tier = customer_tier(customer)
        bonus = tier.birthday_bonus if tier is not None and tier.birthday_bonus is not None else network_bonus
        if bonus <= 0:
            continue
        added = points_award(
            customer=customer,
            points=bonus,
            source="birthday",
            reference=str(today.year),
            description=_("Happy birthday!"),
            kind=Kind.BONUS,
        )
        if added:
            Account.objects.filter(customer=customer, merchant__isnull=True).update(last_birthday_bonus_year=today.year)
            _birthday_notify(customer, added, today)
            awarded += 1
    return awarded


# --- referrals --------------------------------------------------------------------------


def referral_code_get(*, customer) -> ReferralCode:
    existing = ReferralCode.objects.filter(customer=customer).first()
    if existing:
        return existing
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return ReferralCode.objects.create(customer=customer, code=random_code(8))
        except Exception:
            existing = ReferralCode.objects.filter(customer=customer).first()
            if existing:
                return existing
    raise RuntimeError("could not allocate a referral code")


@transaction.atomic
def referral_register(*, referred, code: str) -> Referral:
    """Links a new customer to whoever invited them. Refused for one's own code, for a
    customer who was already referred, or one who has already bought something."""
    owner = ReferralCode.objects.filter(code=(code or "").strip().upper()).select_related("customer").first()
    if owner is None or owner.customer_id == referred.pk:
        raise ReferralNotAllowed(details={"field": "code"})
    if Referral.objects.filter(referred=referred).exists():
        raise ReferralNotAllowed(_("You were already invited by someone."), details={"reason": "already_referred"})
    if Account.objects.filter(customer=referred, lifetime_earned__gt=0).exists():
        raise ReferralNotAllowed(_("Invitations are for new customers."), details={"reason": "not_new"})
    referral = Referral.objects.create(referrer=owner.customer, referred=referred)
    audit_log(actor=referred, action="loyalty.referral.registered", obj=referral)
    return referral


def referral_reward(*, referred) -> bool:
    """The referred customer made a purchase: their referral is due (``purchased_at``).
    Both sides get their bonus, once, as soon as both have confirmed their phones — now,
    or at the later confirmation (``referrals_reward_verified``), so invitations of
    made-up numbers earn nothing. Locks the referral row; returns whether it paid."""
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update().filter(referred=referred, status=Referral.Status.PENDING).first()
        )
        if referral is None:
            return False
        if referral.purchased_at is None:
            referral.purchased_at = timezone.now()
            referral.save(update_fields=["purchased_at"])
        return _referral_pay_if_verified(referral)


def referrals_reward_verified(*, user) -> int:
    """``user`` has just confirmed their phone (called in that transaction): pays every
    due referral they are a side of whose other side is confirmed too. Locks the
    referral rows in id order; returns how many were paid."""
    due = (
        Referral.objects.select_for_update()
        .filter(Q(referred=user) | Q(referrer=user), status=Referral.Status.PENDING, purchased_at__isnull=False)
        .order_by("pk")
    )
    return sum(_referral_pay_if_verified(referral) for referral in due)


def _referral_pay_if_verified(referral) -> bool:
    """Credits both bonuses of a due referral (its row locked by the caller) if both
    customers' phones are confirmed, and marks it rewarded."""
    sides = {referral.referrer_id, referral.referred_id}
    if User.objects.filter(pk__in=sides, phone_verified=True).count() != len(sides):
        return False
    referral.status = Referral.Status.REWARDED
    referral.rewarded_at = timezone.now()
    referral.save(update_fields=["status", "rewarded_at"])
    reference = f"referral:{referral.pk}"
    points_award(
        customer=referral.referrer,
        points=get_int("loyalty.referral_bonus"),
        source="referral",
        reference=reference,
        description=_("A friend you invited made a purchase"),
        kind=Kind.BONUS,
    )
    points_award(
        customer=referral.referred,
        points=get_int("loyalty.referral_welcome_bonus"),
        source="referral_welcome",
        reference=reference,
        description=_("Welcome bonus"),
        kind=Kind.BONUS,
    )
    audit_log(actor=None, action="loyalty.referral.rewarded", obj=referral)
    return True


class LoyaltyProvider:
    """The implementation of ``skypark.core.loyalty``'s port for the rest of the platform."""

    def tier_for(self, customer) -> TierBenefits:
        return tier_benefits(customer_tier(customer))

    def spendable_points(self, customer) -> int:
        return spendable_points(customer)

    def points_value(self, points: int, currency: str) -> Decimal:
        return points_value(points, currency)

    def points_redeem_for_order(self, *, customer, points: int, order) -> Decimal:
        return points_redeem_for_order(customer=customer, points=points, order=order)

    def points_award(self, *, customer, points: int, source: str, reference: str, description: str = "") -> int:
        return points_award(
            customer=customer, points=points, source=source, reference=reference, description=description
        )

    def offers_apply_to_order(self, *, order, lines) -> Decimal:
        from ..offers.services import order_offers_apply

        return order_offers_apply(order=order, lines=lines)
