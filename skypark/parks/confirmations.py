"""How a park ticket is printed and confirmed (registered with notify's confirmations in
``ParksConfig.ready``). Called in the customer's language."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from skypark.notify.confirmations import CalendarEntry, TicketDescription

from .models import OpeningHours, Ticket, TimeSlot

CONFIRMABLE = (Ticket.Status.ACTIVE, Ticket.Status.USED)


def _aware(day, time):
    return timezone.make_aware(datetime.datetime.combine(day, time))


def _visit_hours(ticket) -> tuple[datetime.datetime, datetime.datetime, str] | None:
    """Start, end and the slot's name of a single visit: its slot's hours, else the
    park's hours that weekday; None when neither is known (an all-day visit)."""
    day = ticket.visit_date
    if ticket.slot:
        slot = TimeSlot.objects.filter(park_id=ticket.park_id, code=ticket.slot).first()
        if slot is not None:
            return _aware(day, slot.starts), _aware(day, slot.ends), slot.name
    hours = OpeningHours.objects.filter(park_id=ticket.park_id, weekday=day.weekday()).first()
    if hours is None:
        return None
    end_day = day + datetime.timedelta(days=1) if hours.overnight else day
    return _aware(day, hours.opens), _aware(end_day, hours.closes), ""


def _child(child: dict) -> str:
    name, age = str(child.get("name") or ""), child.get("age")
    if not isinstance(age, int):
        return name
    years = ngettext("%(years)s year old", "%(years)s years old", age) % {"years": age}
    return f"{name} ({years})"


def _who(ticket) -> str:
    grown_up = ticket.customer.name or ticket.customer.phone
    return ", ".join(part for part in [grown_up, *map(_child, ticket.children_data)] if part)


def describe_ticket(ticket: Ticket) -> TicketDescription | None:
    if ticket.status not in CONFIRMABLE or not ticket.qr_code:
        return None
    park = ticket.park
    calendar = None
    if ticket.is_subscription:
        when = _("%(start)s – %(end)s, %(visits)s") % {
            "start": date_format(ticket.visit_date, "DATE_FORMAT"),
            "end": date_format(ticket.valid_until, "DATE_FORMAT"),
            "visits": ngettext("%(count)d visit", "%(count)d visits", ticket.visits_allowed)
            % {"count": ticket.visits_allowed},
        }
    else:
        hours = _visit_hours(ticket)
        when = date_format(ticket.visit_date, "DATE_FORMAT")
        if hours is not None:
            start, end, slot_name = hours
            local_start, local_end = timezone.localtime(start), timezone.localtime(end)
            when += f", {time_format(local_start, 'TIME_FORMAT')}–{time_format(local_end, 'TIME_FORMAT')}"
            if slot_name:
                when += f" ({slot_name})"
        else:
            start = end = ticket.visit_date
        calendar = CalendarEntry(
            uid=f"parks-ticket-{ticket.pk}",
            summary=park.display_name,
            start=start,
            end=end,
            location=park.display_address,
            description=_("Ticket %(code)s") % {"code": ticket.backup_code_display},
        )
    url = settings.SITE_URL.rstrip("/") + reverse("parks:ticket-detail", args=[ticket.pk])
    details = [
        (_("What"), _("Entry to %(park)s") % {"park": park.display_name}),
        (_("When"), when),
        (_("Where"), park.display_address),
        (_("Who"), _who(ticket)),
    ]
    if ticket.order_id:
        details.append((_("Order"), ticket.order.reference))
    return TicketDescription(
        kind="parks.ticket_confirmed",
        dedupe_key=f"parks.ticket_confirmed.{ticket.pk}",
        reference=f"ticket-{ticket.backup_code}",
        heading=_("Park ticket"),
        title=park.display_name,
        qr_payload=ticket.qr_code,
        backup_code=ticket.backup_code_display,
        details=details,
        url=url,
        calendar=calendar,
        context={"ticket": ticket, "park": park, "ticket_url": url, "when": when},
    )
