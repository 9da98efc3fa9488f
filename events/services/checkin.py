"""Check-in and check-out."""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skypark.audit.services import audit_log, snapshot
from skypark.commerce import qr
from skypark.config.selectors import get_int
from skypark.core import verdicts

from .. import signals
from ..errors import (
    NotCheckedIn,
)
from ..models import (
    Event,
    Registration,
)
from ._common import (
    Status,
)
from .gamification import (
    attendance_reward,
)

# --- check-in ---------------------------------------------------------------------------

REFUSALS = {
    "wrong_event": gettext_lazy("This registration is for another event."),
    "already_checked_in": gettext_lazy("This member is already checked in."),
    "not_paid": gettext_lazy("This registration has not been paid."),
    "not_confirmed": gettext_lazy("This member is on the waiting list, not registered."),
    "cancelled": gettext_lazy("This registration was cancelled."),
    "event_cancelled": gettext_lazy("This event was cancelled."),
    "too_early": gettext_lazy("Check-in has not opened yet."),
    "event_over": gettext_lazy("This event is over."),
    "forged": gettext_lazy("This code is not genuine."),
    "unknown": gettext_lazy("No registration has this code."),
}
STATUS_REFUSALS = {
    Status.ATTENDED: "already_checked_in",
    Status.PENDING_PAYMENT: "not_paid",
    Status.WAITLISTED: "not_confirmed",
    Status.OFFERED: "not_confirmed",
    Status.CANCELLED: "cancelled",
    Status.EXPIRED: "cancelled",
    Status.NO_SHOW: "event_over",
}


@dataclass
class CheckInResult:
    """A check-in verdict. ``facts`` say when a refused member was already checked in
    (``used_at``), for which event and day the code is (``event``, ``valid_on``), when
    check-in opens (``opens_at``) or when the event ended (``ended_at``)."""

    admitted: bool
    reason: str = ""
    registration: Registration | None = None
    facts: dict = field(default_factory=dict)

    @property
    def refusal(self) -> str:
        return str(REFUSALS[self.reason]) if self.reason else ""

    @property
    def detail(self) -> str:
        facts = self.facts
        if "used_at" in facts:
            date, time = verdicts.moment_parts(facts["used_at"])
            return verdicts.sentence(_("Checked in on %(date)s at %(time)s.") % {"date": date, "time": time})
        if "opens_at" in facts:
            date, time = verdicts.moment_parts(facts["opens_at"])
            return verdicts.sentence(_("Check-in opens on %(date)s at %(time)s.") % {"date": date, "time": time})
        if "ended_at" in facts:
            date, time = verdicts.moment_parts(facts["ended_at"])
            return verdicts.sentence(_("The event ended on %(date)s at %(time)s.") % {"date": date, "time": time})
        if "event" in facts:
            day = verdicts.day_text(facts["valid_on"])
            return verdicts.sentence(
                _("This code is for “%(event)s” on %(date)s.") % {"event": facts["event"], "date": day}
            )
        return ""

    @property
    def message(self) -> str:
        if not self.reason:
            return _("Checked in")
        return f"{self.refusal} {self.detail}".strip()


def _event_day(event: Event) -> datetime.date:
    return timezone.localtime(event.starts_at, timezone.get_default_timezone()).date()


def _registration_for_code(code: str):
    """The registration locked, with its check-in method, or a refusal. A signed code is
    verified by computation first, so a forged one costs no query."""
    code = (code or "").strip()
    if "." in code:
        try:
            payload = qr.code_read(code, kind="registration")
        except qr.ForgedCode:
            return CheckInResult(False, "forged")
        if not payload.object_id.isdigit():
            return CheckInResult(False, "forged")
        registration = Registration.objects.select_for_update().filter(pk=int(payload.object_id)).first()
        if registration is None:
            return CheckInResult(False, "unknown")
        if registration.qr_code != code:
            return CheckInResult(False, "forged")
        return registration, "qr"
    backup = qr.backup_code_normalise(code)
    registration = Registration.objects.select_for_update().filter(backup_code=backup).first() if backup else None
    if registration is None:
        return CheckInResult(False, "unknown")
    return registration, "backup"


def _check_in_locked(registration: Registration, event: Event, *, staff, now, method) -> CheckInResult:
    if event.status == Event.Status.CANCELLED:
        return CheckInResult(False, "event_cancelled", registration)
    if registration.status == Status.ATTENDED and registration.checked_in_at:
        return CheckInResult(False, "already_checked_in", registration, {"used_at": registration.checked_in_at})
    if registration.status in STATUS_REFUSALS:
        return CheckInResult(False, STATUS_REFUSALS[registration.status], registration)
    opens_at = event.starts_at - datetime.timedelta(minutes=get_int("events.checkin_opens_minutes"))
    if now < opens_at:
        return CheckInResult(False, "too_early", registration, {"valid_on": _event_day(event), "opens_at": opens_at})
    if now > event.ends_at:
        return CheckInResult(
            False, "event_over", registration, {"valid_on": _event_day(event), "ended_at": event.ends_at}
        )
    before = snapshot(registration)
    registration.status = Status.ATTENDED
    registration.checked_in_at = now
    registration.checked_in_by = staff if getattr(staff, "pk", None) else None
    registration.check_in_method = method
    registration.save()
    registration.event = event
    signals.registration_attended.send(sender=Registration, registration=registration, now=now)
    audit_log(
        actor=staff,
        action="events.registration.checked_in",
        obj=registration,
        before=before,
        after=snapshot(registration),
        data={"method": method},
    )
    attendance_reward(registration=registration, now=now)
    return CheckInResult(True, registration=registration)


@transaction.atomic
def registration_check_in(*, code: str, event: Event, staff=None, now=None) -> CheckInResult:
    """Checks in the holder of ``code`` (signed QR or backup code) at ``event``, or says
    why not, in the gates' verdict style. Locks the registration and re-checks it, so
    two devices scanning one code at once check it in once. Check-in earns the event's
    points, updates the streak and evaluates badges in the same transaction."""
    now = now or timezone.now()
    found = _registration_for_code(code)
    if isinstance(found, CheckInResult):
        return found
    registration, method = found
    if registration.event_id != event.pk:
        own = Event.objects.get(pk=registration.event_id)
        facts = {"event": own.display_title, "valid_on": _event_day(own)}
        return CheckInResult(False, "wrong_event", registration, facts)
    return _check_in_locked(registration, Event.objects.get(pk=event.pk), staff=staff, now=now, method=method)


@transaction.atomic
def registration_check_in_manual(*, registration: Registration, staff, now=None) -> CheckInResult:
    """Staff check a member in by hand (no code); same rules as a scan."""
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    event = Event.objects.get(pk=registration.event_id)
    return _check_in_locked(registration, event, staff=staff, now=now, method="manual")


@transaction.atomic
def registration_check_out(*, registration: Registration, staff=None, now=None) -> Registration:
    """Records when the member left. Locks the registration; a second check-out keeps the
    first time."""
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.checked_in_at is None:
        raise NotCheckedIn()
    if registration.checked_out_at is None:
        registration.checked_out_at = max(now, registration.checked_in_at)
        registration.save(update_fields=["checked_out_at", "updated_at"])
        audit_log(actor=staff, action="events.registration.checked_out", obj=registration)
    return registration
