"""One money format and one date format per language, with the exact strings people see."""

import datetime
import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import formats, translation

from skypark.core.formatting import format_money

NB = "\xa0"


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("ru", "790.00", "KGS", f"790{NB}сом"),
        ("ky", "790.00", "KGS", f"790{NB}сом"),
        ("en", "790.00", "KGS", f"790{NB}som"),
        ("ru", "12.50", "KGS", f"12,50{NB}сом"),
        ("ky", "12.5", "KGS", f"12,50{NB}сом"),
        ("en", "12.50", "KGS", f"12.50{NB}som"),
        ("ru", "1250", "KGS", f"1{NB}250{NB}сом"),
        ("ky", "1250000.40", "KGS", f"1{NB}250{NB}000,40{NB}сом"),
        ("en", "1250", "KGS", f"1,250{NB}som"),
        ("ru", "12.50", "GBP", "£12.50"),
        ("ky", "12.50", "GBP", "£12.50"),
        ("en", "12.50", "GBP", "£12.50"),
        ("ru", "1250.00", "GBP", "£1,250"),
        ("en", "80", "GBP", "£80"),
        ("ru", "-5.5", "GBP", "-£5.50"),
        ("ru", "0.005", "KGS", f"0,01{NB}сом"),
        ("en", "9.99", "USD", "$9.99"),
        ("ru", "1250.5", "RUB", f"1{NB}250,50{NB}₽"),
        ("en", "100", "CHF", f"100{NB}CHF"),
        ("ru", "1234.5", "chf", f"1{NB}234,50{NB}CHF"),
    ],
)
def test_money(language, amount, currency, expected):
    with translation.override(language):
        assert format_money(Decimal(amount), currency) == expected
    assert format_money(Decimal(amount), currency, language=language) == expected


def test_money_filter_is_available_in_every_template():
    template = Template("{{ a|money:c }}|{{ b|money }}|{{ none|money:c }}")
    with translation.override("ru"):
        assert template.render(Context({"a": Decimal("80.00"), "c": "GBP", "b": 790, "none": None})) == (
            f"£80|790{NB}сом|"
        )


SAMPLE_DAY = datetime.date(2026, 12, 10)
SAMPLE_MOMENT = datetime.datetime(2026, 6, 1, 9, 5)


@pytest.mark.parametrize(
    ("language", "date", "datetime_", "short", "year_month"),
    [
        ("ru", "10 декабря 2026", "1 июня 2026, 09:05", "10.12.2026", "Декабрь 2026"),
        ("ky", "2026-жылдын 10-декабры", "2026-жылдын 1-июну, 09:05", "10.12.2026", "2026-жылдын декабры"),
        ("en", "10 December 2026", "1 June 2026, 09:05", "10/12/2026", "December 2026"),
    ],
)
def test_one_date_format_per_language(language, date, datetime_, short, year_month):
    with translation.override(language):
        assert formats.date_format(SAMPLE_DAY) == date
        assert formats.date_format(SAMPLE_MOMENT, "DATETIME_FORMAT") == datetime_
        assert formats.date_format(SAMPLE_DAY, "SHORT_DATE_FORMAT") == short
        assert formats.date_format(SAMPLE_DAY, "YEAR_MONTH_FORMAT") == year_month
        assert Template('{{ d|date:"DATE_FORMAT" }}').render(Context({"d": SAMPLE_DAY})) == date


def test_english_typed_dates_are_day_first():
    from django import forms

    with translation.override("en"):
        assert forms.DateField().clean("10/12/2026") == SAMPLE_DAY


def project_templates():
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR)
    return [
        p
        for p in root.rglob("templates/**/*")
        if p.suffix in (".html", ".txt") and ".venv" not in p.parts and "bench" not in p.parts
    ]


# a date written for machines (inputs, URLs, <time datetime>), or a weekday name alone
MACHINE_OR_WEEKDAY = re.compile(r"^(Y-m-d(\\TH:i(:s)?)?|H:i(:s)?|D|l)$")
DATE_ARG = re.compile(r"""\|(?:date|time):(["'])([^"']*)\1""")
NAMED = re.compile(r"^[A-Z_]+_FORMAT$")
RAW_AMOUNT = re.compile(r"\}\}\s*(KGS|GBP|USD|EUR|сом|som)\b|\{\{ (?!form\.)[\w.|:\"']+ \}\} \{\{ [\w.]*currency \}\}")


def test_templates_use_named_date_formats():
    bad = []
    for path in project_templates():
        for match in DATE_ARG.finditer(path.read_text()):
            fmt = match.group(2)
            if not (NAMED.match(fmt) or MACHINE_OR_WEEKDAY.match(fmt)):
                bad.append(f"{path}: {match.group(0)}")
    assert not bad, "use a named format (DATE_FORMAT, SHORT_DATE_FORMAT, DATETIME_FORMAT...):\n" + "\n".join(bad)


def test_templates_write_amounts_through_the_money_filter():
    bad = []
    for path in project_templates():
        for match in RAW_AMOUNT.finditer(path.read_text()):
            bad.append(f"{path}: {match.group(0)}")
    assert not bad, "write amounts as {{ amount|money:currency }}:\n" + "\n".join(bad)
