"""Who funds and who benefits from each movement of coalition points and each coupon.

Called by the loyalty ledger in the same transaction as the ledger write
(``clearing_post_ledger_entry``, ``clearing_post_coupon``); a movement of a merchant's own
programme or with no active coalition posts nothing. The legs, for a rule in force with
price ``p`` per point issued, value ``v`` per point redeemed and fee ``f`` % of the price:

* **earn** of ``P`` points at partner A: A pays ``P·p`` (issued) and the fee ``P·p·f``;
  the operator takes the fee, holds ``P·v`` as the points liability, and keeps the
  margin ``P·p − P·v`` (the balancing leg). Points credited with no partner (bonuses,
  referral rewards, staff adjustments, the platform's own orders) are funded by the
  operator: its ``issued`` leg pays ``P·v`` into the liability.
* **redeem** of ``R`` points at partner B: the liability pays B ``R·v``, by B's rule (the
  platform's own checkout: the operator is B).
* **expire** of ``E`` points: the liability releases ``E·v`` as breakage to the
  operator, or to the partner that issued the expired lot when the rule says so.
* a staff **adjustment** that takes points away releases their liability to the operator.
* a **reversal** undoes the entry of the movement it reverses, scaled by its share of the
  points (a partial refund), under that entry's rule: never today's.
* a **coupon** redemption of discount ``D`` at acceptor B: B receives ``D``; the issuer
  (the chain's source partner, or the coupon's partner; the operator for a network coupon),
  the acceptor and the operator fund it by the chain's or coupon's ``FundingRule``, else the
  rule's coupon funding; the acceptor's own share balances.
* an **offer** (``post_offer_funding``): the offer engine says what each party funds.

Rounding: ``services.journal``.
"""

from decimal import Decimal

from loyalty.models import LedgerEntry, PointLot

from ..errors import FundingMismatch
from ..models import BreakageOwner, FundingSplit, JournalEntry, Posting
from .journal import Leg, entry_post, money, scaled_opposite
from .rules import rule_book

Kind = LedgerEntry.Kind
Role = Posting.Role
EK = JournalEntry.Kind
HUNDRED = Decimal(100)


def _issue_legs(rule, merchant_id, points) -> list[Leg]:
    value = money(points * rule.value_per_point)
    if merchant_id is None:
        return [Leg(None, Role.ISSUED, -value, points), Leg(None, Role.LIABILITY, value)]
    cost = money(points * rule.price_per_point)
    fee = money(points * rule.price_per_point * rule.fee_percent / HUNDRED)
    return [
        Leg(merchant_id, Role.ISSUED, -cost, points),
        Leg(merchant_id, Role.FEE, -fee),
        Leg(None, Role.FEE, fee),
        Leg(None, Role.LIABILITY, value),
        Leg(None, Role.SPREAD, cost - value),
    ]


def _lot_issuer(entry) -> int | None:
    lot_pk = entry.reference.removeprefix("lot:")
    if not lot_pk.isdigit():
        return None
    return PointLot.objects.filter(pk=int(lot_pk)).values_list("entry__merchant_id", flat=True).first()


def clearing_post_ledger_entry(entry: LedgerEntry, *, account) -> JournalEntry | None:
    """Clears one new entry of a coalition account (``account.merchant`` empty) in the
    caller's transaction: a cached rule look-up and two INSERTs, no lock (the journal only
    grows; the period close assigns entries later). Returns None for a merchant's own
    programme or when no coalition clears."""
    if account.merchant_id is not None:
        return None
    book = rule_book()
    if book is None:
        return None
    at = entry.created_at
    points = entry.points
    merchant_id = entry.merchant_id
    fields = {"ledger_entry": entry, "reference": entry.reference, "merchant_id": merchant_id, "occurred_at": at}
    if entry.kind == Kind.REVERSED:
        return _post_reversal(book, entry, fields)
    rule = book.rule_for(merchant_id, at)
    if rule is None:
        return None
    fields["rule"] = rule
    coalition = book.coalition
    if points > 0:
        return entry_post(
            coalition=coalition, kind=EK.EARN, legs=_issue_legs(rule, merchant_id, points), points=points, **fields
        )
    spent = -points
    value = money(spent * rule.value_per_point)
    if entry.kind == Kind.REDEEMED:
        legs = [Leg(None, Role.LIABILITY, -value), Leg(merchant_id, Role.REDEEMED, value, spent)]
        return entry_post(coalition=coalition, kind=EK.REDEEM, legs=legs, points=points, **fields)
    if entry.kind == Kind.EXPIRED:
        owner = _lot_issuer(entry) if rule.breakage_owner == BreakageOwner.ISSUER else None
        legs = [Leg(None, Role.LIABILITY, -value), Leg(owner, Role.BREAKAGE, value, spent)]
        return entry_post(coalition=coalition, kind=EK.EXPIRE, legs=legs, points=points, **fields)
    legs = [Leg(None, Role.LIABILITY, -value), Leg(None, Role.SPREAD, value, spent)]
    return entry_post(coalition=coalition, kind=EK.ADJUST, legs=legs, points=points, **fields)


