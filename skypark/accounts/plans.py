"""Merchant subscription plans: what a merchant's plan allows, in one place for every
domain that has something to limit.

A plan (``MerchantPlan``, data in the admin) names its limits; ``LIMITS`` maps the name a
caller asks about to the plan's field. A merchant without a plan, or a plan with the
field empty, has no limit. Callers ask before they add the thing counted:

- ``plan_allows(merchant, "offers", current_count)`` — may one more be added, with
  ``current_count`` already there? (the offer constructor counts its active offers);
- ``plan_check(...)`` — the same, refusing with ``PlanLimitReached`` (403
  ``plan_limit_reached``, the limit and the count in ``details``);
- staff seats are checked when a member of staff is added (``merchant_membership_add``,
  under a lock on the merchant row, and the admin's form);
- API calls per calendar month are counted per merchant in the Django cache by the
  partner API's ``PlanApiCallsThrottle`` (429 ``plan_api_calls_exhausted``). The count is
  a rate limit, not an invoice: a cache flush starts the month's count again.
"""

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skypark.core.errors import DomainError, Forbidden

LIMITS = {
    "staff_seats": "staff_seats",
    "api_calls": "api_calls_per_month",
    "offers": "active_offers",
}
LIMIT_LABELS = {
    "staff_seats": _("staff seats"),
    "api_calls": _("API calls per month"),
    "offers": _("active offers"),
}


class PlanLimitReached(Forbidden):
    code = "plan_limit_reached"
    default_message = _("The merchant's plan does not allow more of this; ask the network to change the plan.")


class PlanApiCallsExhausted(DomainError):
    code = "plan_api_calls_exhausted"
    default_message = _("The merchant's plan allows no more API calls this month.")
    status_code = 429


def plan_limit(merchant, limit: str) -> int | None:
    """The merchant's limit named ``limit`` (a key of ``LIMITS``), or None for no limit.
    Reads ``merchant.plan`` (select it with the merchant on hot paths)."""
    if limit not in LIMITS:
        raise KeyError(limit)
    if merchant is None or merchant.plan_id is None:
        return None
    return getattr(merchant.plan, LIMITS[limit])


def plan_allows(merchant, limit: str, current_count: int) -> bool:
    """Whether the merchant may have one more of ``limit`` with ``current_count`` already."""
    allowed = plan_limit(merchant, limit)
    return allowed is None or current_count < allowed


def plan_check(merchant, limit: str, current_count: int) -> None:
    """``plan_allows`` that refuses with ``PlanLimitReached``."""
    allowed = plan_limit(merchant, limit)
    if allowed is not None and current_count >= allowed:
        raise PlanLimitReached(
            _("The merchant's plan allows %(n)s %(what)s.") % {"n": allowed, "what": LIMIT_LABELS[limit]},
            details={"limit": limit, "allowed": allowed, "current": current_count},
        )


def _api_calls_key(merchant_id, now) -> str:
    return f"plan:api-calls:{merchant_id}:{now:%Y-%m}"


API_CALLS_TTL = 32 * 24 * 3600


def api_call_count(merchant, *, now=None) -> int:
    """API calls counted for the merchant this calendar month (server time)."""
    now = timezone.localtime(now)
    return cache.get(_api_calls_key(merchant.pk, now), 0)


def api_call_register(merchant, *, now=None) -> None:
    """Counts one API call of a merchant whose plan limits them, refusing with
    ``PlanApiCallsExhausted`` past the limit (the refused call is not counted). A merchant
    without such a limit costs nothing here."""
    allowed = plan_limit(merchant, "api_calls")
    if allowed is None:
        return
    now = timezone.localtime(now)
    key = _api_calls_key(merchant.pk, now)
    cache.add(key, 0, API_CALLS_TTL)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, API_CALLS_TTL)
        count = 1
    if count > allowed:
        cache.decr(key)
        raise PlanApiCallsExhausted(details={"allowed": allowed, "month": f"{now:%Y-%m}"})
