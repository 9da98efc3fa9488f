"""Money as people read it: one format per currency and language.

``format_money(amount, currency)`` is the one place an amount becomes text; templates use
the ``money`` filter (``{{ order.total|money:order.currency }}``), e-mails and SMS too.

The rule:

- The number has decimals only when it is not whole, and then exactly two:
  ``790``, ``12,50``. Amounts are rounded half-up to the cent first.
- **KGS**, the home currency, follows the reader's language: Russian and Kyrgyz group
  thousands with a no-break space and use a decimal comma, with the word "сом" after
  (``1 250 сом``, ``12,50 сом``); English groups with a comma, uses a decimal point and
  writes "som" (``1,250 som``, ``12.50 som``).
- **A foreign currency** is written the way its own country writes it, the same in every
  UI language, because the price belongs to a venue there: ``GBP`` → ``£1,250.50`` (UK
  courses), ``USD`` → ``$12.50``, ``EUR`` → ``€12.50``, ``RUB`` → ``1 250,50 ₽``,
  ``KZT`` → ``1 250 ₸``.
- Any other currency: the number in the reader's style followed by its ISO code
  (``1 250 CHF``), so the code is never confused with a symbol.
- The symbol or word is joined to the number with a no-break space when it follows it,
  so a line never wraps between them.

Babel was weighed and not used: it adds ~30 MB to every install (``make run`` must install
in under two minutes) and its CLDR output is not the rule above anyway (``790,00 сом``
with forced decimals, ``KGS 790.00`` in English), so it would still need overriding. A
table of the currencies the platform sells in is smaller and says exactly what we show.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import get_language

NBSP = "\xa0"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class NumberStyle:
    decimal: str
    group: str


COMMA_SPACE = NumberStyle(decimal=",", group=NBSP)
POINT_COMMA = NumberStyle(decimal=".", group=",")

# the reader's number style, by UI language
LANGUAGE_STYLES = {"ru": COMMA_SPACE, "ky": COMMA_SPACE, "en": POINT_COMMA}


@dataclass(frozen=True)
class CurrencyStyle:
    symbol: str | dict  # one symbol, or a word per UI language
    before: bool = False  # symbol before the number ("£12"), else after ("12 сом")
    style: NumberStyle | None = None  # fixed number style; None: the reader's


CURRENCIES = {
    "KGS": CurrencyStyle(symbol={"ru": "сом", "ky": "сом", "en": "som"}),
    "GBP": CurrencyStyle(symbol="£", before=True, style=POINT_COMMA),
    "USD": CurrencyStyle(symbol="$", before=True, style=POINT_COMMA),
    "EUR": CurrencyStyle(symbol="€", before=True, style=POINT_COMMA),
    "RUB": CurrencyStyle(symbol="₽", style=COMMA_SPACE),
    "KZT": CurrencyStyle(symbol="₸", style=COMMA_SPACE),
}


def _language(language):
    code = (language or get_language() or "ru").split("-")[0]
    return code if code in LANGUAGE_STYLES else "en"


def format_number(amount, style: NumberStyle) -> str:
    """Grouped thousands; two decimals when the amount is not whole, none when it is."""
    value = Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    value = abs(value)
    whole, cents = divmod(value, 1)
    digits = f"{int(whole):,}".replace(",", style.group)
    if cents:
        digits += style.decimal + f"{int(cents * 100):02d}"
    return sign + digits


def format_money(amount, currency="KGS", *, language=None) -> str:
    """``amount`` (Decimal, int or a numeric string) in ``currency`` for the active language
    (or ``language``), by the rule in this module's docstring. ``None`` gives ``""``."""
    if amount is None or amount == "":
        return ""
    try:
        Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    language = _language(language)
    code = (currency or "").upper()
    spec = CURRENCIES.get(code)
    if spec is None:
        return f"{format_number(amount, LANGUAGE_STYLES[language])}{NBSP}{code}".rstrip(NBSP)
    number = format_number(amount, spec.style or LANGUAGE_STYLES[language])
    symbol = spec.symbol[language] if isinstance(spec.symbol, dict) else spec.symbol
    if spec.before:
        return f"-{symbol}{number[1:]}" if number.startswith("-") else f"{symbol}{number}"
    return f"{number}{NBSP}{symbol}"
