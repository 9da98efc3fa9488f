"""Periodic sweeps (offers, waiting lists, no-shows, streaks, reminders) and their schedules."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from skypark.audit.services import audit_log
from skypark.config.selectors import get, get_int

from ..models import (
    Event,
    MemberProfile,
    Registration,
    week_start,
)
from ._common import (
    Status,
    _event_locked,
    _site_url,
)
from .cancelling import (
    _release_locked,
)
from .registering import (
    _promote,
)

# --- sweeps -----------------------------------------------------------------------------


def offers_expire(*, now=None) -> int:
    """Offers not taken in time lapse; each freed place goes to the next person waiting.
    One transaction per offer (event, then registration locked, status re-checked), so
    a second run does nothing."""
    now = now or timezone.now()
    due = list(
        Registration.objects.filter(status=Status.OFFERED, offer_expires_at__lte=now).values_list("pk", "event_id")
    )
    done = 0
    for pk, event_id in due:
        with transaction.atomic():
            event = _event_locked(event_id)
            registration = (
                Registration.objects.select_for_update()
                .filter(pk=pk, status=Status.OFFERED, offer_expires_at__lte=now)
                .first()
            )
            if registration is None:
                continue
            _release_locked(event, registration, status=Status.EXPIRED, now=now)
            audit_log(actor=None, action="events.registration.offer_expired", obj=registration)
            done += 1
    waitlists_fill(now=now)
    return done


def waitlists_fill(*, now=None) -> int:
    """Gives places that became free outside a cancellation (staff raised the capacity)
    to the waiting lists of upcoming events. Locks each event, then promotes in order."""
    now = now or timezone.now()
    candidates = (
        Event.objects.published()
        .filter(starts_at__gt=now, registrations__status=Status.WAITLISTED)
        .filter(Q(capacity__isnull=True) | Q(capacity__gt=F("places_taken")))
        .values_list("pk", flat=True)
        .distinct()
    )
    promoted = 0
    for event_id in list(candidates):
        with transaction.atomic():
            promoted += len(_promote(_event_locked(event_id), now=now))
    return promoted


def no_shows_mark(*, now=None) -> int:
    """Events that ended more than ``events.no_show_grace_minutes`` ago become finished:
    confirmed members who never checked in become no-shows, people still waiting or
    holding an offer expire, and attendees' badges are evaluated once more (Social
    Butterfly counts everyone who came). Set-wise UPDATEs per event; a second run
    finds no published event to finish."""
    from ..tasks import events_member_badges_evaluate

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=get_int("events.no_show_grace_minutes"))
    marked = 0
    for event_id in list(Event.objects.published().filter(ends_at__lte=cutoff).values_list("pk", flat=True)):
        with transaction.atomic():
            event = _event_locked(event_id)
            if event.status != Event.Status.PUBLISHED:
                continue
            regs = Registration.objects.filter(event=event)
            count = regs.filter(status=Status.CONFIRMED).update(status=Status.NO_SHOW, updated_at=now)
            regs.filter(status__in=(Status.WAITLISTED, Status.OFFERED)).update(status=Status.EXPIRED, updated_at=now)
            event.status = Event.Status.FINISHED
            event.save(update_fields=["status", "updated_at"])
            audit_log(actor=None, action="events.event.finished", obj=event, data={"no_shows": count})
            for customer_id in regs.filter(status=Status.ATTENDED).values_list("customer_id", flat=True):
                events_member_badges_evaluate.delay_on_commit(customer_id)
            marked += count
    return marked


def streaks_compute(*, now=None) -> int:
    """Breaks the streaks of members who attended nothing last week: one UPDATE. Run any
    time (it is meant for just after midnight on Mondays, but daily is harmless)."""
    now = now or timezone.now()
    last_week = week_start(now) - datetime.timedelta(days=7)
    return MemberProfile.objects.filter(current_streak__gt=0, last_attended_week__lt=last_week).update(
        current_streak=0, updated_at=now
    )


def reminder_hours() -> list[int]:
    value = get("events.reminder_hours")
    return sorted({int(h) for h in value if int(h) > 0}, reverse=True)


def reminders_send(*, now=None) -> int:
    """Sends the reminders due now (``events.reminder_hours``, 24 and 2 by default). An
    event gets only the nearest reminder that is due, so an event published an hour
    before it starts gets the 2-hour one and not both. Each member is reminded once per
    mark (notify dedupe key); the event records the marks done, so re-runs send
    nothing."""
    from skypark.notify.services import notification_send

    now = now or timezone.now()
    marks = reminder_hours()
    if not marks:
        return 0
    sent = 0
    horizon = now + datetime.timedelta(hours=marks[0])
    for event in list(Event.objects.published().filter(starts_at__gt=now, starts_at__lte=horizon)):
        due = [h for h in marks if event.starts_at - now <= datetime.timedelta(hours=h)]
        mark = min(due)
        if mark in event.reminders_sent:
            continue
        regs = Registration.objects.filter(event=event, status=Status.CONFIRMED).select_related("customer")
        for registration in regs:
            notification_send(
                recipient=registration.customer,
                kind="events.reminder",
                context={
                    "event": event,
                    "registration": registration,
                    "hours": mark,
                    "url": _site_url("events:registration-detail", registration.pk),
                },
                channels=("email", "in_app"),
                related=registration,
                dedupe_key=f"events.reminder.{registration.pk}.{mark}h",
            )
            sent += 1
        with transaction.atomic():
            locked = _event_locked(event.pk)
            locked.reminders_sent = sorted(set(locked.reminders_sent) | {h for h in due})
            locked.save(update_fields=["reminders_sent", "updated_at"])
    return sent


# --- schedules --------------------------------------------------------------------------

SCHEDULES = [
    # name, task, every (minutes) or None, crontab (hour, minute) or None
    ("events: send reminders", "events.tasks.events_reminders_send", 10, None),
    ("events: expire waiting-list offers", "events.tasks.events_offers_expire", 5, None),
    ("events: mark no-shows and finish events", "events.tasks.events_no_shows_mark", 15, None),
    ("events: break missed streaks", "events.tasks.events_streaks_compute", None, (0, 20)),
    ("events: refresh leaderboards", "events.tasks.events_leaderboards_refresh", None, (3, 30)),
    ("events: fold leaderboard scores", "events.tasks.events_leaderboard_scores_fold", 1, None),
]


@transaction.atomic
def schedules_install() -> list:
    """Registers the events' periodic tasks with django-celery-beat, where staff can see
    and change them (the reminder schedule itself is the ``events.reminder_hours``
    setting). Safe to call any number of times."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    tasks = []
    for name, task, every, at in SCHEDULES:
        if every:
            interval, _created = IntervalSchedule.objects.get_or_create(every=every, period=IntervalSchedule.MINUTES)
            schedule = {"interval": interval}
        else:
            crontab, _created = CrontabSchedule.objects.get_or_create(
                minute=str(at[1]),
                hour=str(at[0]),
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone=settings.TIME_ZONE,
            )
            schedule = {"crontab": crontab}
        periodic, _created = PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "enabled": True, **schedule}
        )
        tasks.append(periodic)
    return tasks
