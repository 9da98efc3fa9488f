"""Discount codes: the refusal reasons and taking one use under the code's row lock."""

from decimal import Decimal

from django.db.models import F, Q
from django.db.models.functions import Now

from ..errors import DiscountRefused
from ..models import DiscountCode


def discount_normalise(code: str) -> str:
    return (code or "").strip().upper()


def discount_check(*, code: DiscountCode | None, course, subtotal: Decimal, today) -> None:
    """Raises ``DiscountRefused`` with the first reason that applies, in the order a
    customer can act on: unknown, inactive, not_yet_valid, expired, wrong_course_type,
    below_minimum, limit_reached. ``today`` is the date in the platform's time zone."""
    if code is None:
        raise DiscountRefused("unknown")
    if not code.is_active:
        raise DiscountRefused("inactive")
    if today < code.valid_from:
        raise DiscountRefused("not_yet_valid", valid_from=code.valid_from.isoformat())
    if today > code.valid_until:
        raise DiscountRefused("expired", valid_until=code.valid_until.isoformat())
    if code.course_type_id and code.course_type_id != course.course_type_id:
        raise DiscountRefused("wrong_course_type", course_type=code.course_type.code)
    if code.min_purchase_amount is not None and subtotal < code.min_purchase_amount:
        raise DiscountRefused("below_minimum", minimum=str(code.min_purchase_amount))
    if code.usage_limit is not None and code.times_used >= code.usage_limit:
        raise DiscountRefused("limit_reached")


def discount_use_take(*, code_text, course, subtotal, today) -> tuple[DiscountCode, Decimal]:
    """Locks the code row, re-checks it and counts one use. The UPDATE also re-checks
    the limit, so even a caller that skipped the lock cannot go past it."""
    code = (
        DiscountCode.objects.select_for_update(of=("self",))
        .select_related("course_type")
        .filter(code=code_text)
        .first()
    )
    discount_check(code=code, course=course, subtotal=subtotal, today=today)
    taken = (
        DiscountCode.objects.filter(pk=code.pk)
        .filter(Q(usage_limit__isnull=True) | Q(times_used__lt=F("usage_limit")))
        .update(times_used=F("times_used") + 1, updated_at=Now())
    )
    if not taken:
        raise DiscountRefused("limit_reached")
    return code, code.discount_on(subtotal)
