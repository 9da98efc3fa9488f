import io

import pytest

from skypark.notify import sms


def test_get_sms_backend_follows_settings(settings):
    settings.SMS_BACKEND = "skypark.notify.sms.FileSmsBackend"
    assert isinstance(sms.get_sms_backend(), sms.FileSmsBackend)
    assert isinstance(sms.get_sms_backend("skypark.notify.sms.MemorySmsBackend"), sms.MemorySmsBackend)


def test_memory_backend_keeps_an_outbox(sms_outbox):
    sms.MemorySmsBackend().send("+996555123456", "Код: 1234")
    assert [(m.to, m.text) for m in sms_outbox] == [("+996555123456", "Код: 1234")]


def test_file_backend_appends_readable_messages(settings, tmp_path):
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    backend = sms.FileSmsBackend()
    backend.send("+996555123456", "Первое")
    backend.send("+996700000001", "Second")
    text = (tmp_path / "sms" / "outbox.log").read_text(encoding="utf-8")
    assert text.index("SMS to +996555123456\nПервое") < text.index("SMS to +996700000001\nSecond")


def test_file_backend_reports_an_unwritable_path_as_temporary(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(sms.NotificationTemporaryError):
        sms.FileSmsBackend(file_path=blocker / "sms").send("+996555123456", "x")


def test_console_backend_writes_to_its_stream():
    stream = io.StringIO()
    sms.ConsoleSmsBackend(stream=stream).send("+996555123456", "Hello")
    assert "SMS to +996555123456\nHello" in stream.getvalue()


def test_errors_are_distinct():
    assert not issubclass(sms.NotificationTemporaryError, sms.NotificationPermanentError)
    assert not issubclass(sms.NotificationPermanentError, sms.NotificationTemporaryError)
