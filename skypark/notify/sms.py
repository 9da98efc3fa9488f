"""Sending SMS behind one small interface.

``get_sms_backend()`` returns the backend named by ``settings.SMS_BACKEND``. A backend
has one method, ``send(to, text)``, and signals failure by raising one of the two errors
below, so the delivery service can decide between "retry later" and "give up":

- ``NotificationTemporaryError``: the gateway was unreachable, timed out or throttled us;
  the same message may well go through later.
- ``NotificationPermanentError``: the gateway refused this message (bad number, blocked
  recipient, text rejected); retrying would only repeat the refusal.

A gateway backend for production subclasses ``BaseSmsBackend`` and maps its provider's
errors onto these two classes.
"""

import logging
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class NotificationError(Exception):
    """A transport could not deliver a message."""


class NotificationTemporaryError(NotificationError):
    """Delivery failed in a way that may succeed if tried again later."""


class NotificationPermanentError(NotificationError):
    """Delivery was refused; trying again would fail the same way."""


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str
    sent_at: object = field(default_factory=timezone.now)


class BaseSmsBackend:
    def __init__(self, fail_silently=False, **kwargs):
        self.fail_silently = fail_silently

    def send(self, to: str, text: str) -> str | None:
        """Send ``text`` to the E.164 number ``to``; return the provider's message id if
        it gives one. Raise ``NotificationTemporaryError`` or
        ``NotificationPermanentError`` on failure."""
        raise NotImplementedError


def _format(message: SmsMessage) -> str:
    return f"[{message.sent_at.isoformat(timespec='seconds')}] SMS to {message.to}\n{message.text}\n{'-' * 60}\n"


class ConsoleSmsBackend(BaseSmsBackend):
    """Writes each message to stdout (or the ``stream`` given), like Django's console
    e-mail backend: what ``make run`` uses so a developer sees codes and receipts."""

    _lock = threading.RLock()

    def __init__(self, stream=None, **kwargs):
        super().__init__(**kwargs)
        self.stream = stream or sys.stdout

    def send(self, to, text):
        with self._lock:
            self.stream.write(_format(SmsMessage(to=to, text=text)))
            self.stream.flush()
        return None


class FileSmsBackend(BaseSmsBackend):
    """Appends each message to ``<SMS_FILE_PATH>/outbox.log`` so a person can read what
    was sent (``tail -f var/sms/outbox.log``)."""

    filename = "outbox.log"

    def __init__(self, file_path=None, **kwargs):
        super().__init__(**kwargs)
        self.directory = Path(file_path or settings.SMS_FILE_PATH)

    def send(self, to, text):
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # One write call per message: appends of this size from several worker
            # processes do not interleave.
            with open(self.directory / self.filename, "a", encoding="utf-8") as fh:
                fh.write(_format(SmsMessage(to=to, text=text)))
        except OSError as exc:
            raise NotificationTemporaryError(f"Cannot write SMS file: {exc}") from exc
        return None


outbox: list[SmsMessage] = []


class MemorySmsBackend(BaseSmsBackend):
    """Keeps messages in the module-level ``outbox`` list, for tests (the SMS twin of
    ``django.core.mail.outbox``). Clear it between tests with ``outbox.clear()``."""

    def send(self, to, text):
        outbox.append(SmsMessage(to=to, text=text))
        return f"memory-{len(outbox)}"


def get_sms_backend(backend: str | None = None, **kwargs) -> BaseSmsBackend:
    return import_string(backend or settings.SMS_BACKEND)(**kwargs)
