"""Cancelling what was bought, for every domain: a refund policy (a ladder of
"at least N hours before the start: P % back" steps kept in a typed system setting per
domain), the quote of what cancelling some lines of an order gives back now, and the one
service that cancels those lines and refunds through the checkout.

A domain (course bookings, park tickets, event registrations) locks its own row, checks
its own rules (not started, not admitted), calls ``order_lines_cancel`` for the order
lines of that row, sets its own status from the result and releases its capacity, all
in one transaction. The lines carry ``cancelled_at`` and ``refunded_amount``, so the same
service cancels a subset of an order's lines as well as all of them.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from skypark.audit.services import audit_log
from skypark.config.models import coerce_tiers
from skypark.config.selectors import get
from skypark.core.formatting import format_money

from .errors import IllegalTransition
from .models import ZERO, Order, OrderLine
from .services import CENT, order_cancel, order_refund

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class RefundTier:
    hours: int
    percent: Decimal

    @property
    def notice(self) -> str:
        """The notice this step needs, in words ("7 days", "36 hours")."""
        if self.hours and self.hours % 24 == 0:
            days = self.hours // 24
            return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
        return ngettext("%(count)d hour", "%(count)d hours", self.hours) % {"count": self.hours}


@dataclass(frozen=True)
class RefundPolicy:
    """Steps sorted longest notice first. Cancelling with at least ``hours`` left before
    the start gives ``percent`` of what was paid back; the first step that fits wins;
    less notice than the last step gives nothing back. Each bound is inclusive."""

    key: str
    tiers: tuple[RefundTier, ...]

    def tier_at(self, left: datetime.timedelta) -> RefundTier | None:
        for tier in self.tiers:
            if left >= datetime.timedelta(hours=tier.hours):
                return tier
        return None

    def steps(self, starts_at, closes_at=None) -> list["RefundStep"]:
        """The policy as a person reads it for one start time: each step with the
        moment it ends (never after ``closes_at``, when cancelling closes before the
        start), then "nothing back" from the last deadline on."""
        steps = []
        for tier in self.tiers:
            until = starts_at - datetime.timedelta(hours=tier.hours)
            closes = closes_at is not None and until > closes_at
            notice = "" if closes or not tier.hours else tier.notice
            steps.append(
                RefundStep(percent=tier.percent, notice=notice, until=closes_at if closes else until, closes=closes)
            )
        last = self.tiers[-1] if self.tiers else None
        if last is None or last.hours > 0:
            steps.append(RefundStep(percent=ZERO, notice="", until=None))
        return steps


@dataclass(frozen=True)
class RefundStep:
    percent: Decimal
    notice: str
    until: datetime.datetime | None
    closes: bool = False  # the step ends when cancelling closes, before the start

    @property
    def text(self) -> str:
        if self.until is None:
            return _("Later: no refund.")
        percent = self.percent.normalize()
        if self.closes:
            if self.percent == HUNDRED:
                return _("Until cancelling closes: full refund.")
            if self.percent == 0:
                return _("Until cancelling closes: no refund.")
            return _("Until cancelling closes: %(percent)s%% back.") % {"percent": f"{percent:f}"}
        if not self.notice:
            if self.percent == HUNDRED:
                return _("Until the start: full refund.")
            if self.percent == 0:
                return _("Until the start: no refund.")
            return _("Until the start: %(percent)s%% back.") % {"percent": f"{percent:f}"}
        if self.percent == HUNDRED:
            return _("At least %(notice)s before the start: full refund.") % {"notice": self.notice}
        if self.percent == 0:
            return _("At least %(notice)s before the start: no refund.") % {"notice": self.notice}
        return _("At least %(notice)s before the start: %(percent)s%% back.") % {
            "notice": self.notice,
            "percent": f"{percent:f}",
        }


def refund_policy_get(key: str) -> RefundPolicy:
    """The policy stored in the system setting ``key`` (a ``{"tiers": true}`` array).
    A value that is no longer a valid ladder counts as "no refund" rather than failing a
    customer's page; the admin refuses to save such a value in the first place."""
    try:
        tiers = coerce_tiers(get(key))
    except ValidationError:
        tiers = []
    return RefundPolicy(
        key=key,
        tiers=tuple(RefundTier(hours=t["hours"], percent=Decimal(str(t["percent"]))) for t in tiers),
    )


