"""A chunk's points accounts and the points its sales earn on them: the accounts read
(created where missing) and locked, each coalition account's qualifying sum, and the
plan of earnings, tier changes and balance moves worked out from their state."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from dateutil.relativedelta import relativedelta
from django.db.models import Q, Sum

from ...models import Account, LedgerEntry
from ..earning import tier_for_points
from ..ledger import points_floor
from . import sql

Kind = LedgerEntry.Kind
ONE = Decimal("1")


class AccountState(NamedTuple):
    pk: int
    customer_id: int
    merchant_id: int | None
    balance: int
    tier_id: int | None
    tier_points: int
    updated_at: datetime.datetime

    @property
    def state(self):
        """What any other write to the account changes (every ledger write moves the
        balance and ``updated_at``; a tier recount, ``tier_id`` or ``tier_points``)."""
        return (self.balance, self.tier_id, self.tier_points, self.updated_at)


ACCOUNT_FIELDS = ("pk", "customer_id", "merchant_id", "balance", "tier_id", "tier_points", "updated_at")


@dataclass
class Plan:
    """The points of a chunk's sales worked out from its accounts' state: each sale's
    points, the earnings to write (``(sale, multiplier, balance after)``), the tier
    changes (``(sale, old tier, new tier, qualifying points)``) and each account's move
    (``[pk, earned, qualifying points or None, tier id, tier changed]``)."""

    earned: list
    earnings: list
    tier_changes: list
    moves: list


def accounts_read(context, sales, *, now) -> dict:
    """The chunk's accounts by pk, read without a lock, each sale's ``account_pk`` set:
    the coalition account or the one in the merchant's own program, created where
    missing."""
    merchant_id = context.merchant.pk
    wanted = {(sale.customer_id, merchant_id if sale.own else None) for sale in sales}
    scope = Q()
    if any(m_id is None for _c, m_id in wanted):
        scope |= Q(merchant__isnull=True)
    if any(m_id is not None for _c, m_id in wanted):
        scope |= Q(merchant_id=merchant_id)
    customer_ids = sorted({customer_id for customer_id, _m in wanted})
    mine = Account.objects.filter(scope, customer_id__in=sql.one_of(Account._meta.get_field("customer"), customer_ids))
    found = {(a.customer_id, a.merchant_id): a for a in map(AccountState._make, mine.values_list(*ACCOUNT_FIELDS))}
    missing = sorted(wanted - set(found), key=lambda k: (k[0], k[1] or 0))
    if missing:
        sql.insert(
            Account,
            {"customer_id": [c for c, _m in missing], "merchant_id": [m for _c, m in missing]},
            now=now,
            skip_conflicts=True,
        )
        found = {(a.customer_id, a.merchant_id): a for a in map(AccountState._make, mine.values_list(*ACCOUNT_FIELDS))}
    for sale in sales:
        sale.account_pk = found[(sale.customer_id, merchant_id if sale.own else None)].pk
    return {account.pk: account for key, account in found.items() if key in wanted}


def accounts_lock(accounts) -> dict:
    """The accounts locked in pk order (``FOR NO KEY UPDATE``: like a till's lock it
    keeps every other write to the balance waiting, but not a foreign key check of a
    row that points to the account) and read again."""
    locked = (
        Account.objects.filter(pk__in=sql.one_of(Account._meta.pk, sorted(accounts)))
        .select_for_update(no_key=True)
        .order_by("pk")
        .values_list(*ACCOUNT_FIELDS)
    )
    return {account.pk: account for account in map(AccountState._make, locked)}


def points_plan(context, sales, accounts, qualifying) -> Plan:
    """Each sale's points by the rules of a single sale, in row order, from the state of
    the accounts (``{pk: AccountState}``) and their ``qualifying`` sums."""
    program = context.program
    ladder = context.ladder
    lowest = ladder[0] if ladder else None
    tiers = {tier.pk: tier for tier in ladder}
    balance = {pk: account.balance for pk, account in accounts.items()}
    tier_id = {pk: account.tier_id for pk, account in accounts.items()}
    qualifying = dict(qualifying)
    plan = Plan(earned=[], earnings=[], tier_changes=[], moves=[])
    moves = {}
    for sale in sales:
        pk = sale.account_pk
        if sale.own:
            multiplier = ONE
            earned = 0 if sale.amount < program.min_spend else points_floor(sale.amount * program.points_per_unit)
        else:
            tier = tiers.get(tier_id[pk]) or lowest
            multiplier = tier.multiplier if tier else ONE
            earned = context.network_points(sale.amount, multiplier)
        earned = max(earned, 0)
        plan.earned.append(earned)
        if earned == 0:
            continue
        balance[pk] += earned
        move = moves.setdefault(pk, [pk, 0, None, None, False])
        move[1] += earned
        if not sale.own:
            qualifying[pk] += earned
            points = move[2] = max(qualifying[pk], 0)
            tier = tier_for_points(points, ladder)
            if (tier.pk if tier else None) != tier_id[pk]:
                plan.tier_changes.append((sale, tiers.get(tier_id[pk]), tier, points))
                tier_id[pk] = tier.pk if tier else None
            move[3], move[4] = tier_id[pk], tier_id[pk] != accounts[pk].tier_id
        plan.earnings.append((sale, multiplier, balance[pk]))
    plan.moves = list(moves.values())
    return plan


def qualifying_sums(context, accounts, *, now) -> dict:
    """Each coalition account's sum of what counts toward its tier, as
    ``qualifying_points`` counts it but without its floor at 0: that applies once each
    row's points are added, as ``tier_recalculate`` counts them after a sale."""
    pks = [account.pk for account in accounts if account.merchant_id is None]
    if not pks:
        return {}
    since = now - relativedelta(months=context.tier_window_months)
    totals = (
        LedgerEntry.objects.filter(
            account_id__in=sql.one_of(LedgerEntry._meta.get_field("account"), pks), created_at__gte=since
        )
        .filter(Q(kind__in=[Kind.EARNED, Kind.BONUS]) | Q(kind=Kind.REVERSED, source="refund"))
        .values("account_id")
        .annotate(s=Sum("points"))
    )
    found = {t["account_id"]: t["s"] or 0 for t in totals}
    return {pk: found.get(pk, 0) for pk in pks}
