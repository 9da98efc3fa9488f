"""Fraud rules on till sales, the points they hold, and the review that ends a hold.

The rules (thresholds are system settings, editable in the admin; windows are fixed
buckets, so one burst raises one flag per customer and rule, as ``FraudFlag``'s unique
constraint keeps it):

- ``customer_velocity``: one customer earned more than ``loyalty.fraud_velocity_customer_points``
  points, or completed more than ``loyalty.fraud_velocity_customer_sales`` sales, across
  the network within ``loyalty.fraud_velocity_window_minutes``;
- ``till_velocity``: one till (``till_id``, when the sale names one: a merchant's tills
  together would flag every busy shop) issued more than
  ``loyalty.fraud_velocity_till_points`` points in that window;
- ``shared_device`` / ``shared_card``: one device or payment card served more than
  ``loyalty.fraud_shared_accounts`` customers within ``loyalty.fraud_shared_window_days``;
- ``redeem_after_earn``: points spent at a till within
  ``loyalty.fraud_redeem_after_earn_minutes`` of the same customer earning there;
- ``refund_abuse``: more than ``loyalty.fraud_refunds`` of one customer's sales of the
  last ``loyalty.fraud_refund_window_days`` days refunded or voided.

The first four are checked inside the sale's own transaction, with its points account
locked; a velocity or shared device/card flag puts the points the sale just earned on
hold (``PointLot.hold``): they count in the balance but cannot be spent until staff
release them. Network staff review flags in the admin: ``fraud_flag_release`` (dismiss:
the held points become spendable) or ``fraud_flag_confirm`` (the held points that are
left are taken back by an ``adjusted`` entry); both are audited and refuse a flag already
reviewed.

Lock order: a sale holds its points account, then writes its flag; a review locks the
customer's accounts (pk order), then the flag — accounts before flags everywhere.

Device ids and card fingerprints are minimised before they are stored: a keyed hash
(HMAC-SHA256 under the ``SECRET_KEY``, cut to 128 bits) that can only tell whether two
sales share a device or a card; the values themselves are never written.
"""

import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.crypto import salted_hmac

from skypark.audit.services import audit_log
from skypark.config.selectors import get_int

from ..errors import FlagAlreadyReviewed
from ..models import Account, FraudFlag, LedgerEntry, LotUse, PointLot, PosTransaction
from .ledger import _actor_fields, _balance_move

Rule = FraudFlag.Rule
Kind = LedgerEntry.Kind
HOLDING_RULES = (Rule.CUSTOMER_VELOCITY, Rule.TILL_VELOCITY, Rule.SHARED_DEVICE, Rule.SHARED_CARD)
EARNING = (PosTransaction.Status.COMPLETED, PosTransaction.Status.PARTIALLY_REFUNDED)
REFUNDED = (PosTransaction.Status.REFUNDED, PosTransaction.Status.PARTIALLY_REFUNDED, PosTransaction.Status.VOIDED)


def fingerprint(value: str) -> str:
    """The stored form of a device id or card fingerprint: a keyed hash, 32 hex digits;
    empty for an empty value."""
    value = (value or "").strip()
    if not value:
        return ""
    return salted_hmac("loyalty.till.fingerprint", value, algorithm="sha256").hexdigest()[:32]


def _bucket(now, seconds: int) -> int:
    return int(now.timestamp()) // seconds


def _flag(*, customer_id, rule, window_key, details, merchant_id=None, tx=None) -> FraudFlag | None:
    """The open flag of this customer, rule and window, raised (and audited) on first
    sight. Inside the caller's transaction; a concurrent raise of the same flag is
    answered with the winner's row."""
    try:
        with transaction.atomic():
            flag, created = FraudFlag.objects.get_or_create(
                customer_id=customer_id,
                rule=rule,
                window_key=window_key[:60],
                defaults={"details": details, "merchant_id": merchant_id, "transaction": tx},
            )
    except IntegrityError:
        flag = FraudFlag.objects.filter(customer_id=customer_id, rule=rule, window_key=window_key[:60]).first()
        created = False
    if created:
        audit_log(actor=None, action="loyalty.fraud.flagged", obj=flag, data={"rule": rule, **details})
    return flag


def _hold(flag: FraudFlag, *, account: Account, reference: str) -> int:
    """Puts the lot of the sale's earned points on hold for ``flag`` (the account is
    locked by the caller). Returns the points held."""
    if flag is None or flag.status != FraudFlag.Status.OPEN:
        return 0
    lot = (
        PointLot.objects.filter(
            account=account, hold__isnull=True, entry__kind=Kind.EARNED, entry__source="pos", entry__reference=reference
        )
        .only("pk", "remaining")
        .first()
    )
    if lot is None or lot.remaining == 0:
        return 0
    PointLot.objects.filter(pk=lot.pk).update(hold=flag)
    FraudFlag.objects.filter(pk=flag.pk).update(held_points=F("held_points") + lot.remaining)
    return lot.remaining


