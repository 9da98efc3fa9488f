"""The words of a scan verdict that carry facts: for which day a code is valid, and when
and where it was used.

Dates are in the active language's format; times in the platform's time zone
(``settings.TIME_ZONE``, where every park and event venue is), whatever time zone the
staff member's session has activated. The same facts go to API clients unformatted, in
``details`` (``valid_on``, ``valid_until``, ``used_at``, ``gate``), by ``facts_json``."""

import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _


def day_text(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def moment_parts(moment: datetime.datetime) -> tuple[str, str]:
    """``(date, time)`` of ``moment`` on the venue's clock, in the active language."""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return formats.date_format(local.date(), "DATE_FORMAT"), formats.time_format(local.time(), "TIME_FORMAT")


def valid_text(valid_on: datetime.date, valid_until: datetime.date | None = None) -> str:
    if valid_until and valid_until != valid_on:
        return _("Valid from %(start)s to %(end)s.") % {"start": day_text(valid_on), "end": day_text(valid_until)}
    return _("Valid on %(date)s.") % {"date": day_text(valid_on)}


def used_text(used_at: datetime.datetime, gate: str = "") -> str:
    date, time = moment_parts(used_at)
    if gate:
        return _("Used on %(date)s at %(time)s, gate “%(gate)s”.") % {"date": date, "time": time, "gate": gate}
    return _("Used on %(date)s at %(time)s.") % {"date": date, "time": time}


def facts_json(facts: dict) -> dict:
    """The facts with dates and times in ISO 8601, for an API body."""
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in facts.items()}
