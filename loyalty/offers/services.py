"""Writes of the offer constructor: compose, submit, accept, approve; apply at the till and
at the platform's checkout; reverse.

Lock order: a till sale holds the customer's points account (``pos_transaction_record``),
then locks the offers it applies in ascending id (one chosen offer as the sale's last
write, several before the sale's row), and writes their applications; a platform order
locks the same offers in the same order. A reversal locks the accounts
its bonus points went to, then the offers in ascending id. Nothing locks an account
while holding an offer, so none of them can wait for another in a cycle.

Budgets (``budget``): a sale with one candidate offer takes its cost with one
conditional UPDATE that re-checks the status and the caps on the row as it is under the
lock, as the sale's last write (a sale that finds the budget gone then is rolled back and
made again, taking the budget before its row); with several candidates the rows are
locked (FOR UPDATE) and their counters re-read before the offers are chosen and the
costs added with ``F()``. Either way the
database refuses a counter past its cap besides (``loyalty_offer_budget_not_overspent``).
So a cap of N holds whatever the number of concurrent tills.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.config.selectors import get_decimal
from skypark.core import segments
from skypark.core.references import random_code

from ..clearing.services.posting import post_offer_funding, reverse_offer_funding
from ..models import Account, Coupon, LedgerEntry, PosTransaction
from . import rules
from .budget import BudgetGone, budget_take, budgets_take_locked
from .candidates import _forget, live_offers, offers_forget
from .composing import (
    EDITABLE_FIELDS,
    offer_accept,
    offer_approve,
    offer_create,
    offer_reject,
    offer_stop,
    offer_submit,
)
from .models import Offer, OfferApplication

__all__ = [
    "EDITABLE_FIELDS",
    "live_offers",
    "offer_accept",
    "offer_approve",
    "offer_create",
    "offer_reject",
    "offer_stop",
    "offer_submit",
    "offers_forget",
    "offers_quote",
    "offers_reverse",
    "order_offers_apply",
    "sale_offers_apply",
    "sale_offers_record",
    "sale_offers_settle",
    "sale_offers_take",
]

ZERO = Decimal("0.00")
CACHE_SECONDS = 300


# --- which offers apply to a sale -------------------------------------------------------


def _used_by(customer_id, offers) -> dict:
    limited = [o.pk for o in offers if o.per_customer_limit is not None]
    if not limited or customer_id is None:
        return {}
    rows = (
        OfferApplication.objects.filter(offer_id__in=limited, customer_id=customer_id, status="applied")
        .values("offer_id")
        .annotate(n=Count("id"))
    )
    return {row["offer_id"]: row["n"] for row in rows}


def _segment_lookup(sale):
    seen = {}

    def segment_of(offer):
        scope = offer.merchant_id if offer.segment_own else None
        if scope not in seen:
            seen[scope] = segments.segment_of(customer_id=sale.customer_id, merchant_id=scope)
        return seen[scope]

    return segment_of


def _eligible(offers, sale) -> list[Offer]:
    used = _used_by(sale.customer_id, offers)
    segment_of = _segment_lookup(sale)
    return [
        offer
        for offer in offers
        if not rules.refusal(
            offer,
            sale,
            segment_of=segment_of,
            used_by_customer=used.get(offer.pk, 0),
            tier_ids={t.pk for t in offer.tiers.all()},
        )
    ]


def first_visit(*, customer_id, merchant_id, before_pk=None) -> bool:
    query = PosTransaction.objects.filter(customer_id=customer_id, merchant_id=merchant_id, is_test=False)
    if before_pk is not None:
        query = query.exclude(pk=before_pk)
    return not query.exists()


def sale_context(*, customer, merchant, amount, lines=(), at=None, tier_id=None, base_points=0, tx_pk=None, offers=()):
    """The ``rules.Sale`` of a till sale; asks whether it is a first visit only when an
    offer asks."""
    return rules.Sale(
        customer_id=customer.pk,
        merchant_id=merchant.pk,
        currency=merchant.currency,
        amount=rules.money(amount),
        lines=[_line(line) for line in lines],
        at=at or timezone.now(),
        tier_id=tier_id,
        first_visit=any(o.first_visit for o in offers)
        and first_visit(customer_id=customer.pk, merchant_id=merchant.pk, before_pk=tx_pk),
        base_points=base_points,
        point_value=get_decimal("loyalty.point_value"),
    )


def _line(line) -> dict:
    quantity = Decimal(str(line.get("quantity", 1)))
    total = line.get("total")
    if total is None:
        total = quantity * Decimal(str(line.get("unit_price", 0)))
    return {"sku": str(line.get("sku", "")), "category": str(line.get("category", "")), "total": rules.money(total)}


# --- at the till ------------------------------------------------------------------------


@dataclass
class Applied:
    discount: Decimal = ZERO
    points: int = 0
    applications: list = field(default_factory=list)


def offers_quote(*, merchant, customer, amount, lines=(), at=None, points_rules=None) -> list[rules.Effect]:
    """Which offers a sale would get now and what each gives, without writing anything
    (the till's quote; not even the customer's points account is created).
    ``points_rules``: the customer's earning rules (what the sale earns before offers,
    for multipliers)."""
    offers = live_offers(channel="till", merchant_id=merchant.pk)
    if not offers:
        return []
    from ..services.modes import rules_read

    at = at or timezone.now()
    points_rules = points_rules or rules_read(customer=customer, merchant=merchant, day=timezone.localdate(at))
    sale = sale_context(
        customer=customer,
        merchant=merchant,
        amount=amount,
        lines=lines,
        at=at,
        tier_id=points_rules.account.tier_id if points_rules.account else None,
        base_points=points_rules.points_for(rules.money(amount)),
        offers=offers,
    )
    return rules.choose(_eligible(offers, sale), sale, due=sale.amount)


@dataclass
class Taken:
    """Offers chosen for a sale and their budgets taken, before the sale's row exists:
    ``sale_offers_record`` writes their applications once it does."""

    effects: list = field(default_factory=list)
    sale: rules.Sale | None = None
    test: bool = False
    # Chosen from the cached counters, the budgets still to take (``sale_offers_settle``).
    owed: bool = False

    @property
    def discount(self) -> Decimal:
        return sum((e.discount for e in self.effects), ZERO)


def sale_offers_take(
    *, merchant, customer, amount, lines, at, points_rules, due, test=False, tx_pk=None, defer=False
) -> Taken:
    """Decides which live offers a till sale gets, inside its transaction (the customer's
    account locked by the caller, see the lock order), and takes their cost from their
    budgets. Nothing else is written: ``sale_offers_record`` writes the applications
    once the sale's row exists, in the same transaction. A test sale gets the same
    answer and takes nothing. ``tx_pk``: the sale's row when it is already written (not
    counted as an earlier visit).

    ``defer``: one candidate is chosen on its cached counters and its budget is left to
    ``sale_offers_settle`` at the end of the transaction, which raises ``BudgetGone``
    when it no longer fits (the caller then makes the sale again without ``defer``).
    Several candidates are always locked and taken here."""
    offers = live_offers(channel="till", merchant_id=merchant.pk)
    if not offers:
        return Taken(test=test)
    sale = sale_context(
        customer=customer,
        merchant=merchant,
        amount=amount,
        lines=lines,
        at=at,
        tier_id=points_rules.account.tier_id if points_rules.account else None,
        base_points=points_rules.points_for(due),
        tx_pk=tx_pk,
        offers=offers,
    )
    eligible = _eligible(offers, sale)
    if not eligible:
        return Taken(sale=sale, test=test)
    if test:
        return Taken(effects=rules.choose(eligible, sale, due=due), sale=sale, test=True)
    if defer and len(eligible) == 1:
        chosen = rules.choose(eligible, sale, due=due)
        return Taken(effects=chosen, sale=sale, owed=bool(chosen))
    return Taken(effects=_take(eligible, sale, due=due), sale=sale)


def sale_offers_settle(taken: Taken) -> None:
    """Takes the budgets ``sale_offers_take(defer=True)`` left owed, with one conditional
    UPDATE each (``budget_take``), as the last write of the sale's transaction: the
    offer's row stays locked only until the commit. Raises ``BudgetGone`` when one no
    longer fits; the caller's transaction must then roll back."""
    if not taken.owed:
        return
    now = timezone.now()
    for result in taken.effects:
        if not budget_take(result.offer, result.cost, now=now):
            raise BudgetGone(result.offer.pk)
    taken.owed = False


