"""How an event registration is printed and confirmed (registered with notify's
confirmations in ``EventsConfig.ready``). Called in the customer's language."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from skypark.notify.confirmations import CalendarEntry, TicketDescription

from .models import Registration

CONFIRMABLE = (Registration.Status.CONFIRMED, Registration.Status.ATTENDED)


def _when(start, end) -> str:
    start, end = timezone.localtime(start), timezone.localtime(end)
    if start.date() == end.date():
        return f"{date_format(start, 'DATE_FORMAT')}, {time_format(start, 'TIME_FORMAT')}–{time_format(end, 'TIME_FORMAT')}"
    return (
        f"{date_format(start, 'DATE_FORMAT')} {time_format(start, 'TIME_FORMAT')} – "
        f"{date_format(end, 'DATE_FORMAT')} {time_format(end, 'TIME_FORMAT')}"
    )


def describe_registration(registration: Registration) -> TicketDescription | None:
    if registration.status not in CONFIRMABLE or not registration.qr_code or registration.confirmed_at is None:
        return None
    event, customer = registration.event, registration.customer
    when = _when(event.starts_at, event.ends_at)
    url = settings.SITE_URL.rstrip("/") + reverse("events:registration-detail", args=[registration.pk])
    return TicketDescription(
        kind="events.registration_confirmed",
        # A registration cancelled and made again is confirmed again: a new key.
        dedupe_key=f"events.confirmed.{registration.pk}.{int(registration.confirmed_at.timestamp())}",
        reference=f"registration-{registration.backup_code}",
        heading=_("Event registration"),
        title=event.display_title,
        qr_payload=registration.qr_code,
        backup_code=registration.backup_code_display,
        details=[
            (_("What"), event.display_title),
            (_("When"), when),
            (_("Where"), event.location),
            (_("Who"), customer.name or customer.phone),
        ],
        url=url,
        calendar=CalendarEntry(
            uid=f"events-registration-{registration.pk}",
            summary=event.display_title,
            start=timezone.localtime(event.starts_at),
            end=timezone.localtime(event.ends_at),
            location=event.location,
            description=_("Registration %(code)s") % {"code": registration.backup_code_display},
        ),
        context={"event": event, "registration": registration, "url": url, "when": when},
    )
