"""Writing the journal: one entry with its legs, balanced, in the caller's transaction.

Rounding, written down once: every amount is computed exactly in ``Decimal`` from the
points and the rates of the rule in force, then rounded **once**, half-to-even, to the
cent (``money``). The one leg each entry names as its balancing leg is not rounded at
all: it is minus the sum of the others, so an entry always sums to exactly zero and no
rounding remainder is ever lost or made up. (For an earn the balancing leg is the
operator's margin; for a coupon the acceptor's own share; for a scaled reversal the leg
that balanced the original.)
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import connection
from django.utils import timezone

from ... import inserts
from ..errors import UnbalancedEntry
from ..models import JournalEntry, Posting

CENT = Decimal("0.01")


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_EVEN)


@dataclass
class Leg:
    merchant_id: int | None
    role: str
    amount: Decimal
    points: int = 0


def legs_balance(legs) -> list[Leg]:
    """The legs as given, checked: refuses a sum other than zero (one currency per
    coalition, so one sum)."""
    total = sum((leg.amount for leg in legs), Decimal(0))
    if total != 0:
        raise UnbalancedEntry(details={"sum": str(total)})
    return [leg for leg in legs if leg.amount or leg.points]


def entry_post(*, coalition, kind, legs, occurred_at=None, **fields) -> JournalEntry:
    """Writes one journal entry and its postings in the caller's transaction: one
    statement on PostgreSQL (``loyalty.inserts``), two elsewhere. ``legs`` must sum to
    zero; on PostgreSQL the deferred trigger checks the same again at commit, whatever
    wrote the rows."""
    legs = legs_balance(legs)
    entry = JournalEntry(coalition=coalition, kind=kind, occurred_at=occurred_at or timezone.now(), **fields)
    postings = [
        Posting(
            merchant_id=leg.merchant_id,
            role=leg.role,
            amount=leg.amount,
            currency=coalition.currency,
            points=leg.points,
        )
        for leg in legs
    ]
    if connection.vendor == "postgresql":
        inserts.insert_with_children(entry, postings, fk="entry")
        return entry
    entry.save(force_insert=True)
    for posting in postings:
        posting.entry = entry
    Posting.objects.bulk_create(postings)
    return entry


def scaled_opposite(postings, ratio: Decimal) -> list[Leg]:
    """The legs that undo ``ratio`` (0..1] of an entry: each leg negated and scaled,
    rounded once; the last leg balances the rest exactly."""
    postings = list(postings)
    legs = []
    for posting in postings[:-1]:
        points = -int((Decimal(posting.points) * ratio).to_integral_value(rounding=ROUND_HALF_EVEN))
        legs.append(Leg(posting.merchant_id, posting.role, money(-posting.amount * ratio), points))
    if postings:
        last = postings[-1]
        points = -int((Decimal(last.points) * ratio).to_integral_value(rounding=ROUND_HALF_EVEN))
        legs.append(Leg(last.merchant_id, last.role, -sum((leg.amount for leg in legs), Decimal(0)), points))
    return legs