def sale_offers_record(taken: Taken, *, tx: PosTransaction, account=None, actor=None) -> Applied:
    """The applications of the offers ``sale_offers_take`` chose for ``tx``, with their
    funding split and its clearing entry, the bonus points (into ``account``, locked) and
    cross-promo coupons; returns the discount and points given."""
    if taken.test or not taken.effects:
        return Applied(discount=taken.discount, points=sum(e.points for e in taken.effects))
    return _record(taken.effects, taken.sale, transaction_=tx, account=account)


def sale_offers_apply(tx: PosTransaction, *, points_rules, lines, due, actor=None) -> Applied:
    """Applies the live offers to a sale whose row is written (a coupon or points came
    off first, or a pending sale completes): ``sale_offers_take`` then
    ``sale_offers_record``, inside its transaction (its account locked by the caller)."""
    taken = sale_offers_take(
        merchant=tx.merchant,
        customer=tx.customer,
        amount=tx.amount,
        lines=lines,
        at=tx.occurred_at,
        points_rules=points_rules,
        due=due,
        test=tx.is_test,
        tx_pk=tx.pk,
    )
    return sale_offers_record(taken, tx=tx, account=points_rules.account, actor=actor)


def _take(eligible, sale, *, due) -> list[rules.Effect]:
    """The chosen offers with their cost taken from their budgets. One candidate (the
    usual case) is one conditional UPDATE: it applies if its cost still fits, and
    nothing else could apply instead. Several are locked and chosen again on their
    current rows (``budgets_take_locked``)."""
    now = timezone.now()
    if len(eligible) > 1:
        return budgets_take_locked(eligible, sale, due=due, now=now)
    # The cached counters can only be behind the row (a reversal drops the cache), so an
    # offer they already show as used up is not tried.
    chosen = rules.choose(eligible, sale, due=due)
    return [result for result in chosen if budget_take(result.offer, result.cost, now=now)]