# The two velocity rules' sums over the window in one statement (an OR of two index
# scans, each summed apart), in SQL: built through the ORM, the aggregate cost the
# application several times what it costs the database.
_VELOCITY = f"""
    SELECT coalesce(sum("points_earned") FILTER (WHERE "customer_id" = %s), 0),
        count(*) FILTER (WHERE "customer_id" = %s),
        coalesce(sum("points_earned") FILTER (WHERE "merchant_id" = %s AND "till_id" = %s), 0)
    FROM "{PosTransaction._meta.db_table}"
    WHERE NOT "is_test" AND "status" IN ({", ".join(["%s"] * len(EARNING))}) AND "occurred_at" >= %s
        AND ("customer_id" = %s OR ("merchant_id" = %s AND "till_id" = %s))
"""


def _velocity(tx, *, since, till: bool) -> dict:
    """The points and sales of the sale's customer, and (``till``) the points of its
    till, in the window since ``since`` (the sale included)."""
    merchant_id = tx.merchant_id if till else None  # "merchant_id" = NULL: no till row
    with connection.cursor() as cursor:
        cursor.execute(
            _VELOCITY,
            [
                tx.customer_id,
                tx.customer_id,
                merchant_id,
                tx.till_id,
                *EARNING,
                connection.ops.adapt_datetimefield_value(since),
                tx.customer_id,
                merchant_id,
                tx.till_id,
            ],
        )
        points, sales, till_points = cursor.fetchone()
    return {"points": int(points), "sales": sales, "till": int(till_points)}


def fraud_check_sale(*, tx: PosTransaction, account: Account, now=None) -> list[FraudFlag]:
    """Runs the sale rules on a sale that has just completed, in its transaction, with
    ``account`` (the one it earned into) locked. Returns the flags it raised or joined."""
    if tx.is_test or tx.source != PosTransaction.Source.POS:
        return []
    now = now or timezone.now()
    flags = []
    minutes = get_int("loyalty.fraud_velocity_window_minutes")
    since = now - datetime.timedelta(minutes=minutes)
    bucket = _bucket(now, minutes * 60)
    reference = f"{tx.merchant_id}:{tx.external_id}"

    till_rule = bool(tx.points_earned and tx.till_id)
    mine = _velocity(tx, since=since, till=till_rule)
    points_limit = get_int("loyalty.fraud_velocity_customer_points")
    sales_limit = get_int("loyalty.fraud_velocity_customer_sales")
    if (mine["points"] or 0) > points_limit or mine["sales"] > sales_limit:
        flags.append(
            _flag(
                customer_id=tx.customer_id,
                rule=Rule.CUSTOMER_VELOCITY,
                window_key=str(bucket),
                details={"points": mine["points"] or 0, "sales": mine["sales"], "minutes": minutes},
                merchant_id=tx.merchant_id,
                tx=tx,
            )
        )

    if till_rule:
        till_points = mine["till"]
        if till_points > get_int("loyalty.fraud_velocity_till_points"):
            flags.append(
                _flag(
                    customer_id=tx.customer_id,
                    rule=Rule.TILL_VELOCITY,
                    window_key=f"{tx.merchant_id}:{bucket}:{tx.till_id}",
                    details={"points": till_points, "till": tx.till_id, "minutes": minutes},
                    merchant_id=tx.merchant_id,
                    tx=tx,
                )
            )

    days = get_int("loyalty.fraud_shared_window_days")
    allowed = get_int("loyalty.fraud_shared_accounts")
    for field, rule in (("device_hash", Rule.SHARED_DEVICE), ("card_hash", Rule.SHARED_CARD)):
        value = getattr(tx, field)
        if not value:
            continue
        customers = (
            PosTransaction.objects.filter(
                is_test=False, occurred_at__gte=now - datetime.timedelta(days=days), **{field: value}
            )
            .values("customer_id")
            .distinct()
            .count()
        )
        if customers > allowed:
            flags.append(
                _flag(
                    customer_id=tx.customer_id,
                    rule=rule,
                    window_key=f"{value[:16]}:{_bucket(now, days * 86400)}",
                    details={"customers": customers, "days": days},
                    merchant_id=tx.merchant_id,
                    tx=tx,
                )
            )

    if tx.points_redeemed:
        flag = fraud_check_redeem(
            customer_id=tx.customer_id, merchant_id=tx.merchant_id, till_id=tx.till_id, now=now, exclude=tx.pk
        )
        if flag is not None:
            flags.append(flag)

    flags = [flag for flag in flags if flag is not None]
    if tx.points_earned:
        for flag in flags:
            if flag.rule in HOLDING_RULES and _hold(flag, account=account, reference=reference):
                break
    return flags


