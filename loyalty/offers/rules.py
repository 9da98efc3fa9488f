"""The offer constructor's rules as pure functions: whether an offer's conditions hold for
a sale, what it gives, what that costs and who pays. Services, the till quote, the
platform checkout and the cost projection all decide through these, so they cannot
disagree.

Rounding (written down once): a percent discount is rounded half-up to the cent; bonus
points are floored; a cost in points is ``points × loyalty.point_value`` rounded half-up to
the cent; the funding split rounds the issuer's and the accepting partner's shares half-up
to the cent and the operator's share is the remainder, so the three always sum to the
cost exactly.
"""

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from .models import Offer

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
Kind = Offer.Kind
DISCOUNT_KINDS = (Kind.PERCENT, Kind.FIXED, Kind.FREE_ITEM)
POINTS_KINDS = (Kind.BONUS_POINTS, Kind.MULTIPLIER)


@dataclass
class Sale:
    """What the rules look at: one sale, before it is written."""

    customer_id: int | None
    merchant_id: int | None  # None at the platform's checkout
    currency: str
    amount: Decimal
    lines: list = field(default_factory=list)  # [{"sku", "category", "total"}]
    at: object = None  # aware datetime, local time is what days and hours mean
    tier_id: int | None = None
    first_visit: bool = False
    base_points: int = 0  # what the sale earns before any offer
    point_value: Decimal = Decimal("1")
    channel: str = "till"  # or "online"


@dataclass
class Effect:
    offer: Offer
    discount: Decimal = ZERO
    points: int = 0
    cost: Decimal = ZERO

    def as_dict(self):
        return {
            "offer_id": self.offer.pk,
            "name": self.offer.name,
            "kind": self.offer.kind,
            "discount": self.discount,
            "points": self.points,
            "cost": self.cost,
            "stackable": self.offer.stackable,
            "priority": self.offer.priority,
        }


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def eligible_amount(offer: Offer, sale: Sale) -> Decimal:
    """The part of the sale the offer counts: the lines whose SKU or category the offer
    names, or the whole amount when it names none."""
    if not offer.skus and not offer.categories:
        return sale.amount
    skus = {str(s) for s in offer.skus}
    categories = {str(c).lower() for c in offer.categories}
    total = ZERO
    for line in sale.lines:
        if str(line.get("sku", "")) in skus or str(line.get("category", "")).lower() in categories:
            total += money(line.get("total", 0))
    return min(total, sale.amount)


def refusal(offer: Offer, sale: Sale, *, segment_of=None, used_by_customer=0, tier_ids=None) -> str:
    """Why the offer does not apply to ``sale`` ('' when it does). ``tier_ids``: the
    offer's tiers (prefetched); ``segment_of(offer)``: the customer's segment for it."""
    if offer.status != Offer.Status.APPROVED or offer.needs_acceptance:
        return "not_live"
    if sale.channel == "till" and (not offer.at_till or offer.merchant_id != sale.merchant_id):
        return "other_channel"
    if sale.channel == "online" and not offer.online:
        return "other_channel"
    if offer.currency != sale.currency:
        return "currency"
    at = sale.at
    if at < offer.valid_from or at >= offer.valid_until:
        return "outside_validity"
    from django.utils import timezone

    local = timezone.localtime(at)
    if offer.weekdays and local.weekday() not in {int(d) for d in offer.weekdays}:
        return "day"
    if offer.hour_from is not None and local.hour < offer.hour_from:
        return "hour"
    if offer.hour_to is not None and local.hour >= offer.hour_to:
        return "hour"
    if sale.amount < offer.min_spend:
        return "min_spend"
    if (offer.skus or offer.categories) and eligible_amount(offer, sale) <= 0:
        return "no_matching_items"
    if tier_ids is None:
        tier_ids = {t.pk for t in offer.tiers.all()}
    if tier_ids and sale.tier_id not in tier_ids:
        return "tier"
    if offer.first_visit and not sale.first_visit:
        return "not_first_visit"
    if offer.per_customer_limit is not None and used_by_customer >= offer.per_customer_limit:
        return "customer_limit"
    if offer.budget_redemptions is not None and offer.redemptions >= offer.budget_redemptions:
        return "budget"
    if offer.segment:
        if segment_of is None or segment_of(offer) != offer.segment:
            return "segment"
    return ""


def effect(offer: Offer, sale: Sale, *, due: Decimal) -> Effect:
    """What the offer gives on a sale of which ``due`` is still to pay, and its cost."""
    base = eligible_amount(offer, sale)
    base = min(base, due)
    result = Effect(offer=offer)
    if offer.kind == Kind.PERCENT:
        result.discount = money(base * offer.value / 100)
    elif offer.kind == Kind.FIXED:
        result.discount = min(money(offer.value), base)
    elif offer.kind == Kind.FREE_ITEM:
        result.discount = min(money(offer.item_value), due)
    elif offer.kind == Kind.BONUS_POINTS:
        result.points = int(offer.value.to_integral_value(rounding=ROUND_FLOOR))
    elif offer.kind == Kind.MULTIPLIER:
        share = base / sale.amount if sale.amount else Decimal(0)
        extra = Decimal(sale.base_points) * share * (offer.value - 1)
        result.points = max(int(extra.to_integral_value(rounding=ROUND_FLOOR)), 0)
    elif offer.kind == Kind.CROSS_COUPON:
        # The coupon's face value when it is an amount; a percent coupon's cost is only
        # known when it is spent, where clearing posts it.
        result.discount = ZERO
    result.cost = result.discount + money(Decimal(result.points) * sale.point_value)
    if offer.kind == Kind.CROSS_COUPON and offer.coupon_kind == "fixed":
        result.cost = money(offer.value)
    return result


def fits_budget(offer: Offer, cost: Decimal) -> bool:
    if offer.budget_redemptions is not None and offer.redemptions >= offer.budget_redemptions:
        return False
    return offer.budget_amount is None or offer.spent_amount + cost <= offer.budget_amount


def funding_split(offer: Offer, cost: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """``(issuer, partner, operator)`` amounts of ``cost``; they sum to it exactly."""
    issuer = money(cost * offer.issuer_share / 100)
    partner = money(cost * offer.partner_share / 100)
    if issuer + partner > cost:
        partner = cost - issuer
    return issuer, partner, cost - issuer - partner


def choose(candidates: list[Offer], sale: Sale, *, due: Decimal, budget_check=True) -> list[Effect]:
    """The offers that apply, in order of priority (then age): the first one always; the
    next ones only while every offer applied so far, and the next one, stack. Discounts
    apply one after another on what is left to pay. An offer that would give nothing, or
    whose cost no longer fits its budget, is skipped."""
    chosen: list[Effect] = []
    for offer in sorted(candidates, key=lambda o: (-o.priority, o.pk)):
        if chosen and not (offer.stackable and all(e.offer.stackable for e in chosen)):
            continue
        result = effect(offer, sale, due=due)
        if result.discount <= 0 and result.points <= 0 and offer.kind != Kind.CROSS_COUPON:
            continue
        if budget_check and not fits_budget(offer, result.cost):
            continue
        chosen.append(result)
        due -= result.discount
    return chosen
