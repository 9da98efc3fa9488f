"""Celery entry points of the bookings domain. Each only calls a service; each service is
safe to run twice or to be killed mid-way (row locks with skip, sent-at flags, notify's
dedupe keys, set-based UPDATEs)."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def bookings_send_reminders():
    return services.bookings_remind()


@shared_task(acks_late=True, ignore_result=True)
def bookings_release_unpaid():
    return services.bookings_expire_unpaid()


@shared_task(acks_late=True, ignore_result=True)
def bookings_mark_no_shows():
    return services.bookings_mark_no_show()


@shared_task(acks_late=True, ignore_result=True)
def bookings_certificate_expiry_notices():
    return services.certificates_expiry_notify()


@shared_task(acks_late=True, ignore_result=True)
def bookings_waitlist_offers_expire():
    return services.waitlist_offers_expire()


@shared_task(acks_late=True, ignore_result=True)
def bookings_invoice_reminders():
    return services.invoices_remind()


@shared_task(acks_late=True, ignore_result=True)
def bookings_invoices_release_overdue():
    return services.invoices_release_overdue()
