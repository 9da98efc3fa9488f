"""The points ledger: every balance change goes through ``_credit`` or ``_debit`` here.

Each new entry of the coalition balance is cleared between the partners in the same
transaction, by one call to ``loyalty.clearing`` (``clearing_post_ledger_entry``).

Lock order, everywhere: the account row, then its lots (in expiry order). Both helpers
require the caller to hold the account row lock (``account_lock``) inside the caller's
transaction, insert one immutable ``LedgerEntry``, move lots, and move
``Account.balance`` by the same amount with an UPDATE that adds to the column
(``_balance_move``), never a value computed here; the database's CHECK
refuses a negative balance, so even a bug here cannot overdraw an account.
"""

import datetime
from decimal import ROUND_FLOOR, Decimal

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import ngettext

from skypark.audit.services import audit_log
from skypark.config.selectors import get_int

from .. import inserts
from ..clearing.services.posting import clearing_post_ledger_entry
from ..errors import InvalidPoints, NotEnoughPoints, ReasonRequired
from ..models import Account, LedgerEntry, LotUse, MerchantProgram, PointLot, Referral

Kind = LedgerEntry.Kind


def points_floor(value: Decimal) -> int:
    return int(Decimal(value).to_integral_value(rounding=ROUND_FLOOR))


def account_get_or_create(*, customer, merchant=None) -> Account:
    """The customer's coalition account (``merchant=None``) or their account in one
    merchant's program, created on first use. Two first uses at once both get the one
    row: the unique constraint decides, the loser reads the winner's row."""
    try:
        with transaction.atomic():
            account, _created = Account.objects.get_or_create(customer=customer, merchant=merchant)
    except IntegrityError:
        account = Account.objects.get(customer=customer, merchant=merchant)
    return account


def account_lock(account_or_pk) -> Account:
    pk = getattr(account_or_pk, "pk", account_or_pk)
    return Account.objects.select_for_update().get(pk=pk)


# The hottest read of a partner sale, in SQL: built through the ORM (a locking query
# with an EXISTS annotation) it cost the application several times what it costs the
# database. ``{merchant}`` is one of the two conditions below, ``{lock}`` FOR UPDATE
# where the database has it.
_ACCOUNT_FOR_UPDATE = """
    SELECT "loyalty_account".*, EXISTS (
        SELECT 1 FROM "loyalty_referral"
        WHERE "referred_id" = "loyalty_account"."customer_id" AND "status" = %s
        AND "purchased_at" IS NULL
    ) AS "referral_pending"
    FROM "loyalty_account"
    WHERE "customer_id" = %s AND {merchant}{lock}
"""
_COALITION = '"merchant_id" IS NULL'
_OF_MERCHANT = '"merchant_id" = %s'


def account_for_update(*, customer, merchant=None) -> Account:
    """The customer's coalition account (``merchant=None``) or their account in one
    merchant's program, read locked (FOR UPDATE, in the caller's transaction), created
    first when missing. It carries ``referral_pending``: whether the customer has a
    referral waiting for their first purchase.

    Two first uses at once both get the one row: the second ``INSERT … ON CONFLICT DO
    NOTHING`` waits on the unique index until the first commits, inserts nothing and
    then locks the winner's row."""
    sql = _ACCOUNT_FOR_UPDATE.format(
        merchant=_COALITION if merchant is None else _OF_MERCHANT,
        lock=" FOR UPDATE" if connection.features.has_select_for_update else "",
    )
    params = [Referral.Status.PENDING, customer.pk] + ([] if merchant is None else [merchant.pk])
    found = list(Account.objects.raw(sql, params))
    if not found:
        Account.objects.bulk_create([Account(customer=customer, merchant=merchant)], ignore_conflicts=True)
        found = list(Account.objects.raw(sql, params))
    (account,) = found
    # Both are in hand; str(account) (the audit entry's label) needs them.
    account.customer = customer
    if merchant is not None:
        account.merchant = merchant
    return account


_UNREAD = object()


