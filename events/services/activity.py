"""Activity from elsewhere on the platform (park visits, completed courses) counted in
the member's gamification: points, the weekly streak and the Active Life badge. It
arrives through ``skypark.core.activity.activity_done``; events never imports the
domains that send it."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.audit.services import audit_log
from skypark.config.selectors import get_int

from ..models import Activity, ActivityKind, PointsKind
from .gamification import _profile_locked, badges_evaluate, points_add, streak_update

POINTS_KEYS = {
    ActivityKind.PARK_VISIT: "events.points_park_visit",
    ActivityKind.COURSE_COMPLETED: "events.points_course_completed",
}
DESCRIPTIONS = {
    ActivityKind.PARK_VISIT: lambda title: _("Park visit: %(title)s") % {"title": title},
    ActivityKind.COURSE_COMPLETED: lambda title: _("Course completed: %(title)s") % {"title": title},
}


@transaction.atomic
def activity_reward(
    *, customer_id: int, kind: str, reference: str, occurred_at=None, title: str = ""
) -> Activity | None:
    """Records the activity once (by ``reference``) and rewards it: the kind's points on
    the ledger, the streak recomputed with the activity's week, badge levels. Locks the
    member's profile, so it queues behind any other award of the member. Returns None
    for an activity counted before or of a kind events does not count."""
    if kind not in ActivityKind.values:
        return None
    occurred_at = occurred_at or timezone.now()
    profile = _profile_locked(customer_id)
    activity, created = Activity.objects.get_or_create(
        reference=reference[:120],
        defaults={"customer_id": customer_id, "kind": kind, "title": title[:255], "occurred_at": occurred_at},
    )
    if not created:
        return None
    points_add(
        profile=profile,
        points=get_int(POINTS_KEYS[kind]),
        kind=PointsKind.ACTIVITY,
        reference=f"activity:{activity.reference}",
        description=DESCRIPTIONS[kind](title) if title else str(activity.get_kind_display()),
        now=occurred_at,
    )
    streak_update(profile=profile)
    badges_evaluate(customer=profile.customer, profile=profile)
    audit_log(actor=None, action="events.activity.rewarded", obj=activity, data={"kind": kind})
    return activity
