"""Fiscal receipts behind one interface, so a real fiscal service can be plugged in.

In Kyrgyzstan every sale and refund at a desk goes through an online cash register
(ККМ) registered with the tax service, which answers with a fiscal document number and
a fiscal sign printed on the receipt. ``settings.FISCAL_BACKEND`` names the class that
talks to it; the default, ``SimulatorFiscalBackend``, is a local stand-in: it numbers
documents per desk and signs them with an HMAC, and says "SIMULATOR" as its register
number so no one mistakes its receipts for real ones.

A backend implements ``register(desk, kind, amount, currency, lines) -> FiscalResult``
(``kind``: ``sale`` or ``refund``) and raises ``FiscalError`` when the register refuses
or cannot be reached; the desk's service then rolls the whole movement back.
"""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from skypark.core.errors import DomainError


class FiscalError(DomainError):
    code = "fiscal_error"
    default_message = _("The fiscal register did not accept the receipt.")
    status_code = 502


@dataclass(frozen=True)
class FiscalResult:
    register_number: str
    document_number: int
    fiscal_sign: str
    issued_at: object


class FiscalBackend:
    name = ""

    def register(self, *, desk, kind, amount, currency, lines) -> FiscalResult:
        raise NotImplementedError


class SimulatorFiscalBackend(FiscalBackend):
    name = "simulator"

    def register(self, *, desk, kind, amount, currency, lines):
        from .models import FiscalReceipt

        register_number = f"SIMULATOR-{desk.code}"
        last = FiscalReceipt.objects.filter(backend=self.name, register_number=register_number).aggregate(
            n=Max("document_number")
        )["n"]
        number = (last or 0) + 1
        issued_at = timezone.now()
        message = f"{register_number}|{number}|{kind}|{amount}|{currency}|{issued_at.isoformat()}".encode()
        sign = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:10].upper()
        return FiscalResult(
            register_number=register_number, document_number=number, fiscal_sign=sign, issued_at=issued_at
        )


def get_backend() -> FiscalBackend:
    return import_string(getattr(settings, "FISCAL_BACKEND", "skypark.cashdesk.fiscal.SimulatorFiscalBackend"))()
