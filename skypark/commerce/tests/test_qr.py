import datetime

import pytest
from django.test import override_settings

from skypark.commerce.qr import (
    CodeExpired,
    ForgedCode,
    backup_code_new,
    backup_code_normalise,
    code_issue,
    code_read,
    qr_png,
    qr_svg,
)
from skypark.core.references import ALPHABET


def test_issue_and_read_round_trip():
    code = code_issue("ticket", 1842)
    payload = code_read(code, kind="ticket")
    assert payload.kind == "ticket" and payload.object_id == "1842"
    assert len(code) < 64
    assert code_issue("ticket", 1842) != code


@pytest.mark.django_db
def test_tampering_with_any_character_is_rejected(django_assert_num_queries):
    code = code_issue("ticket", "7f3a-19")
    with django_assert_num_queries(0):
        for index, original in enumerate(code):
            for replacement in {"0", "Z", ".", "a", original.swapcase()} - {original}:
                forged = code[:index] + replacement + code[index + 1 :]
                with pytest.raises(ForgedCode):
                    code_read(forged)
        for forged in (code[:-1], code + "0", "", "ticket.1.2.3", code.replace("ticket", "booking", 1)):
            with pytest.raises(ForgedCode):
                code_read(forged)


def test_wrong_kind_is_rejected():
    code = code_issue("ticket", 5)
    with pytest.raises(ForgedCode):
        code_read(code, kind="booking")


def test_code_signed_with_another_secret_is_rejected():
    with override_settings(SECRET_KEY="another-secret-key-" * 3):
        code = code_issue("ticket", 5)
    with pytest.raises(ForgedCode):
        code_read(code)


def test_rotated_secret_still_reads_old_codes():
    old = code_issue("ticket", 5)
    from django.conf import settings

    with override_settings(SECRET_KEY="the-new-secret-key-" * 3, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]):
        assert code_read(old).object_id == "5"


def test_expiry():
    issued = datetime.datetime(2025, 1, 1, 10, tzinfo=datetime.UTC)
    code = code_issue("ticket", 5, now=issued)
    assert code_read(code, max_age=datetime.timedelta(hours=24), now=issued + datetime.timedelta(hours=23))
    with pytest.raises(CodeExpired):
        code_read(code, max_age=datetime.timedelta(hours=24), now=issued + datetime.timedelta(hours=25))


@pytest.mark.django_db
def test_default_max_age_comes_from_config():
    from skypark.commerce.qr import qr_max_age

    assert qr_max_age() == datetime.timedelta(hours=24)


def test_issue_refuses_odd_kinds():
    with pytest.raises(ValueError):
        code_issue("Ticket.x", 1)
    with pytest.raises(ValueError):
        code_issue("ticket", "a.b")


def test_backup_codes():
    code = backup_code_new()
    assert len(code) == 8 and set(code) <= set(ALPHABET)
    assert backup_code_normalise(code.lower()) == code
    assert backup_code_normalise("8h3k-2m9p") == "8H3K2M9P"
    assert backup_code_normalise("oi1l-2m9p") == "0111" + "2M9P"
    assert backup_code_normalise("short") is None
    assert backup_code_normalise("UUUUUUUU") is None


def test_images():
    code = code_issue("ticket", 5)
    png = qr_png(code)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    svg = qr_svg(code)
    assert svg.lstrip().startswith("<") and "<svg" in svg and "path" in svg


@pytest.mark.parametrize("tail", ["\u2026", "\u0416", "\U0001f600"])
def test_a_code_with_non_ascii_characters_is_forged_not_a_crash(tail):
    genuine = code_issue("card", "7K3M9P2QXA")
    with pytest.raises(ForgedCode):
        code_read(genuine[:-1] + tail)
