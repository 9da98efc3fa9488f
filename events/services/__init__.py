"""Writes of the events domain: registering, the waiting list, cancelling, check-in,
points, badges, streaks, leaderboards, sweeps.

Lock order, everywhere: the event row, then registration rows, then (inside the
checkout) the order row; for gamification, the member profile row, then user badges.
The event row lock is what keeps ``places_taken`` within the capacity and the waiting
list in arrival order: every registration, cancellation, release and promotion of an
event runs behind it, re-reads the counter and decides.

Member profile locks serialise every award of one member, so ledger lines, the running
total and the leaderboard counters move together. Awards are idempotent by the ledger's
unique ``reference``.

Groups (the customer and named attendees, one place each) are one unit in the capacity and
on the waiting list (``groups``); one person of a group is cancelled in ``partial``.

The functions live in modules by use case (``registering``, ``groups``, ``cancelling``,
``partial``, ``checkout``, ``organiser``, ``checkin``, ``gamification``, ``leaderboards``,
``sweeps``); import them from here.
"""

from ._common import CENT, LINE_KIND
from .activity import activity_reward
from .cancelling import (
    POLICY_KEY,
    cancellation_deadline,
    registration_cancel,
    registration_cancel_refusal,
    registration_refund_quote,
)
from .checkin import (
    REFUSALS,
    STATUS_REFUSALS,
    CheckInResult,
    registration_check_in,
    registration_check_in_manual,
    registration_check_out,
)
from .checkout import registrations_confirm, registrations_release
from .gamification import (
    attendance_reward,
    badge_award_manual,
    badge_measure,
    badges_evaluate,
    member_referral_set,
    points_add,
    points_award_manual,
    streak_bonus,
    streak_runs,
    streak_update,
    trivia_win_record,
)
from .leaderboards import SCORES_CHECK_LOCK, leaderboard_scores_fold, leaderboards_refresh
from .organiser import event_cancel, event_duplicate, event_registrations_cancel
from .partial import registration_attendee_cancel
from .registering import (
    REGISTRATION_REFUSALS,
    registration_create,
    registration_offer_accept,
    registration_refusal,
    waitlist_position,
)
from .sweeps import (
    SCHEDULES,
    no_shows_mark,
    offers_expire,
    reminder_hours,
    reminders_send,
    schedules_install,
    streaks_compute,
    waitlists_fill,
)

__all__ = [
    "activity_reward",
    "CENT",
    "CheckInResult",
    "LINE_KIND",
    "POLICY_KEY",
    "REFUSALS",
    "REGISTRATION_REFUSALS",
    "SCHEDULES",
    "SCORES_CHECK_LOCK",
    "STATUS_REFUSALS",
    "attendance_reward",
    "badge_award_manual",
    "badge_measure",
    "badges_evaluate",
    "cancellation_deadline",
    "event_cancel",
    "event_duplicate",
    "event_registrations_cancel",
    "leaderboard_scores_fold",
    "leaderboards_refresh",
    "member_referral_set",
    "no_shows_mark",
    "offers_expire",
    "points_add",
    "points_award_manual",
    "registration_attendee_cancel",
    "registration_cancel",
    "registration_cancel_refusal",
    "registration_check_in",
    "registration_check_in_manual",
    "registration_check_out",
    "registration_create",
    "registration_offer_accept",
    "registration_refund_quote",
    "registration_refusal",
    "registrations_confirm",
    "registrations_release",
    "reminder_hours",
    "reminders_send",
    "schedules_install",
    "streak_bonus",
    "streak_runs",
    "streak_update",
    "streaks_compute",
    "trivia_win_record",
    "waitlist_position",
    "waitlists_fill",
]
