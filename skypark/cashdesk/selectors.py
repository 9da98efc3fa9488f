"""Reads of the cash desks: a shift's report."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum

from skypark.commerce.models import ZERO

from .models import Movement, Shift
from .services import drawer_cash


@dataclass
class ShiftReport:
    shift: Shift
    totals: dict = field(default_factory=dict)  # kind → (count, amount)
    expected_cash: Decimal = ZERO
    card_total: Decimal = ZERO


def shift_report(shift) -> ShiftReport:
    rows = Movement.objects.filter(shift=shift).values("kind").annotate(n=Count("id"), s=Sum("amount"))
    totals = {row["kind"]: (row["n"], row["s"]) for row in rows}
    card = totals.get(Movement.Kind.CARD_SALE, (0, ZERO))[1] - totals.get(Movement.Kind.CARD_REFUND, (0, ZERO))[1]
    expected = shift.expected_cash if shift.status == Shift.Status.CLOSED else drawer_cash(shift)
    return ShiftReport(shift=shift, totals=totals, expected_cash=expected, card_total=card)


def open_shift_for(user) -> Shift | None:
    return Shift.objects.select_related("desk").filter(cashier=user, status=Shift.Status.OPEN).first()
