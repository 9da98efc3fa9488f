"""A paid park ticket is confirmed by e-mail (ticket PDF + calendar file), SMS and in-app,
in the customer's language; staff can resend it from the admin."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from skypark.audit.models import AuditEntry
from skypark.notify import sms
from skypark.notify.confirmations import NothingToConfirm, confirmation_resend
from skypark.notify.models import Notification
from skypark.notify.tests.pdf import attachment, pdf_qr_codes, pdf_text

from .factories import TimeSlotFactory, tomorrow

BISHKEK = zoneinfo.ZoneInfo("Asia/Bishkek")


@pytest.fixture(autouse=True)
def _outboxes():
    mail.outbox = []
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def customer_with_email(customer):
    customer.email = "aigul@example.kg"
    customer.save()
    return customer


def _confirmations(ticket):
    return [m for m in mail.outbox if ticket.park.name_en in m.subject or ticket.park.name in m.subject]


def test_paid_ticket_email_holds_a_pdf_with_the_backup_code_and_a_qr_of_the_ticket_code(customer_with_email, buy, pay):
    ticket = pay(buy())
    [message] = mail.outbox
    assert message.to == ["aigul@example.kg"]
    filename, content, mimetype = attachment(message, ".pdf")
    assert filename == f"ticket-{ticket.backup_code}.pdf" and mimetype == "application/pdf"
    text = pdf_text(content)
    assert ticket.backup_code_display in text
    assert ticket.park.name_ru in text and ticket.park.name_en not in text  # ru: the park's Russian name
    assert ticket.children_data[0]["name"] in text
    assert pdf_qr_codes(content) == [ticket.qr_code]


def test_calendar_file_holds_the_slot_hours_in_the_park_time_zone(customer_with_email, buy, pay, park):
    slot = TimeSlotFactory(park=park, code="morning", starts=datetime.time(10), ends=datetime.time(14))
    day = tomorrow()
    ticket = pay(buy(day=day, slot=slot.code))
    _name, content, mimetype = attachment(mail.outbox[0], ".ics")
    assert mimetype.startswith("text/calendar")
    [event] = Calendar.from_ical(content).walk("VEVENT")
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start == datetime.datetime.combine(day, datetime.time(10), tzinfo=BISHKEK)
    assert end == datetime.datetime.combine(day, datetime.time(14), tzinfo=BISHKEK)
    assert str(start.tzinfo) == "Asia/Bishkek" and event["dtstart"].params["TZID"] == "Asia/Bishkek"
    assert str(event["location"]) == park.address
    assert f"parks-ticket-{ticket.pk}@" in str(event["uid"])


def test_whole_day_ticket_is_in_the_calendar_for_the_parks_opening_hours(customer_with_email, buy, pay):
    day = tomorrow()
    pay(buy(day=day))
    [event] = Calendar.from_ical(attachment(mail.outbox[0], ".ics")[1]).walk("VEVENT")
    assert event.decoded("dtstart") == datetime.datetime.combine(day, datetime.time(10), tzinfo=BISHKEK)
    assert event.decoded("dtend") == datetime.datetime.combine(day, datetime.time(22), tzinfo=BISHKEK)


@pytest.mark.parametrize(
    ("language", "subject", "body", "pdf_label"),
    [
        ("ru", "Ваш билет в Парк", "Резервный код:", "Резервный код"),
        ("ky", "Парк", "Камдык код:", "Камдык код"),
        ("en", "Your ticket to Park", "Backup code:", "Backup code"),
    ],
)
def test_confirmation_is_in_the_customers_language(customer_with_email, buy, pay, language, subject, body, pdf_label):
    customer_with_email.language = language
    customer_with_email.save()
    ticket = pay(buy())
    [message] = mail.outbox
    assert message.subject.startswith(subject)
    assert body in message.body
    with translation.override(language):
        ticket_path = reverse("parks:ticket-detail", args=[ticket.pk])
    assert f"{ticket_path}\n" in message.body + "\n"
    assert pdf_label in pdf_text(attachment(message, ".pdf")[1])
    [text] = [m.text for m in sms.outbox]
    assert ticket.backup_code_display in text


def test_confirmation_goes_by_sms_and_in_app_too_and_only_once(customer_with_email, buy, pay):
    ticket = pay(buy())
    assert [m.to for m in sms.outbox] == [customer_with_email.phone]
    assert ticket.backup_code_display in sms.outbox[0].text
    rows = Notification.objects.filter(kind="parks.ticket_confirmed", object_id=str(ticket.pk))
    assert sorted(rows.values_list("channel", flat=True)) == ["email", "in_app", "sms"]
    assert rows.get(channel="sms").attachments == []
    from skypark.notify.confirmations import confirmation_send

    confirmation_send(obj=ticket)
    assert rows.count() == 3 and len(mail.outbox) == 1


def test_customer_without_email_gets_the_sms(customer, buy, pay):
    ticket = pay(buy())
    assert mail.outbox == []
    assert [m.to for m in sms.outbox] == [customer.phone]
    assert ticket.backup_code_display in sms.outbox[0].text


def test_an_unpaid_ticket_has_nothing_to_confirm(customer_with_email, buy, staff_user):
    ticket = buy()
    with pytest.raises(NothingToConfirm):
        confirmation_resend(obj=ticket, actor=staff_user)
    assert mail.outbox == []


def test_admin_resend_action_sends_again_and_writes_an_audit_entry(
    customer_with_email, buy, pay, admin_client_logged, staff_user, django_capture_on_commit_callbacks
):
    ticket = pay(buy())
    mail.outbox = []
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged.post(
            reverse("admin:parks_ticket_changelist"),
            {"action": "resend_confirmation", "_selected_action": [ticket.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert "Sent the ticket again for 1 item." in response.content.decode()
    [message] = mail.outbox
    assert ticket.backup_code_display in pdf_text(attachment(message, ".pdf")[1])
    assert len(sms.outbox) == 1
    entry = AuditEntry.objects.get(action="notify.confirmation.resent")
    assert entry.actor_id == staff_user.pk and entry.object_id == str(ticket.pk)


def test_admin_resend_of_an_unpaid_ticket_says_so(customer_with_email, buy, admin_client_logged):
    ticket = buy()
    response = admin_client_logged.post(
        reverse("admin:parks_ticket_changelist"),
        {"action": "resend_confirmation", "_selected_action": [ticket.pk]},
        follow=True,
    )
    assert "has no valid ticket to send" in response.content.decode()
    assert mail.outbox == [] and not AuditEntry.objects.filter(action="notify.confirmation.resent").exists()


def test_the_change_form_has_a_resend_button_that_comes_back_to_it(
    customer_with_email, buy, pay, admin_client_logged, django_capture_on_commit_callbacks
):
    ticket = pay(buy())
    mail.outbox = []
    change_url = reverse("admin:parks_ticket_change", args=[ticket.pk])
    page = admin_client_logged.get(change_url).content.decode()
    assert 'value="resend_confirmation"' in page and "Resend ticket" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged.post(
            reverse("admin:parks_ticket_changelist"),
            {"action": "resend_confirmation", "_selected_action": ticket.pk, "index": "0", "next": change_url},
        )
    assert response.status_code == 302 and response.url == change_url
    assert len(mail.outbox) == 1
    # An address elsewhere is not followed.
    response = admin_client_logged.post(
        reverse("admin:parks_ticket_changelist"),
        {"action": "resend_confirmation", "_selected_action": ticket.pk, "index": "0", "next": "https://evil.example/"},
    )
    assert response.url != "https://evil.example/"


def test_a_subscription_is_confirmed_with_its_validity_and_no_calendar_file(customer_with_email, buy, pay):
    customer_with_email.language = "en"
    customer_with_email.save()
    ticket = pay(buy(ticket_type="subscription"))
    [message] = mail.outbox
    assert [name for name, _content, _mime in message.attachments] == [f"ticket-{ticket.backup_code}.pdf"]
    assert ticket.visits_allowed > 1 and f"{ticket.visits_allowed} visits" in message.body
    assert ticket.backup_code_display in pdf_text(attachment(message, ".pdf")[1])