def program_of(merchant) -> MerchantProgram | None:
    """The merchant's program, or None. Read once per merchant instance: Django keeps
    the answer (also "none") on the instance, so the helpers of one request share it."""
    try:
        return merchant.loyalty_program
    except MerchantProgram.DoesNotExist:
        return None


def expiry_for(account: Account, *, now, program=_UNREAD) -> datetime.datetime:
    """When points credited now expire: after the merchant program's months for its
    own account (``program``, when the caller has it in hand, saves reading it), after
    ``loyalty.expiry_months`` otherwise."""
    months = None
    if account.merchant_id:
        if program is _UNREAD:
            program = MerchantProgram.objects.filter(merchant_id=account.merchant_id).first()
        months = program.expiry_months if program else None
    months = months or get_int("loyalty.expiry_months")
    return now + relativedelta(months=months)


def _actor_fields(actor):
    if actor is None:
        return {"created_by": None, "actor_label": "system"}
    if isinstance(actor, str):
        return {"created_by": None, "actor_label": actor[:255]}
    if getattr(actor, "pk", None) and hasattr(actor, "phone"):
        return {"created_by": actor, "actor_label": str(actor)[:255]}
    return {"created_by": None, "actor_label": str(actor)[:255]}


def _existing(account, kind, source, reference):
    if not reference:
        return None
    return LedgerEntry.objects.filter(account=account, kind=kind, source=source, reference=reference).first()


_UNCHANGED = object()


def _balance_move(account: Account, points: int, *, now, earned=0, redeemed=0, tier_points=0, tier=_UNCHANGED):
    """One UPDATE of the account row: the balance moves by ``points``, the lifetime
    totals by ``earned`` and ``redeemed``, the qualifying points by ``tier_points``, and
    ``tier`` (with the time it changed), when given, is set; the instance follows.

    In SQL: every change of a balance runs it, and the ORM's ``F()`` update cost the
    application several times what it costs the database."""
    at = connection.ops.adapt_datetimefield_value(now)
    sql = """
        UPDATE "loyalty_account" SET
            "balance" = "balance" + %s,
            "lifetime_earned" = "lifetime_earned" + %s,
            "lifetime_redeemed" = "lifetime_redeemed" + %s,
            "tier_points" = "tier_points" + %s,
            "last_activity_at" = %s,
            "updated_at" = %s"""
    params = [points, earned, redeemed, tier_points, at, at]
    if tier is not _UNCHANGED:
        sql += ', "tier_id" = %s, "tier_changed_at" = %s'
        params += [tier.pk if tier else None, at]
    with connection.cursor() as cursor:
        cursor.execute(f'{sql} WHERE "id" = %s', [*params, account.pk])
    account.balance += points
    account.lifetime_earned += earned
    account.lifetime_redeemed += redeemed
    account.tier_points += tier_points
    account.last_activity_at = now
    if tier is not _UNCHANGED:
        account.tier, account.tier_changed_at = tier, now


def _credit(
    account: Account,
    *,
    kind,
    points: int,
    source: str,
    reference: str = "",
    description: str = "",
    multiplier=Decimal("1"),
    merchant=None,
    amount=Decimal("0"),
    actor=None,
    data=None,
    expires_at=None,
    now=None,
    reference_is_new=False,
    tier_points=0,
    tier=_UNCHANGED,
) -> LedgerEntry:
    """Adds ``points`` as a new lot. Returns the existing entry instead when this
    ``(kind, source, reference)`` was already written to the account.

    ``reference_is_new``: the caller guarantees no entry has this reference yet (e.g. it
    derives from a row it has just inserted under a unique constraint), so the look-up is
    skipped; the ledger's own unique constraint still refuses a second entry.
    ``tier_points`` and ``tier`` move with the balance, in the same UPDATE
    (``_balance_move``)."""
    if points <= 0:
        raise InvalidPoints(details={"points": points})
    if not reference_is_new:
        existing = _existing(account, kind, source, reference)
        if existing is not None:
            return existing
    now = now or timezone.now()
    _balance_move(
        account,
        points,
        now=now,
        earned=points if kind in (Kind.EARNED, Kind.BONUS) else 0,
        tier_points=tier_points,
        tier=tier,
    )
    entry = LedgerEntry(
        account=account,
        kind=kind,
        points=points,
        balance_after=account.balance,
        multiplier=multiplier,
        source=source,
        reference=reference,
        description=description[:255],
        merchant=merchant,
        amount=amount,
        data=data or {},
        **_actor_fields(actor),
    )
    lot = PointLot(
        account=account, points=points, remaining=points, expires_at=expires_at or expiry_for(account, now=now)
    )
    _entry_with_lot_insert(entry, lot)
    clearing_post_ledger_entry(entry, account=account)
    return entry


