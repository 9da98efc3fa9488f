"""A confirmed event registration comes with the ticket PDF and a calendar file."""

import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from events import services
from skypark.audit.models import AuditEntry
from skypark.notify import sms
from skypark.notify.tests.pdf import attachment, pdf_qr_codes, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _outboxes():
    mail.outbox = []
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def member(customer):
    customer.email = "member@example.kg"
    customer.language = "ky"
    customer.save()
    return customer


def test_registration_confirmation_carries_the_ticket_and_the_event_in_the_calendar(
    event, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.registration_create(customer=member, event=event)
    [message] = mail.outbox
    assert message.to == ["member@example.kg"]
    assert "Камдык код:" in message.body  # ky
    _name, pdf, _mime = attachment(message, ".pdf")
    text = pdf_text(pdf)
    # no Kyrgyz title: Kyrgyz falls back to the Russian one
    assert not event.title_ky
    assert registration.backup_code_display in text and event.title_ru in text and event.title_en not in text
    assert pdf_qr_codes(pdf) == [registration.qr_code]
    [vevent] = Calendar.from_ical(attachment(message, ".ics")[1]).walk("VEVENT")
    # iCalendar keeps whole seconds.
    assert vevent.decoded("dtstart") == event.starts_at.replace(microsecond=0)
    assert vevent.decoded("dtend") == event.ends_at.replace(microsecond=0)
    assert vevent.decoded("dtstart").tzinfo == zoneinfo.ZoneInfo("Asia/Bishkek")
    assert str(vevent["location"]) == event.location
    [text_message] = sms.outbox
    assert registration.backup_code_display in text_message.text


def test_admin_resend_sends_the_registration_again(
    event, member, admin_client_logged, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.registration_create(customer=member, event=event)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_logged.post(
            reverse("admin:events_registration_changelist"),
            {"action": "resend_confirmation", "_selected_action": [registration.pk]},
        )
    [message] = mail.outbox
    assert registration.backup_code_display in pdf_text(attachment(message, ".pdf")[1])
    assert AuditEntry.objects.filter(
        action="notify.confirmation.resent", object_id=str(registration.pk), actor_id=staff_user.pk
    ).exists()
