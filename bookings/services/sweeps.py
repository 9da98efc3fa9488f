"""The periodic jobs: reminders, no-shows, unpaid releases the signal missed,
certificate expiry notices, and their beat schedules. Each is safe to run twice."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.audit.services import audit_log
from skypark.commerce.models import Order
from skypark.config.selectors import get_int

from ..models import Attendee, Booking, Certificate
from ._common import Status, booking_notify, site_url
from .booking import bookings_release


def booking_remind(*, booking_id: int) -> bool:
    """Sends the reminder of one confirmed booking, once: to the customer, and to each
    named attendee with an e-mail of their own (a company's staff need the joining
    details too). Locks the booking (skipping it if another worker holds it);
    ``reminder_sent_at`` and the dedupe keys make a second run send nothing."""
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("session__course", "session__venue", "customer")
            .filter(pk=booking_id, status=Booking.Status.CONFIRMED, reminder_sent_at__isnull=True)
            .first()
        )
        if booking is None:
            return False
        booking_notify(booking=booking, kind="bookings.reminder", dedupe_key=f"bookings.reminder.{booking.pk}")
        own = (booking.customer.email or "").lower()
        for attendee in booking.attendees.exclude(email="").filter(cancelled_at__isnull=True).order_by("pk"):
            if attendee.email.lower() != own:
                booking_notify(
                    booking=booking,
                    kind="bookings.reminder",
                    dedupe_key=f"bookings.reminder.{booking.pk}.{attendee.pk}",
                    to_address=attendee.email,
                )
        booking.reminder_sent_at = timezone.now()
        booking.save(update_fields=["reminder_sent_at", "updated_at"])
    return True


def bookings_remind(*, now=None) -> int:
    """Reminds every confirmed booking whose session starts within
    ``bookings.reminder_hours_before`` hours. Safe to run twice."""
    now = now or timezone.now()
    horizon = now + datetime.timedelta(hours=get_int("bookings.reminder_hours_before"))
    ids = list(
        Booking.objects.filter(
            status=Booking.Status.CONFIRMED,
            reminder_sent_at__isnull=True,
            session__starts_at__gt=now,
            session__starts_at__lte=horizon,
        )
        .exclude(session__status=Status.CANCELLED)
        .values_list("pk", flat=True)
    )
    return sum(1 for pk in ids if booking_remind(booking_id=pk))


def bookings_mark_no_show(*, now=None) -> int:
    """Confirmed bookings whose session ended more than ``bookings.no_show_after_hours``
    ago without anyone on them marked present become no-shows: one UPDATE, so a second
    run finds nothing."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=get_int("bookings.no_show_after_hours"))
    present = Attendee.objects.filter(booking=OuterRef("pk"), attendance=Attendee.Attendance.PRESENT)
    changed = (
        Booking.objects.filter(status=Booking.Status.CONFIRMED, session__ends_at__lte=cutoff)
        .exclude(session__status=Status.CANCELLED)
        .filter(~Exists(present))
        .update(status=Booking.Status.NO_SHOW, updated_at=Now())
    )
    if changed:
        audit_log(actor=None, action="bookings.bookings.no_show", data={"bookings": changed})
    return changed


def bookings_expire_unpaid(*, now=None) -> int:
    """Releases pending bookings whose order is no longer payable (expired or cancelled)
    but whose signal never reached us, e.g. a worker died between the checkout's commit
    and the receiver. The normal path is the ``order_expired`` receiver; this sweep
    repairs what it missed. Idempotent."""
    orders = Order.objects.filter(
        pk__in=Booking.objects.filter(status=Booking.Status.PENDING).values("order_id"),
        status__in=(Order.Status.EXPIRED, Order.Status.CANCELLED),
    )
    return sum(len(bookings_release(order=order, reason=_("Not paid in time."))) for order in orders)


def certificate_expiry_notify(*, certificate_id: int) -> bool:
    """E-mails the learner that their certificate expires soon, once (row lock with
    skip, ``expiry_notice_sent_at`` and the dedupe key)."""
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("booking__session__course", "booking__session__venue", "booking__customer", "course")
            .filter(pk=certificate_id, expiry_notice_sent_at__isnull=True)
            .first()
        )
        if certificate is None:
            return False
        booking_notify(
            booking=certificate.booking,
            kind="bookings.certificate_expiry",
            dedupe_key=f"bookings.certificate_expiry.{certificate.pk}",
            extra={"certificate": certificate, "catalogue_url": site_url("bookings:course-list")},
            to_address=certificate.learner_email or None,
        )
        certificate.expiry_notice_sent_at = timezone.now()
        certificate.save(update_fields=["expiry_notice_sent_at", "updated_at"])
    return True


def certificates_expiry_notify(*, today=None) -> int:
    """Notifies every learner whose certificate expires within
    ``bookings.certificate_expiry_notice_days`` days (60 by default)."""
    today = today or timezone.localdate()
    until = today + datetime.timedelta(days=get_int("bookings.certificate_expiry_notice_days"))
    ids = list(
        Certificate.objects.filter(
            expiry_notice_sent_at__isnull=True, expires_on__gte=today, expires_on__lte=until
        ).values_list("pk", flat=True)
    )
    return sum(1 for pk in ids if certificate_expiry_notify(certificate_id=pk))


SCHEDULES = [
    # name, task, crontab minute, crontab hour
    ("bookings: send reminders", "bookings.tasks.bookings_send_reminders", "*/15", "*"),
    ("bookings: release unpaid bookings", "bookings.tasks.bookings_release_unpaid", "*/5", "*"),
    ("bookings: mark no-shows", "bookings.tasks.bookings_mark_no_shows", "30", "2"),
    ("bookings: certificate expiry notices", "bookings.tasks.bookings_certificate_expiry_notices", "0", "9"),
    ("bookings: expire waiting-list offers", "bookings.tasks.bookings_waitlist_offers_expire", "*/5", "*"),
    ("bookings: remind companies of invoices due", "bookings.tasks.bookings_invoice_reminders", "0", "8"),
    ("bookings: release places of overdue invoices", "bookings.tasks.bookings_invoices_release_overdue", "15", "*"),
]


@transaction.atomic
def schedules_install() -> list:
    """Registers the bookings' periodic tasks with django-celery-beat, where staff can see
    and change them. Safe to call any number of times."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    tasks = []
    for name, task, minute, hour in SCHEDULES:
        crontab, _created = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
        )
        periodic, _created = PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "enabled": True}
        )
        tasks.append(periodic)
    return tasks
