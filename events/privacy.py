"""Personal data held by events: registrations, the member profile, badges, trivia wins,
points and leaderboard places. None of them names the person beyond the customer link, so
erasing the customer's profile anonymises them; a paid registration for an event still to
come blocks the erasure."""

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from skypark.privacy.registry import Section, not_personal, register, rows

from .models import (
    Activity,
    LeaderboardEntry,
    MemberProfile,
    PointsEntry,
    Registration,
    RegistrationStatus,
    TriviaWin,
    UserBadge,
)


def export(user):
    return {
        "registrations": rows(Registration.objects.filter(customer=user).order_by("pk"), exclude=("checked_in_by",)),
        "member_profile": rows(MemberProfile.objects.filter(customer=user)),
        "badges": rows(UserBadge.objects.filter(customer=user).order_by("pk")),
        "trivia_wins": rows(TriviaWin.objects.filter(customer=user).order_by("pk"), exclude=("recorded_by",)),
        "points": rows(PointsEntry.objects.filter(customer=user).order_by("pk"), exclude=("created_by",)),
        "leaderboard": rows(LeaderboardEntry.objects.filter(customer=user).order_by("pk")),
        "activities": rows(Activity.objects.filter(customer=user).order_by("pk")),
    }


def blockers(user):
    upcoming = (
        Registration.objects.filter(
            customer=user,
            status=RegistrationStatus.CONFIRMED,
            order__isnull=False,
            event__starts_at__gt=timezone.now(),
        )
        .select_related("event")
        .order_by("event__starts_at")
    )
    return [
        _(
            "You have a paid place at %(event)s on %(date)s: cancel your registration or attend it, then ask "
            "again; or wait for our staff to review your request."
        )
        % {
            "event": registration.event.display_title,
            "date": formats.date_format(timezone.localtime(registration.event.starts_at), "DATE_FORMAT"),
        }
        for registration in upcoming
    ]


register(
    Section(
        key="events",
        export=export,
        blockers=blockers,
        covers=(
            "events.Registration.customer",
            "events.MemberProfile.customer",
            "events.MemberProfile.referred_by",
            "events.UserBadge.customer",
            "events.TriviaWin.customer",
            "events.PointsEntry.customer",
            "events.LeaderboardEntry.customer",
            "events.Activity.customer",
        ),
        order=60,
    )
)
not_personal(
    "events.Registration.checked_in_by",
    "events.TriviaWin.recorded_by",
    "events.PointsEntry.created_by",
    reason="the member of staff who acted",
)
