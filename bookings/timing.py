"""How a session's time is told to a customer: on the venue's clocks, with the venue's
zone named, whatever the platform's ``TIME_ZONE`` (times are stored in UTC). One place
for pages, e-mails, the ticket and the calendar file, so they always agree."""

from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _


def session_days(session) -> list[tuple]:
    """``(start, end)`` of each day on the venue's clocks (the prefetched ``days`` when
    there are any, else the session's own span)."""
    zone = session.venue.zone
    days = list(session.days.all()) if session.pk else []
    spans = [(day.starts_at, day.ends_at) for day in days] or [(session.starts_at, session.ends_at)]
    return [(start.astimezone(zone), end.astimezone(zone)) for start, end in spans]


def with_zone(text: str, zone_name: str) -> str:
    return _("%(when)s (%(zone)s time)") % {"when": text, "zone": zone_name}


def session_when(session) -> str:
    """``13 April 2027, 09:30–16:30 (Europe/London time)``; a course over several days
    lists each day."""
    days = session_days(session)
    if len(days) == 1:
        start, end = days[0]
        text = f"{date_format(start, 'DATETIME_FORMAT')}–{time_format(end, 'TIME_FORMAT')}"
    else:
        text = "; ".join(
            f"{date_format(start, 'DATE_FORMAT')}, {time_format(start, 'TIME_FORMAT')}–{time_format(end, 'TIME_FORMAT')}"
            for start, end in days
        )
    return with_zone(text, session.venue.time_zone)


def session_start(session) -> str:
    """The first day's start: ``13 April 2027, 09:30 (Europe/London time)``."""
    start = session.starts_at.astimezone(session.venue.zone)
    return with_zone(date_format(start, "DATETIME_FORMAT"), session.venue.time_zone)


def at_venue(moment, venue) -> str:
    """Any moment (an offer's deadline) on the venue's clocks, its zone named."""
    return with_zone(date_format(moment.astimezone(venue.zone), "DATETIME_FORMAT"), venue.time_zone)
