"""Taking an application's cost from its offer's budget, the one write that decides
whether an offer still applies; see ``services`` for the lock order."""

from django.db import connection
from django.db.models import F

from . import rules
from .candidates import _forget
from .models import Offer


class BudgetGone(Exception):
    """An offer chosen for a sale from the cached candidates could not have its budget
    taken at the end of the sale's transaction; the caller rolls the sale back and makes
    it again with the offer's row locked first."""


_TAKE = f"""
    UPDATE "{Offer._meta.db_table}"
    SET "spent_amount" = "spent_amount" + %s, "redemptions" = "redemptions" + 1, "updated_at" = %s
    WHERE "id" = %s AND "status" = %s
        AND ("budget_amount" IS NULL OR "spent_amount" + %s <= "budget_amount")
        AND ("budget_redemptions" IS NULL OR "redemptions" < "budget_redemptions")
    RETURNING "spent_amount", "redemptions"
"""


def _used_up(offer: Offer) -> bool:
    return (offer.budget_redemptions is not None and offer.redemptions >= offer.budget_redemptions) or (
        offer.budget_amount is not None and offer.spent_amount >= offer.budget_amount
    )


def budget_take(offer: Offer, cost, *, now) -> bool:
    """Adds one application costing ``cost`` to ``offer``'s counters when the offer is
    still approved and the cost fits its caps, in one conditional UPDATE; ``offer``'s
    counters follow. False when nothing moved (the budget ran out, or the offer stopped,
    since the caller's copy was read): the cached candidates are dropped then.

    Concurrent tills queue on the row: each UPDATE waits for the row lock and checks its
    conditions again on the row as the previous one committed it, so no number of tills
    passes a cap (the database's checks on the counters refuse it besides)."""
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(_TAKE, [cost, at, offer.pk, Offer.Status.APPROVED, cost])
        row = cursor.fetchone()
    if row is None:
        _forget(offer)
        return False
    offer.spent_amount, offer.redemptions = rules.money(row[0]), row[1]
    if _used_up(offer):
        # Used up: the cached candidates must stop offering it to every till.
        _forget(offer)
    return True


def budgets_take_locked(eligible, sale, *, due, now) -> list[rules.Effect]:
    """Several candidates: they are locked in ascending id and chosen again on their rows
    as they are now (counters, status), and each chosen one's counters move."""
    fresh = {o.pk: o for o in Offer.objects.select_for_update().filter(pk__in=[o.pk for o in eligible]).order_by("pk")}
    for offer in eligible:
        # Race condition: the counters and status are re-read under the lock.
        locked = fresh.get(offer.pk)
        if locked is not None:
            locked._prefetched_objects_cache = getattr(offer, "_prefetched_objects_cache", {})
    live = [o for o in fresh.values() if o.status == Offer.Status.APPROVED]
    chosen = rules.choose(live, sale, due=due)
    for result in chosen:
        offer = result.offer
        Offer.objects.filter(pk=offer.pk).update(
            spent_amount=F("spent_amount") + result.cost, redemptions=F("redemptions") + 1, updated_at=now
        )
        offer.spent_amount += result.cost
        offer.redemptions += 1
        if _used_up(offer):
            _forget(offer)
    return chosen
