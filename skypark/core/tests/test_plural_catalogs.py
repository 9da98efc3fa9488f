"""Every plural message has all its forms in the compiled Russian and Kyrgyz catalogs,
and each catalog states the plural rule of its language."""

import gettext
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import django
import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from skypark.core.templatetags.plurals import plural_n

RU_RULE = "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
# Kyrgyz keeps the noun singular after a numeral ("2 келүүчү", "5 упай"): one form, as
# in Django's own Kyrgyz catalog.
KY_RULE = "nplurals=1; plural=0;"
RULES = {"ru": RU_RULE, "ky": KY_RULE}


def _locale_dirs():
    dirs = [Path(p) for p in settings.LOCALE_PATHS]
    base = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve() / "locale"
        if path.is_dir() and base in path.parents and "site-packages" not in path.parts:
            dirs.append(path)
    return dirs


def _catalogs(language, ext):
    found = [d / language / "LC_MESSAGES" / f"django.{ext}" for d in _locale_dirs()]
    found = [f for f in found if f.exists()]
    assert found, f"no {language} catalog"
    return found


def _po_plural_msgids(path):
    """(context, msgid) of every live plural entry of a .po file."""
    return [
        f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt else e.msgid
        for e in polib.pofile(str(path))
        if e.msgid_plural and not e.obsolete
    ]


def _plural_rule(header: str) -> str:
    match = re.search(r"^Plural-Forms:\s*(.*)$", header, re.M)
    return re.sub(r"\s+", " ", match.group(1)).strip() if match else ""


@pytest.mark.parametrize("language", ["ru", "ky"])
def test_compiled_catalog_states_the_plural_rule_of_its_language(language):
    for mo in _catalogs(language, "mo"):
        with mo.open("rb") as fh:
            catalog = gettext.GNUTranslations(fh)
        assert _plural_rule(catalog._catalog[""]) == RULES[language], mo


def test_kyrgyz_rule_is_djangos_own():
    django_ky = Path(django.__file__).parent / "conf" / "locale" / "ky" / "LC_MESSAGES" / "django.mo"
    with django_ky.open("rb") as fh:
        assert _plural_rule(gettext.GNUTranslations(fh)._catalog[""]) == KY_RULE


@pytest.mark.parametrize("language", ["ru", "ky"])
def test_every_plural_message_has_all_its_forms(language):
    nplurals = int(re.search(r"nplurals=(\d)", RULES[language]).group(1))
    checked = 0
    for mo in _catalogs(language, "mo"):
        with mo.open("rb") as fh:
            catalog = gettext.GNUTranslations(fh)
        forms = defaultdict(dict)
        for key, value in catalog._catalog.items():
            if isinstance(key, tuple):
                forms[key[0]][key[1]] = value
        for msgid, by_index in forms.items():
            assert sorted(by_index) == list(range(nplurals)), (mo, msgid, sorted(by_index))
            assert all(v.strip() for v in by_index.values()), (mo, msgid)
            checked += 1
        po = mo.with_suffix(".po")
        for msgid in _po_plural_msgids(po):
            assert msgid in forms, f"{po}: {msgid!r} is not compiled with all its forms"
    assert checked > 20


def test_russian_rule_picks_the_form_for_1_2_5_21():
    with translation.override("ru"):
        got = [
            translation.ngettext("%(n)s visitor", "%(n)s visitors", n) % {"n": n} for n in (1, 2, 5, 11, 21, 22, 111)
        ]
    assert got == [
        "1 посетитель",
        "2 посетителя",
        "5 посетителей",
        "11 посетителей",
        "21 посетитель",
        "22 посетителя",
        "111 посетителей",
    ]


STATUS_WORDS_RU = {
    # model's status choices → the Russian word for "cancelled" that agrees with its noun
    "commerce.Order": "отменён",
    "parks.Ticket": "отменён",
    "events.Event": "отменено",
    "events.Registration": "отменена",
    "bookings.CourseSession": "отменено",
    "bookings.Booking": "отменена",
}


@pytest.mark.parametrize("label, word", STATUS_WORDS_RU.items())
def test_cancelled_agrees_with_the_noun_in_russian(label, word):
    model = apps.get_model(label)
    with translation.override("ru"):
        assert dict(model._meta.get_field("status").flatchoices)["cancelled"] == word


@pytest.mark.parametrize(
    "value, expected", [(Decimal("6.00"), 6), (Decimal("1"), 1), (21, 21), (Decimal("3.50"), 2), (None, 0)]
)
def test_plural_n_gives_a_whole_number(value, expected):
    assert plural_n(value) == expected


def test_fractional_hours_read_with_the_form_after_two():
    template = Template(
        "{% load i18n plurals %}{% blocktranslate count n=h|plural_n with hours=h %}{{ hours }} hour"
        "{% plural %}{{ hours }} hours{% endblocktranslate %}"
    )
    with translation.override("ru"):
        assert template.render(Context({"h": Decimal("3.5")})) == "3,5 часа"
    with translation.override("en"):
        assert template.render(Context({"h": Decimal("1.5")})) == "1.5 hours"
