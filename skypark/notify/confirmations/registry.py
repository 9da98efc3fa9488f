"""What a domain tells notify about a thing it confirms (a park ticket, an event
registration, a course booking), and the registry that maps a model to its describer.

Notify imports no domain model: each domain registers a describer for its own model in
its ``AppConfig.ready`` (``confirmations.register(Ticket, describe_ticket)``). A describer
is called inside ``translation.override`` of the customer's language and returns a
``TicketDescription`` (the texts already in that language), or None when the object has
nothing to confirm (not paid yet, cancelled).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from skypark.core.errors import DomainError


class NothingToConfirm(DomainError):
    code = "nothing_to_confirm"
    default_message = _("There is no valid ticket to send for this item.")


@dataclass(frozen=True)
class CalendarEntry:
    """One calendar event. ``start``/``end`` are aware datetimes (written with their time
    zone: give them in the zone the customer should see, e.g. the venue's) or dates (an
    all-day event; ``end`` is the last day, inclusive)."""

    uid: str
    summary: str
    start: datetime.datetime | datetime.date
    end: datetime.datetime | datetime.date
    location: str = ""
    description: str = ""
    # Further days of the same thing (a course over three days): ``(start, end)`` pairs,
    # each its own VEVENT with the UID ``<uid>-<n>``, n from 2.
    further_days: tuple = ()


@dataclass(frozen=True)
class TicketDescription:
    """Everything printed on the ticket PDF and said in the confirmation.

    ``kind`` names the notification templates (``notify/<kind>/``), which receive
    ``context`` plus this description as ``confirmation``. ``qr_payload`` is what the QR
    code encodes (what a gate or check-in scanner reads); ``backup_code`` is printed as the
    customer would read it out. ``details`` are labelled rows: what, when, where, who.
    ``dedupe_key`` makes the first confirmation go out once however often it is asked for.
    """

    kind: str
    dedupe_key: str
    reference: str
    heading: str
    title: str
    qr_payload: str
    backup_code: str
    details: list[tuple[str, str]]
    url: str = ""
    calendar: CalendarEntry | None = None
    context: dict = field(default_factory=dict)


Describer = Callable[[object], TicketDescription | None]
_DESCRIBERS: dict[str, Describer] = {}
_RELATED: dict[str, tuple[str, ...]] = {}


def register(model, describe: Describer, *, related: tuple[str, ...] = ()) -> None:
    """``related``: the relations the describer reads (``select_related`` names), loaded
    with the object when a task loads it by id."""
    _DESCRIBERS[model._meta.label_lower] = describe
    _RELATED[model._meta.label_lower] = tuple(related)


def related_for(label: str) -> tuple[str, ...]:
    return _RELATED.get(label, ())


def describer_for(obj) -> Describer:
    try:
        return _DESCRIBERS[obj._meta.label_lower]
    except KeyError:
        raise LookupError(f"No confirmation is registered for {obj._meta.label}") from None


def registered_labels() -> list[str]:
    return sorted(_DESCRIBERS)