def _entry_with_lot_insert(entry: LedgerEntry, lot: PointLot) -> None:
    """A credit's entry and its lot: one statement on PostgreSQL (``loyalty.inserts``),
    two ``save()``s elsewhere."""
    if connection.vendor == "postgresql":
        inserts.insert_with_children(entry, [lot], fk="entry")
        return
    entry.save(force_insert=True)
    lot.entry = entry
    lot.save(force_insert=True)


def _expire_locked(account: Account, *, now) -> int:
    """Writes an ``expired`` entry for what is left of each lot past its date."""
    lots = list(
        PointLot.objects.select_for_update()
        .filter(account=account, remaining__gt=0, expires_at__lte=now)
        .order_by("expires_at", "id")
    )
    total = 0
    for lot in lots:
        left = lot.remaining
        PointLot.objects.filter(pk=lot.pk).update(remaining=0)
        _balance_move(account, -left, now=now)
        entry = LedgerEntry.objects.create(
            account=account,
            kind=Kind.EXPIRED,
            points=-left,
            balance_after=account.balance,
            source="expiry",
            reference=f"lot:{lot.pk}",
            description=ngettext("%(left)s of %(total)s point", "%(left)s of %(total)s points", lot.points)
            % {"left": left, "total": lot.points},
            actor_label="system",
        )
        LotUse.objects.create(entry=entry, lot=lot, points=left)
        clearing_post_ledger_entry(entry, account=account)
        total += left
    return total


def spendable_locked(account: Account, *, now) -> int:
    return (
        PointLot.objects.filter(account=account, remaining__gt=0, expires_at__gt=now, hold__isnull=True).aggregate(
            s=Sum("remaining")
        )["s"]
        or 0
    )


def _debit(
    account: Account,
    *,
    kind,
    points: int,
    source: str,
    reference: str = "",
    description: str = "",
    merchant=None,
    amount=Decimal("0"),
    actor=None,
    data=None,
    allow_partial=False,
    prefer_lot=None,
    now=None,
) -> LedgerEntry | None:
    """Takes ``points`` from the account's lots, first-expiring-first (``prefer_lot``
    first, when given). Expired lots are swept first, so expired points are never
    spent; lots held for a fraud review are never taken. Raises ``NotEnoughPoints`` unless ``allow_partial``, in which case it takes
    what there is and records the shortfall in ``data``; returns None if that is nothing."""
    if points <= 0:
        raise InvalidPoints(details={"points": points})
    existing = _existing(account, kind, source, reference)
    if existing is not None:
        return existing
    now = now or timezone.now()
    _expire_locked(account, now=now)
    # Lots on hold for a fraud review are not spendable (``loyalty.services.fraud``).
    lots = list(
        PointLot.objects.select_for_update()
        .filter(account=account, remaining__gt=0, expires_at__gt=now, hold__isnull=True)
        .order_by("expires_at", "id")
    )
    if prefer_lot is not None:
        lots.sort(key=lambda lot: lot.pk != prefer_lot.pk)
    available = sum(lot.remaining for lot in lots)
    data = dict(data or {})
    if available < points:
        if not allow_partial:
            raise NotEnoughPoints(details={"available": available, "requested": points})
        data["shortfall"] = points - available
        points = available
        if points == 0:
            return None
    _balance_move(account, -points, now=now, redeemed=points if kind == Kind.REDEEMED else 0)
    entry = LedgerEntry.objects.create(
        account=account,
        kind=kind,
        points=-points,
        balance_after=account.balance,
        source=source,
        reference=reference,
        description=description[:255],
        merchant=merchant,
        amount=amount,
        data=data,
        **_actor_fields(actor),
    )
    need = points
    for lot in lots:
        if need == 0:
            break
        take = min(need, lot.remaining)
        PointLot.objects.filter(pk=lot.pk).update(remaining=F("remaining") - take)
        LotUse.objects.create(entry=entry, lot=lot, points=take)
        need -= take
    clearing_post_ledger_entry(entry, account=account)
    return entry