def _record(chosen, sale, *, transaction_=None, order=None, account=None) -> Applied:
    applied = Applied()
    applications = []
    for result in chosen:
        offer = result.offer
        issuer, partner, operator = rules.funding_split(offer, result.cost)
        application = OfferApplication(
            offer=offer,
            customer_id=sale.customer_id,
            merchant_id=sale.merchant_id,
            transaction=transaction_,
            order=order,
            currency=offer.currency,
            discount=result.discount,
            points=result.points,
            cost=result.cost,
            issuer_amount=issuer,
            partner_amount=partner,
            operator_amount=operator,
        )
        if offer.kind == Offer.Kind.CROSS_COUPON:
            application.coupon = _coupon_issue(offer, customer_id=sale.customer_id, now=sale.at)
        applications.append(application)
    OfferApplication.objects.bulk_create(applications)
    for application in applications:
        _clearing_post(application, application.offer, acceptor_id=sale.merchant_id, at=sale.at)
        if application.points and account is not None:
            _points_credit(account, application, where=transaction_)
        applied.discount += application.discount
        applied.points += application.points
        applied.applications.append(application)
    return applied


def _apply(eligible, sale, *, due, transaction_=None, order=None, account=None) -> Applied:
    return _record(_take(eligible, sale, due=due), sale, transaction_=transaction_, order=order, account=account)


def _clearing_post(application, offer, *, acceptor_id, at):
    """Clears the money discount an application gave: the partner where the sale happened
    receives it, funded by the shares the offer names (bonus points are cleared as the
    points movement they are; a cross-promo coupon when it is redeemed)."""
    if not application.discount:
        return
    issuer, partner, operator = rules.funding_split(offer, application.discount)
    funders = {}
    for party, amount in ((offer.merchant_id, issuer), (offer.partner_id, partner), (None, operator)):
        if amount:
            funders[party] = funders.get(party, ZERO) + amount
    post_offer_funding(
        reference=f"offer:{application.pk}",
        acceptor=acceptor_id or None,
        discount=application.discount,
        funders=funders,
        occurred_at=at,
        memo=offer.name,
        reference_is_new=True,
    )


def _coupon_issue(offer: Offer, *, customer_id, now) -> Coupon:
    return Coupon.objects.create(
        code=f"OF{random_code(10)}",
        merchant_id=offer.partner_id,
        customer_id=customer_id,
        kind=offer.coupon_kind or Coupon.Kind.FIXED,
        value=offer.value,
        item_name=offer.item_name,
        description=offer.name[:255],
        valid_from=now,
        valid_until=now + datetime.timedelta(days=offer.coupon_valid_days),
        max_uses=1,
    )