def _post_reversal(book, entry, fields):
    original = (
        JournalEntry.objects.filter(ledger_entry_id=(entry.data or {}).get("reverses"))
        .prefetch_related("postings")
        .first()
    )
    if original is None or not original.points:
        # The movement predates clearing: nothing was posted, so nothing is undone.
        return None
    ratio = min(Decimal(abs(entry.points)) / Decimal(abs(original.points)), Decimal(1))
    legs = scaled_opposite(original.postings.all(), ratio)
    return entry_post(
        coalition=book.coalition,
        kind=EK.REVERSE,
        legs=legs,
        points=entry.points,
        reverses=original,
        rule_id=original.rule_id,
        **fields,
    )


def _shares(rule, funding_rule):
    source = funding_rule or rule
    kind = source.funding if funding_rule else source.coupon_funding
    if kind == FundingSplit.ISSUER:
        return Decimal(100), Decimal(0), Decimal(0)
    if kind == FundingSplit.ACCEPTOR:
        return Decimal(0), Decimal(100), Decimal(0)
    if kind == FundingSplit.OPERATOR:
        return Decimal(0), Decimal(0), Decimal(100)
    return source.issuer_percent, source.acceptor_percent, source.operator_percent


def clearing_post_coupon(redemption, *, coupon) -> JournalEntry | None:
    """Clears a coupon redemption in the caller's transaction: the acceptor
    (``redemption.merchant``) receives the discount, funded as the chain's or coupon's
    ``FundingRule`` says, else the rule in force. A coupon with no money discount (a free
    item) posts nothing."""
    if redemption.is_test or not redemption.discount:
        return None
    book = rule_book()
    if book is None:
        return None
    at = redemption.created_at
    acceptor = redemption.merchant_id
    rule = book.rule_for(acceptor, at)
    if rule is None:
        return None
    issuer = coupon.promo.source_merchant_id if coupon.promo_id else coupon.merchant_id
    issuer_pct, _acceptor_pct, operator_pct = _shares(
        rule, book.funding_for(coupon_id=coupon.pk, promo_id=coupon.promo_id, at=at)
    )
    discount = redemption.discount
    by_issuer = money(discount * issuer_pct / HUNDRED)
    by_operator = money(discount * operator_pct / HUNDRED)
    legs = [
        Leg(acceptor, Role.RECEIVED, discount),
        Leg(issuer, Role.FUNDED, -by_issuer),
        Leg(None, Role.FUNDED, -by_operator),
        Leg(acceptor, Role.FUNDED, -(discount - by_issuer - by_operator)),
    ]
    return entry_post(
        coalition=book.coalition,
        kind=EK.COUPON,
        legs=legs,
        coupon_redemption=redemption,
        reference=redemption.reference or coupon.code,
        merchant_id=acceptor,
        rule=rule,
        occurred_at=at,
        data={"coupon": coupon.code, "discount": str(discount)},
    )


def post_offer_funding(
    *, reference: str, acceptor, discount, funders, occurred_at=None, memo="", data=None, reference_is_new=False
):
    """Clears one application of an offer: the ``acceptor`` (the partner where the sale
    happened) gave ``discount``; ``funders`` maps each funding party (a merchant, or None
    for the operator) to the amount it funds, already computed by the offer's own rules
    and summing to ``discount``. Idempotent per ``reference`` (the offer application's
    id): a second call returns the first entry. ``reference_is_new``: the caller has just
    inserted the row the reference names, so no entry can have it and the look-up is
    skipped (the unique constraint on the reference still refuses a second). Runs in the
    caller's transaction."""
    book = rule_book()
    if book is None:
        return None
    if not reference_is_new:
        existing = JournalEntry.objects.filter(coalition=book.coalition, kind=EK.OFFER, reference=reference).first()
        if existing is not None:
            return existing
    discount = money(discount)
    legs = [Leg(getattr(acceptor, "pk", acceptor), Role.RECEIVED, discount)]
    for party, amount in funders.items():
        legs.append(Leg(getattr(party, "pk", party), Role.FUNDED, -money(amount)))
    if sum((leg.amount for leg in legs), Decimal(0)) != 0:
        raise FundingMismatch(details={"discount": str(discount)})
    return entry_post(
        coalition=book.coalition,
        kind=EK.OFFER,
        legs=legs,
        reference=reference,
        merchant_id=legs[0].merchant_id,
        occurred_at=occurred_at,
        memo=memo[:255],
        data=data or {},
    )


def reverse_offer_funding(*, reference: str, share=Decimal(1), suffix: str = "reversal"):
    """Undoes ``share`` of an offer application's funding (a refund), once per
    ``suffix``."""
    book = rule_book()
    if book is None:
        return None
    original = (
        JournalEntry.objects.filter(coalition=book.coalition, kind=EK.OFFER, reference=reference)
        .prefetch_related("postings")
        .first()
    )
    if original is None:
        return None
    key = f"{reference}:{suffix}"
    existing = JournalEntry.objects.filter(coalition=book.coalition, kind=EK.REVERSE, reference=key).first()
    if existing is not None:
        return existing
    return entry_post(
        coalition=book.coalition,
        kind=EK.REVERSE,
        legs=scaled_opposite(original.postings.all(), Decimal(share)),
        reference=key,
        reverses=original,
        merchant_id=original.merchant_id,
    )