def _give_back(account: Account, *, debit: LedgerEntry, source: str, reference: str, description: str, now=None):
    """Undoes a debit: a ``reversed`` entry of the same size, and each lot it took from
    gets its points back (a lot that has expired since is swept again by the next
    debit or expiry run). Idempotent per ``(source, reference)``."""
    existing = _existing(account, Kind.REVERSED, source, reference)
    if existing is not None:
        return existing
    now = now or timezone.now()
    uses = list(debit.lot_uses.select_related("lot").order_by("lot__expires_at", "lot_id"))
    list(PointLot.objects.select_for_update().filter(pk__in=[u.lot_id for u in uses]).order_by("expires_at", "id"))
    points = -debit.points
    _balance_move(account, points, now=now, redeemed=-points if debit.kind == Kind.REDEEMED else 0)
    entry = LedgerEntry.objects.create(
        account=account,
        kind=Kind.REVERSED,
        points=points,
        balance_after=account.balance,
        source=source,
        reference=reference,
        description=description[:255],
        merchant=debit.merchant,
        data={"reverses": debit.pk},
        actor_label="system",
    )
    for use in uses:
        PointLot.objects.filter(pk=use.lot_id).update(remaining=F("remaining") + use.points)
    clearing_post_ledger_entry(entry, account=account)
    return entry


# --- public ledger services -------------------------------------------------------------


@transaction.atomic
def points_adjust(*, account: Account, points: int, reason: str, actor) -> LedgerEntry:
    """A manual correction by staff, with a required reason; audited. Locks the account;
    a negative adjustment takes from lots first-expiring-first and never overdraws."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(details={"field": "reason"})
    if not points:
        raise InvalidPoints(details={"field": "points"})
    account = account_lock(account)
    before = {"balance": account.balance}
    if points > 0:
        entry = _credit(account, kind=Kind.ADJUSTED, points=points, source="manual", description=reason, actor=actor)
    else:
        entry = _debit(account, kind=Kind.ADJUSTED, points=-points, source="manual", description=reason, actor=actor)
    audit_log(
        actor=actor,
        action="loyalty.points.adjusted",
        obj=account,
        before=before,
        after={"balance": account.balance},
        data={"points": points, "reason": reason, "entry": entry.pk},
    )
    return entry


def points_expire(*, now=None) -> int:
    """Expires what is left of every lot past its date, one account per transaction
    (locks the account, then its lots). Safe to run twice or to kill mid-way: an expired
    lot has nothing left, so a re-run finds nothing to do."""
    now = now or timezone.now()
    account_ids = list(
        PointLot.objects.filter(remaining__gt=0, expires_at__lte=now).values_list("account_id", flat=True).distinct()
    )
    total = 0
    for account_id in account_ids:
        with transaction.atomic():
            account = account_lock(account_id)
            expired = _expire_locked(account, now=now)
        total += expired
    return total


def ledger_mismatches():
    """Accounts whose balance differs from the sum of their ledger or of their lots'
    remaining points: ``[(account_id, balance, ledger_sum, lots_sum)]``."""
    ledger = dict(LedgerEntry.objects.values_list("account").annotate(s=Sum("points")).values_list("account", "s"))
    lots = dict(PointLot.objects.values_list("account").annotate(s=Sum("remaining")).values_list("account", "s"))
    bad = []
    for account_id, balance in Account.objects.values_list("pk", "balance").iterator():
        ledger_sum, lots_sum = ledger.get(account_id, 0) or 0, lots.get(account_id, 0) or 0
        if balance != ledger_sum or balance != lots_sum:
            bad.append((account_id, balance, ledger_sum, lots_sum))
    return bad