def _points_credit(account, application, *, where=None):
    from ..services.ledger import _credit, expiry_for

    now = timezone.now()
    _credit(
        account,
        kind=LedgerEntry.Kind.BONUS,
        points=application.points,
        source="offer",
        reference=f"offer:{application.pk}",
        description=_("Offer: %(name)s") % {"name": application.offer.name},
        merchant=getattr(where, "merchant", None),
        expires_at=expiry_for(account, now=now),
        now=now,
        reference_is_new=True,
    )


# --- at the platform's checkout ---------------------------------------------------------


def order_offers_apply(*, order, lines) -> Decimal:
    """Applies the live online offers to a platform order just written (inside the
    checkout's transaction); returns the discount. Each line's ``kind`` is its category.
    Reads nothing from the database when no offer is live online."""
    offers = live_offers(channel="online")
    if not offers or order.customer_id is None:
        return ZERO
    account = Account.objects.filter(customer_id=order.customer_id, merchant__isnull=True).first()
    sale = rules.Sale(
        customer_id=order.customer_id,
        merchant_id=None,
        currency=order.currency,
        amount=order.total,
        lines=[{"sku": "", "category": line.kind, "total": line.total} for line in lines],
        at=timezone.now(),
        tier_id=account.tier_id if account else None,
        first_visit=any(o.first_visit for o in offers)
        and not OfferApplication.objects.filter(customer_id=order.customer_id, order__isnull=False).exists(),
        point_value=get_decimal("loyalty.point_value"),
        channel="online",
    )
    eligible = _eligible(offers, sale)
    if not eligible:
        return ZERO
    if account is not None and any(o.kind in rules.POINTS_KINDS for o in eligible):
        from ..services.ledger import account_lock

        account = account_lock(account)
    return _apply(eligible, sale, due=order.total, order=order, account=account).discount


# --- reversal ---------------------------------------------------------------------------


def offers_reverse(*, transaction_=None, order=None) -> int:
    """Gives back the budget of every offer applied to a voided or fully refunded sale, or
    a cancelled, expired or refunded order, and takes back the bonus points they gave
    (never below zero). Idempotent: a reversed application is left alone. Returns how
    many were reversed."""
    condition = Q(transaction=transaction_) if transaction_ is not None else Q(order=order)
    with transaction.atomic():
        pending = list(
            OfferApplication.objects.filter(condition, status=OfferApplication.Status.APPLIED).values_list(
                "pk", "offer_id", "points"
            )
        )
        if not pending:
            return 0
        # The accounts first, as a sale takes them (see the lock order above).
        references = [f"offer:{pk}" for pk, _offer, points in pending if points]
        if references:
            accounts = LedgerEntry.objects.filter(source="offer", reference__in=references).values_list(
                "account_id", flat=True
            )
            list(Account.objects.select_for_update().filter(pk__in=list(accounts)).order_by("pk"))
        list(Offer.objects.select_for_update().filter(pk__in=[o for _pk, o, _p in pending]).order_by("pk"))
        applications = list(
            OfferApplication.objects.select_for_update()
            .filter(condition, status=OfferApplication.Status.APPLIED)
            .select_related("offer")
        )
        now = timezone.now()
        for application in applications:
            OfferApplication.objects.filter(pk=application.pk).update(
                status=OfferApplication.Status.REVERSED, reversed_at=now
            )
            Offer.objects.filter(pk=application.offer_id).update(
                spent_amount=F("spent_amount") - application.cost, redemptions=F("redemptions") - 1, updated_at=now
            )
            if application.points:
                _points_take_back(application)
            if application.coupon_id:
                Coupon.objects.filter(pk=application.coupon_id, uses_count=0).update(is_active=False)
            if application.discount:
                reverse_offer_funding(reference=f"offer:{application.pk}")
            _forget(application.offer)
        return len(applications)


def _points_take_back(application):
    from ..services.earning import _reverse_share
    from ..services.ledger import account_lock

    reference = f"offer:{application.pk}"
    bonus = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.BONUS, source="offer", reference=reference).first()
    if bonus is not None:
        account = account_lock(bonus.account_id)
        _reverse_share(account, earned=bonus, share=Decimal(1), reference=reference)
