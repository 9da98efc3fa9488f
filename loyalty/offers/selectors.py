"""Reads of the offer constructor."""

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from skypark.core import segments

from ..models import Account, Tier
from .models import Offer, OfferApplication

FOR_YOU_LIMIT = 12


def offers_for_customer(*, customer, now=None) -> list[Offer]:
    """The live offers this customer can get ("for you"): approved, running now, with
    budget left, accepted by their partner, for the customer's tier and segment, and
    under the per-customer limit. Purchase conditions (spend, items, hours) are shown
    with the offer, not checked here. Highest priority first."""
    now = now or timezone.now()
    offers = list(
        Offer.objects.filter(status=Offer.Status.APPROVED, valid_from__lte=now, valid_until__gt=now)
        .filter(Q(partner_share=0) | Q(partner_accepted_at__isnull=False))
        .select_related("merchant", "partner")
        .prefetch_related(Prefetch("tiers", queryset=Tier.objects.only("pk")))
        .order_by("-priority", "id")[:100]
    )
    if not offers:
        return []
    account = Account.objects.filter(customer=customer, merchant__isnull=True).only("tier_id").first()
    tier_id = account.tier_id if account else None
    used = dict(
        OfferApplication.objects.filter(offer__in=offers, customer=customer, status=OfferApplication.Status.APPLIED)
        .values_list("offer_id")
        .annotate(n=Count("id"))
    )
    found = []
    for offer in offers:
        tier_ids = {t.pk for t in offer.tiers.all()}
        if tier_ids and tier_id not in tier_ids:
            continue
        if offer.per_customer_limit is not None and used.get(offer.pk, 0) >= offer.per_customer_limit:
            continue
        if offer.budget_redemptions is not None and offer.redemptions >= offer.budget_redemptions:
            continue
        if offer.budget_amount is not None and offer.spent_amount >= offer.budget_amount:
            continue
        if offer.segment:
            scope = offer.merchant_id if offer.segment_own else None
            if segments.segment_of(customer_id=customer.pk, merchant_id=scope) != offer.segment:
                continue
        found.append(offer)
    return found[:FOR_YOU_LIMIT]
