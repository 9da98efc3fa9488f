"""The words of a scan verdict that carry facts: for which day a code is valid, and when
and where it was used.

Dates are in the active language's format; times in the platform's time zone
(``settings.TIME_ZONE``, where every park and event venue is), whatever time zone the
staff member's session has activated. The same facts go to API clients unformatted, in
``details`` (``valid_on``, ``valid_until``, ``used_at``, ``gate``; see
``skypark.core.api.serializers.VerdictDetails``)."""

import datetime
import re

from django.utils import formats, timezone
from django.utils.translation import gettext as _


def sentence(text: str) -> str:
    """A date format that ends in an abbreviation ("8 марта 2030 г.") ends the sentence
    too: no second full stop."""
    return re.sub(r"\.\.(?=\s|$)", ".", text)


def day_text(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def moment_parts(moment: datetime.datetime) -> tuple[str, str]:
    """``(date, time)`` of ``moment`` on the venue's clock, in the active language."""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return formats.date_format(local.date(), "DATE_FORMAT"), formats.time_format(local.time(), "TIME_FORMAT")


def valid_text(valid_on: datetime.date, valid_until: datetime.date | None = None, *, past: bool = False) -> str:
    """``"Valid on 8 March 2030."`` (or from … to …); ``past`` for a code that has expired."""
    if valid_until and valid_until != valid_on:
        days = {"start": day_text(valid_on), "end": day_text(valid_until)}
        return sentence(
            (_("Was valid from %(start)s to %(end)s.") if past else _("Valid from %(start)s to %(end)s.")) % days
        )
    day = {"date": day_text(valid_on)}
    return sentence((_("Was valid on %(date)s.") if past else _("Valid on %(date)s.")) % day)


def used_text(used_at: datetime.datetime, gate: str = "") -> str:
    date, time = moment_parts(used_at)
    if gate:
        return sentence(
            _("Used on %(date)s at %(time)s, gate “%(gate)s”.") % {"date": date, "time": time, "gate": gate}
        )
    return sentence(_("Used on %(date)s at %(time)s.") % {"date": date, "time": time})