@dataclass
class CancelQuote:
    """What cancelling ``lines`` of ``order`` at ``now`` gives back: ``percent`` of
    ``paid`` (what was paid for them after discounts and points, less what was already
    refunded on them), rounded once to the cent and never more than ``paid``."""

    order: Order
    lines: list[OrderLine]
    policy: RefundPolicy
    starts_at: datetime.datetime
    now: datetime.datetime
    paid: Decimal
    percent: Decimal
    amount: Decimal
    tier: RefundTier | None = None
    closes_at: datetime.datetime | None = None

    @property
    def rule(self) -> str:
        if self.amount <= 0:
            return "none"
        return "full" if self.amount == self.paid else "partial"

    @property
    def currency(self) -> str:
        return self.order.currency

    @property
    def percent_text(self) -> str:
        """The percent without trailing zeros ("50", "12.5")."""
        return f"{self.percent.normalize():f}"

    @property
    def steps(self) -> list[RefundStep]:
        return self.policy.steps(self.starts_at, self.closes_at)


@dataclass
class CancelResult:
    order: Order
    lines: list[OrderLine]
    refunded: Decimal
    paid: Decimal
    already: bool = False
    refunds: list = field(default_factory=list)

    @property
    def outcome(self) -> str:
        """``refunded`` (everything paid came back), ``partially_refunded`` or
        ``cancelled`` (nothing was paid, or the policy gives nothing back)."""
        if self.refunded > 0 and self.refunded >= self.paid:
            return "refunded"
        if self.refunded > 0:
            return "partially_refunded"
        return "cancelled"


def order_lines_for(*, order, item) -> list[OrderLine]:
    """The lines of ``order`` that sold ``item`` (a ticket, a booking, a registration)."""
    content_type = ContentType.objects.get_for_model(item)
    return list(
        OrderLine.objects.filter(order_id=order.pk, content_type=content_type, object_id=str(item.pk)).order_by("pk")
    )


def lines_paid(*, order, lines) -> Decimal:
    """What the customer paid for ``lines`` and has not had back: all of the order's
    remaining money when the lines are all of the order's open lines; otherwise their
    totals less their share of the order-level discount (codes, loyalty points), spread
    by line total and rounded down, less what was already refunded on them. Never more
    than the order still holds."""
    if order.status not in (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED):
        return ZERO
    left = order.total - order.refunded_total
    open_ids = set(OrderLine.objects.filter(order_id=order.pk, cancelled_at__isnull=True).values_list("pk", flat=True))
    wanted = [line for line in lines if line.cancelled_at is None]
    if not wanted:
        return ZERO
    if {line.pk for line in wanted} == open_ids:
        return max(left, ZERO)
    total = sum((line.total for line in wanted), ZERO)
    share = (total * order.total / order.subtotal).quantize(CENT, rounding=ROUND_DOWN) if order.subtotal else ZERO
    paid = share - sum((line.refunded_amount for line in wanted), ZERO)
    return max(min(paid, left), ZERO)


def refund_quote(*, order, lines, policy: RefundPolicy, starts_at, now=None, closes_at=None) -> CancelQuote:
    """The refund ``policy`` gives for ``lines`` of ``order`` if they are cancelled at
    ``now``, for something that starts at ``starts_at`` (and can be cancelled until
    ``closes_at`` when that is earlier; it only shapes the policy's text). Reads only."""
    now = now or timezone.now()
    paid = lines_paid(order=order, lines=lines)
    tier = policy.tier_at(starts_at - now)
    percent = tier.percent if tier else ZERO
    amount = min((paid * percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP), paid)
    return CancelQuote(
        order=order,
        lines=list(lines),
        policy=policy,
        starts_at=starts_at,
        now=now,
        paid=paid,
        percent=percent if amount > 0 else ZERO,
        amount=amount,
        tier=tier,
        closes_at=closes_at,
    )


