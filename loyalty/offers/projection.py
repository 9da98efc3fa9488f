"""What an offer would have cost: its rules replayed over the issuer's last 90 days of
matching till sales, with the funding split. Read only; what a partner sees before it
submits."""

import datetime
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from skypark.config.selectors import get_decimal

from ..models import PosTransaction, PosTransactionLine
from . import rules
from .models import Offer

DAYS = 90
LIMIT = 50_000


def offer_projection(*, offer: Offer, now=None) -> dict:
    """``{days, transactions, matching, applications, discount, points, cost, issuer,
    partner, operator, currency, capped}``. Each past sale is judged as if the offer had
    been live then, for the customer's tier as it is now (past tiers are not kept) and
    without segments (they are daily snapshots); the budget caps and the per-customer
    limit are applied in order of time, so the projection never exceeds the budget."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=DAYS)
    sales = (
        PosTransaction.objects.filter(merchant_id=offer.merchant_id, is_test=False, occurred_at__gte=since)
        .exclude(status=PosTransaction.Status.VOIDED)
        .select_related("account")
        .prefetch_related(Prefetch("lines", queryset=PosTransactionLine.objects.only("transaction_id", "sku", "total")))
        .order_by("occurred_at", "id")[:LIMIT]
    )
    tier_ids = {t.pk for t in offer.tiers.all()}
    shadow = Offer(
        **{f.attname: getattr(offer, f.attname) for f in Offer._meta.concrete_fields},
    )
    shadow.status, shadow.partner_accepted_at = Offer.Status.APPROVED, now
    shadow.valid_from, shadow.valid_until = since, now + datetime.timedelta(days=1)
    shadow.spent_amount, shadow.redemptions, shadow.segment = Decimal("0.00"), 0, ""
    point_value = get_decimal("loyalty.point_value")
    seen_customers: set = set()
    used: dict = {}
    totals = {"transactions": 0, "matching": 0, "applications": 0, "discount": Decimal("0.00"), "points": 0}
    cost = Decimal("0.00")
    capped = False
    for tx in sales:
        totals["transactions"] += 1
        first = tx.customer_id not in seen_customers
        seen_customers.add(tx.customer_id)
        sale = rules.Sale(
            customer_id=tx.customer_id,
            merchant_id=tx.merchant_id,
            currency=tx.currency,
            amount=tx.amount,
            lines=[{"sku": line.sku, "category": "", "total": line.total} for line in tx.lines.all()],
            at=tx.occurred_at,
            tier_id=tx.account.tier_id if tx.account_id else None,
            first_visit=first,
            base_points=tx.points_earned,
            point_value=point_value,
        )
        if rules.refusal(shadow, sale, used_by_customer=used.get(tx.customer_id, 0), tier_ids=tier_ids):
            continue
        totals["matching"] += 1
        result = rules.effect(shadow, sale, due=tx.amount)
        if not rules.fits_budget(shadow, result.cost):
            capped = True
            continue
        shadow.spent_amount += result.cost
        shadow.redemptions += 1
        used[tx.customer_id] = used.get(tx.customer_id, 0) + 1
        totals["applications"] += 1
        totals["discount"] += result.discount
        totals["points"] += result.points
        cost += result.cost
    issuer, partner, operator = rules.funding_split(offer, cost)
    return {
        "days": DAYS,
        **totals,
        "cost": cost,
        "issuer": issuer,
        "partner": partner,
        "operator": operator,
        "currency": offer.currency,
        "capped": capped,
    }
