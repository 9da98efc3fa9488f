"""A paid course booking comes with the ticket PDF and a calendar file."""

import pytest
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from bookings import services
from skypark.audit.models import AuditEntry
from skypark.notify import sms
from skypark.notify.tests.pdf import attachment, pdf_qr_codes, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def learner(customer):
    customer.email = "learner@example.co.uk"
    customer.language = "en"
    customer.save()
    return customer


def test_booking_confirmation_carries_the_ticket_with_the_reference_as_its_code(learner, session, pay, outbox):
    booking = pay(
        services.booking_create(
            customer=learner, session=session, attendees=[{"name": "Ann Lee", "email": "ann@example.co.uk"}]
        )
    )
    [message] = [m for m in mail.outbox if booking.reference in m.subject]
    _name, pdf, mimetype = attachment(message, ".pdf")
    assert mimetype == "application/pdf"
    text = " ".join(pdf_text(pdf).split())  # long values wrap onto several lines
    assert booking.reference in text and session.course.name in text and "Ann Lee" in text
    assert "LS1 4AP" in text
    assert pdf_qr_codes(pdf) == [booking.reference]
    [vevent] = Calendar.from_ical(attachment(message, ".ics")[1]).walk("VEVENT")
    assert vevent.decoded("dtstart") == session.starts_at and vevent.decoded("dtend") == session.ends_at
    assert "Backup code: " + booking.reference in message.body
    [text_message] = sms.outbox
    assert booking.reference in text_message.text


def test_admin_resend_sends_the_booking_again(
    learner, session, pay, outbox, admin_client_logged, staff_user, django_capture_on_commit_callbacks
):
    booking = pay(services.booking_create(customer=learner, session=session))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_logged.post(
            reverse("admin:bookings_booking_changelist"),
            {"action": "resend_confirmation", "_selected_action": [booking.pk]},
        )
    [message] = mail.outbox
    assert booking.reference in pdf_text(attachment(message, ".pdf")[1])
    assert AuditEntry.objects.filter(action="notify.confirmation.resent", object_id=str(booking.pk)).exists()
