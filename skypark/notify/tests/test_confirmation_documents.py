"""The ticket PDF and the calendar file, from a description alone (no domain model)."""

import datetime
import zoneinfo

import pytest
from django.utils import translation
from icalendar import Calendar

from skypark.commerce.qr import code_issue
from skypark.notify.confirmations import CalendarEntry, TicketDescription, calendar_ics, ticket_pdf
from skypark.notify.confirmations.registry import describer_for

from .pdf import pdf_qr_codes, pdf_text

BISHKEK = zoneinfo.ZoneInfo("Asia/Bishkek")


def description(**overrides):
    fields = {
        "kind": "parks.ticket_confirmed",
        "dedupe_key": "k",
        "reference": "ticket-65BFWPKV",
        "heading": "Билет в парк",
        "title": "Парк Ала-Тоо",
        "qr_payload": code_issue("ticket", 7),
        "backup_code": "65BF-WPKV",
        "details": [("Кто", "Айгүл Абдыкадырова, Эмир (5 лет)"), ("Где", "Бишкек, пр. Чуй 1 " * 8)],
        "url": "http://127.0.0.1:8000/parks/tickets/7/",
    }
    return TicketDescription(**{**fields, **overrides})


def test_the_pdf_prints_cyrillic_and_kyrgyz_letters_the_code_and_a_readable_qr():
    item = description()
    with translation.override("ky"):
        content = ticket_pdf(item)
    text = pdf_text(content)
    assert content.startswith(b"%PDF")
    for expected in ("Парк Ала-Тоо", "Айгүл Абдыкадырова", "65BF-WPKV", "Камдык код", item.url):
        assert expected in text
    # A long value wraps instead of running off the page: every part of it is there.
    assert text.count("Чуй 1") == 8
    assert pdf_qr_codes(content) == [item.qr_payload]


def test_the_same_description_gives_the_same_pdf():
    item = description()
    assert ticket_pdf(item) == ticket_pdf(item)


def test_a_timed_entry_keeps_its_time_zone():
    start = datetime.datetime(2026, 12, 10, 10, 0, tzinfo=BISHKEK)
    content = calendar_ics(CalendarEntry(uid="x-1", summary="Visit", start=start, end=start.replace(hour=14)))
    [event] = Calendar.from_ical(content).walk("VEVENT")
    assert event.decoded("dtstart") == start and event.decoded("dtend") == start.replace(hour=14)
    assert event["dtstart"].params["TZID"] == "Asia/Bishkek"
    assert [tz["tzid"] for tz in Calendar.from_ical(content).walk("VTIMEZONE")] == ["Asia/Bishkek"]


def test_an_all_day_entry_ends_the_day_after_its_last_day():
    day = datetime.date(2026, 12, 10)
    [event] = Calendar.from_ical(calendar_ics(CalendarEntry(uid="x-2", summary="Visit", start=day, end=day))).walk(
        "VEVENT"
    )
    assert event.decoded("dtstart") == day and event.decoded("dtend") == day + datetime.timedelta(days=1)


def test_an_unregistered_model_has_no_describer(db):
    from skypark.notify.models import Notification

    with pytest.raises(LookupError):
        describer_for(Notification())
