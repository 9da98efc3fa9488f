import datetime

from django.contrib import admin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UpcomingDateListFilter(admin.DateFieldListFilter):
    """A date filter for lists whose dates are mostly ahead (visit days, sessions,
    events): today, tomorrow, the next 7 days, this month, and what is already past.

    Works on date and datetime fields (days are taken in the current time zone) and
    through relations, e.g. ``("session__starts_at", UpcomingDateListFilter)``."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        now = timezone.now()
        if timezone.is_aware(now):
            now = timezone.localtime(now)
        if isinstance(field, models.DateTimeField):
            today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        else:
            today = now.date()
        day = datetime.timedelta(days=1)
        month_start = today.replace(day=1)
        next_month = (month_start + datetime.timedelta(days=32)).replace(day=1)
        since, until = self.lookup_kwarg_since, self.lookup_kwarg_until

        def span(start, end):
            params = {}
            if start is not None:
                params[since] = str(start)
            if end is not None:
                params[until] = str(end)
            return params

        self.links = (
            (_("Any date"), {}),
            (_("Today"), span(today, today + day)),
            (_("Tomorrow"), span(today + day, today + 2 * day)),
            (_("Next 7 days"), span(today, today + 7 * day)),
            (_("This month"), span(month_start, next_month)),
            (_("Later"), span(today + 7 * day, None)),
            (_("Past"), span(None, today)),
        )
        if field.null:
            self.links += (
                (_("No date"), {self.lookup_kwarg_isnull: True}),
                (_("Has date"), {self.lookup_kwarg_isnull: False}),
            )