def fraud_check_redeem(*, customer_id, merchant_id, till_id="", now=None, exclude=None) -> FraudFlag | None:
    """The redeem-after-earn rule: points are being spent at this till (the merchant
    when no till is named) and the customer earned there within the window."""
    now = now or timezone.now()
    minutes = get_int("loyalty.fraud_redeem_after_earn_minutes")
    earned = PosTransaction.objects.filter(
        customer_id=customer_id,
        merchant_id=merchant_id,
        is_test=False,
        status__in=EARNING,
        points_earned__gt=0,
        occurred_at__gte=now - datetime.timedelta(minutes=minutes),
    )
    if till_id:
        earned = earned.filter(till_id=till_id)
    if exclude is not None:
        earned = earned.exclude(pk=exclude)
    last = earned.order_by("-occurred_at").values_list("external_id", flat=True).first()
    if last is None:
        return None
    return _flag(
        customer_id=customer_id,
        rule=Rule.REDEEM_AFTER_EARN,
        window_key=f"{merchant_id}:{_bucket(now, minutes * 60)}:{till_id}",
        details={"earned_in": last, "till": till_id, "minutes": minutes},
        merchant_id=merchant_id,
    )


def fraud_check_refunds(*, tx: PosTransaction, now=None) -> FraudFlag | None:
    """The refund-abuse rule, after a refund or void of one of the customer's sales."""
    if tx.is_test:
        return None
    now = now or timezone.now()
    days = get_int("loyalty.fraud_refund_window_days")
    refunded = PosTransaction.objects.filter(
        customer_id=tx.customer_id,
        is_test=False,
        status__in=REFUNDED,
        occurred_at__gte=now - datetime.timedelta(days=days),
    ).count()
    if refunded <= get_int("loyalty.fraud_refunds"):
        return None
    return _flag(
        customer_id=tx.customer_id,
        rule=Rule.REFUND_ABUSE,
        window_key=str(_bucket(now, days * 86400)),
        details={"refunded": refunded, "days": days},
        merchant_id=tx.merchant_id,
        tx=tx,
    )


# --- review -----------------------------------------------------------------------------


def _review_lock(flag) -> FraudFlag:
    """Locks the flag's customer's accounts (pk order), then the flag, and refuses one
    already reviewed."""
    customer_id = FraudFlag.objects.values_list("customer_id", flat=True).get(pk=flag.pk)
    list(Account.objects.select_for_update().filter(customer_id=customer_id).order_by("pk").values_list("pk"))
    flag = FraudFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.status != FraudFlag.Status.OPEN:
        raise FlagAlreadyReviewed(details={"status": flag.status})
    return flag


def _reviewed(flag, *, status, actor, note, now):
    flag.status = status
    flag.reviewed_by = actor if getattr(actor, "pk", None) else None
    flag.reviewed_at = now
    flag.review_note = (note or "")[:255]
    flag.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])


@transaction.atomic
def fraud_flag_release(*, flag: FraudFlag, actor, note: str = "", now=None) -> FraudFlag:
    """Dismisses a flag: the points it held become spendable again. Audited."""
    now = now or timezone.now()
    flag = _review_lock(flag)
    released = PointLot.objects.filter(hold=flag).update(hold=None)
    _reviewed(flag, status=FraudFlag.Status.DISMISSED, actor=actor, note=note, now=now)
    audit_log(
        actor=actor,
        action="loyalty.fraud.released",
        obj=flag,
        data={"lots": released, "points": flag.held_points, "note": flag.review_note},
    )
    return flag


@transaction.atomic
def fraud_flag_confirm(*, flag: FraudFlag, actor, note: str = "", now=None) -> FraudFlag:
    """Confirms a flag: what is left of the points it held is taken back, one
    ``adjusted`` entry per lot (the lots stay marked with the flag). Audited."""
    now = now or timezone.now()
    flag = _review_lock(flag)
    taken = 0
    lots = PointLot.objects.select_for_update().filter(hold=flag, remaining__gt=0).select_related("account")
    for lot in lots.order_by("expires_at", "id"):
        account = lot.account
        _balance_move(account, -lot.remaining, now=now)
        entry = LedgerEntry.objects.create(
            account=account,
            kind=Kind.ADJUSTED,
            points=-lot.remaining,
            balance_after=account.balance,
            source="fraud",
            reference=f"flag:{flag.pk}:lot:{lot.pk}",
            description=f"{flag.get_rule_display()}"[:255],
            data={"flag": flag.pk},
            **_actor_fields(actor),
        )
        LotUse.objects.create(entry=entry, lot=lot, points=lot.remaining)
        PointLot.objects.filter(pk=lot.pk).update(remaining=0)
        taken += lot.remaining
    _reviewed(flag, status=FraudFlag.Status.CONFIRMED, actor=actor, note=note, now=now)
    audit_log(
        actor=actor,
        action="loyalty.fraud.confirmed",
        obj=flag,
        data={"points_taken": taken, "points_held": flag.held_points, "note": flag.review_note},
    )
    return flag


def held_points(account) -> int:
    """Points of the account on hold for review (still in its balance)."""
    return (
        PointLot.objects.filter(account=account, hold__isnull=False, remaining__gt=0).aggregate(s=Sum("remaining"))["s"]
        or 0
    )


__all__ = [
    "fingerprint",
    "fraud_check_redeem",
    "fraud_check_refunds",
    "fraud_check_sale",
    "fraud_flag_confirm",
    "fraud_flag_release",
    "held_points",
]