def _spread(amount, lines) -> list[Decimal]:
    """``amount`` split over ``lines`` by line total, the cents left by rounding on the
    last line, each part capped by what is left of the line."""
    total = sum((line.total for line in lines), ZERO)
    parts, given = [], ZERO
    for index, line in enumerate(lines):
        room = line.total - line.refunded_amount
        if index == len(lines) - 1:
            part = amount - given
        else:
            part = (amount * line.total / total).quantize(CENT, rounding=ROUND_DOWN) if total else ZERO
        part = max(min(part, room), ZERO)
        parts.append(part)
        given += part
    return parts


@transaction.atomic
def order_lines_cancel(
    *,
    order,
    lines,
    policy: RefundPolicy | None = None,
    starts_at=None,
    amount=None,
    full_refund=False,
    actor=None,
    reason="",
    now=None,
) -> CancelResult:
    """Cancels ``lines`` of ``order`` and gives back what the policy says now (or, for
    staff and organisers, ``amount`` or everything paid for them with ``full_refund``),
    through ``order_refund``.

    Locks the order row, then the lines (``order_refund`` then locks the payments).
    Callers lock their own row (booking, ticket, registration) first, so two cancels of
    the same thing queue behind that lock. Idempotent: lines already cancelled are
    skipped, and when none is left the result says ``already`` and nothing is refunded.
    An unpaid order is cancelled in the checkout when all its open lines are cancelled;
    cancelling a part of an unpaid order is refused (``IllegalTransition``). Writes one
    audit entry on the order."""
    now = now or timezone.now()
    order = Order.objects.select_for_update().get(pk=order.pk)
    lines = list(
        OrderLine.objects.select_for_update()
        .filter(order_id=order.pk, pk__in=[line.pk for line in lines], cancelled_at__isnull=True)
        .order_by("pk")
    )
    if not lines:
        return CancelResult(order=order, lines=[], refunded=ZERO, paid=ZERO, already=True)
    paid = lines_paid(order=order, lines=lines)
    refunds, refunded = [], ZERO
    if order.status == Order.Status.PENDING_PAYMENT:
        open_count = OrderLine.objects.filter(order_id=order.pk, cancelled_at__isnull=True).count()
        if open_count != len(lines):
            raise IllegalTransition(
                _("Part of an unpaid order cannot be cancelled; cancel the whole order."),
                details={"from": order.status, "to": Order.Status.CANCELLED},
            )
        order_cancel(order=order, actor=actor, reason=reason)
    elif paid > 0:
        if full_refund:
            refunded = paid
        elif amount is None:
            refunded = refund_quote(order=order, lines=lines, policy=policy, starts_at=starts_at, now=now).amount
        else:
            refunded = min(Decimal(amount), paid)
        if refunded > 0:
            refunds = order_refund(order=order, amount=refunded, reason=reason, actor=actor)
    for line, part in zip(lines, _spread(refunded, lines), strict=True):
        line.cancelled_at = now
        line.refunded_amount += part
    OrderLine.objects.bulk_update(lines, ["cancelled_at", "refunded_amount"])
    order.refresh_from_db()
    audit_log(
        actor=actor,
        action="commerce.order.lines_cancelled",
        obj=order,
        data={
            "lines": [line.pk for line in lines],
            "paid": str(paid),
            "refund": str(refunded),
            "policy": policy.key if policy else "",
            "reason": reason,
        },
    )
    return CancelResult(order=order, lines=lines, refunded=refunded, paid=paid, refunds=refunds)


def cancelled_message(refunded, currency) -> str:
    """What the customer is told after cancelling, in the active language."""
    if refunded:
        return _("Cancelled. %(amount)s is on its way back to you.") % {"amount": format_money(refunded, currency)}
    return _("Cancelled. No refund is due.")
