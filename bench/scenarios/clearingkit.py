"""The coalition side of the ``pos`` scenario, run inside Django (``bench.djstep``): the
cleared partners and the offer they seed, and what the journal and the offer hold
afterwards."""

from bench.scenarios import loyaltykit

OFFER_PERCENT = "10"
# Enough for every sale of the full-size step at 100.00 off each, and a cap all the same.
OFFER_BUDGET = "1000000.00"


def clearing_seed() -> dict:
    """A coalition whose default rule starts in 2100 (the first partner's sales post
    nothing), a second partner with its own rule in force (its sales are cleared) and a
    third one, also cleared, running an approved offer that the first partner co-funds."""
    import datetime

    from django.utils import timezone

    from loyalty.clearing.models import ClearingRule, Coalition

    coalition = Coalition.objects.create(
        code="bench", name="Bench coalition", currency="KGS", starts_on=timezone.localdate()
    )
    ClearingRule.objects.create(
        coalition=coalition,
        effective_from=datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC),
        price_per_point="1.00",
        value_per_point="0.80",
    )
    cleared = {}
    for name in ("clearing", "offers"):
        partner = loyaltykit.merchant_with_key()
        ClearingRule.objects.create(
            coalition=coalition,
            merchant_id=partner["id"],
            effective_from=timezone.now() - datetime.timedelta(days=1),
            price_per_point="1.00",
            value_per_point="0.80",
            fee_percent="5",
        )
        cleared[name] = partner
    return cleared


def offer_seed(*, merchant_id: int, partner_id: int) -> dict:
    """The third partner's offer, composed, submitted, accepted by the partner that
    co-funds it and approved by coalition staff, each through its service."""
    import datetime
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from loyalty.offers import services as offers
    from skypark.accounts.models import Merchant

    merchant, partner = Merchant.objects.get(pk=merchant_id), Merchant.objects.get(pk=partner_id)
    staff = get_user_model().objects.create_user(phone="+996700000999", password=None, is_staff=True)
    now = timezone.now()
    offer = offers.offer_create(
        merchant=merchant,
        partner=partner,
        name="Ten percent off",
        kind="percent",
        value=Decimal(OFFER_PERCENT),
        valid_from=now - datetime.timedelta(days=1),
        valid_until=now + datetime.timedelta(days=30),
        budget_amount=Decimal(OFFER_BUDGET),
        issuer_share=Decimal("60"),
        partner_share=Decimal("30"),
        operator_share=Decimal("10"),
    )
    offers.offer_submit(offer=offer)
    offers.offer_accept(offer=offer, partner=partner)
    offer = offers.offer_approve(offer=offer, actor=staff)
    return {"id": offer.pk, "status": offer.status}


def clearing_check(merchant_id: int) -> dict:
    """The second partner's sales against their journal entries, and the journal's balance."""
    from django.db.models import Sum

    from loyalty.clearing.models import JournalEntry, Posting
    from loyalty.models import LedgerEntry

    earned = LedgerEntry.objects.filter(merchant_id=merchant_id, kind="earned").count()
    posted = JournalEntry.objects.filter(merchant_id=merchant_id, kind="earn").count()
    unbalanced = Posting.objects.values("entry_id").annotate(s=Sum("amount")).exclude(s=0).count()
    return {"earned": earned, "journal_entries": posted, "unbalanced": unbalanced}


def offers_check(merchant_id: int, offer_id: int) -> dict:
    """The offer against the third partner's sales: one application per completed sale,
    each with its funding entry, the counters within the cap and equal to the sum of the
    applications, and each sale's discount its applications'."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FILTER (WHERE a.n IS NULL), coalesce(sum(a.n - 1) FILTER (WHERE a.n > 1), 0),
                      count(*) FILTER (WHERE t.discount <> coalesce(a.discount, 0)), count(*)
               FROM loyalty_postransaction t
               LEFT JOIN (SELECT transaction_id, count(*) AS n, sum(discount) AS discount
                          FROM loyalty_offerapplication WHERE status = 'applied' GROUP BY transaction_id) a
                 ON a.transaction_id = t.id
               WHERE t.merchant_id = %s AND t.status = 'completed' AND NOT t.is_test""",
            [merchant_id],
        )
        unapplied, twice, discount_mismatch, sales = cursor.fetchone()
        cursor.execute(
            """SELECT count(*) FROM loyalty_offerapplication a
               WHERE a.offer_id = %s AND a.discount > 0 AND NOT EXISTS (
                 SELECT 1 FROM clearing_journalentry e WHERE e.kind = 'offer' AND e.reference = 'offer:' || a.id)""",
            [offer_id],
        )
        (unposted,) = cursor.fetchone()
        cursor.execute(
            """SELECT o.spent_amount, o.redemptions, o.budget_amount,
                      (SELECT coalesce(sum(cost), 0) FROM loyalty_offerapplication WHERE offer_id = o.id AND status = 'applied'),
                      (SELECT count(*) FROM loyalty_offerapplication WHERE offer_id = o.id AND status = 'applied')
               FROM loyalty_offer o WHERE o.id = %s""",
            [offer_id],
        )
        spent, redemptions, budget, cost, applied = cursor.fetchone()
    overspent = int(spent > budget) + int(spent != cost) + int(redemptions != applied)
    return {
        "sales": sales,
        "applications": applied,
        "offer_spent": str(spent),
        "offer_redemptions": redemptions,
        "offer_budget": str(budget),
        "unapplied": unapplied,
        "applied_twice": int(twice),
        "unposted": unposted,
        "overspent": overspent,
        "discount_mismatch": discount_mismatch,
    }


def accounts_open(users) -> None:
    """Coalition accounts on the ladder's first tier for ``users``, as customers who have
    bought in the network before have them, so the offers step measures regular sales
    and not each customer's first (which opens the account and logs its first tier)."""
    from django.utils import timezone

    from loyalty.models import Account, Tier

    first = Tier.objects.filter(merchant__isnull=True).order_by("min_points").first()
    now = timezone.now()
    Account.objects.bulk_create([Account(customer=u, tier=first, tier_changed_at=now) for u in users])
