"""The admin index panel: upcoming events and attendance over the last two weeks; merchant
staff see their own merchant's events only."""

import datetime

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.accounts.admin_scoping import merchant_ids_for
from skypark.core.dashboard import Figure, Panel, Series, register

from .models import Event, Registration


@register(scope="merchant")
def events_panel(request):
    if not request.user.has_perm("events.view_event"):
        return None
    now = timezone.now()
    today = timezone.localdate()
    week = now + datetime.timedelta(days=7)
    events = Event.objects.published()
    registrations = Registration.objects.all()
    ids = merchant_ids_for(request.user)
    if ids is not None:
        events = events.filter(organiser__in=ids)
        registrations = registrations.filter(event__organiser__in=ids)
    upcoming = events.filter(starts_at__gte=now, starts_at__lte=week)
    start = today - datetime.timedelta(days=13)
    per_day = dict(
        registrations.filter(checked_in_at__date__gte=start)
        .annotate(day=TruncDate("checked_in_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    days = [start + datetime.timedelta(days=n) for n in range(14)]
    return Panel(
        title=_("Community events"),
        figures=[
            Figure(_("Events in the next 7 days"), upcoming.count()),
            Figure(
                _("Registered for them"),
                registrations.filter(event__in=upcoming, status=Registration.Status.CONFIRMED).count(),
            ),
            Figure(_("Check-ins today"), per_day.get(today, 0)),
        ],
        series=[Series(_("Check-ins per day"), [(f"{d:%d.%m}", per_day.get(d, 0)) for d in days])],
        link=reverse("admin:events_event_changelist"),
        order=30,
    )
