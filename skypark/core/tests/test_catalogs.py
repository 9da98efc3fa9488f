"""The translation catalogues are complete: every string the project marks has a Russian
and a Kyrgyz translation, none is fuzzy, every plural has all its forms, and no Kyrgyz
translation is the Russian text copied.

CI runs ``makemessages`` before the suite, so a newly marked string that nobody
translated shows up here as untranslated."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

CATALOGUES = [Path(p) for p in settings.LOCALE_PATHS] + [Path(settings.BASE_DIR) / "skypark" / "notify" / "locale"]
CYRILLIC_WORD = re.compile(r"[а-яёңөүА-ЯЁҢӨҮ]+")


def catalogue(language):
    files = [base / language / "LC_MESSAGES" / "django.po" for base in CATALOGUES]
    return [(path, polib.pofile(str(path))) for path in files if path.exists()]


def text(entry):
    return (
        entry.msgstr
        if not entry.msgid_plural
        else "|".join(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
    )


def label(path, entry):
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{path.relative_to(settings.BASE_DIR)}: {context}{entry.msgid!r}"


@pytest.mark.parametrize("language", ["ru", "ky"])
def test_every_string_is_translated_and_none_is_fuzzy(language):
    missing, fuzzy = [], []
    for path, po in catalogue(language):
        for entry in po:
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags:
                fuzzy.append(label(path, entry))
            forms = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
            if not all(form.strip() for form in forms):
                missing.append(label(path, entry))
    assert not missing, f"{len(missing)} untranslated in {language}:\n" + "\n".join(missing[:50])
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {language}:\n" + "\n".join(fuzzy[:50])


@pytest.mark.parametrize("language,forms", [("ru", 3), ("ky", 1)])
def test_plurals_have_every_form_of_the_language(language, forms):
    for path, po in catalogue(language):
        header = po.metadata.get("Plural-Forms", "")
        assert f"nplurals={forms};" in header.replace(" ", ""), (path, header)
        for entry in po:
            if entry.msgid_plural and not entry.obsolete:
                assert sorted(entry.msgstr_plural) == list(range(forms)), label(path, entry)


def test_no_kyrgyz_translation_is_the_russian_copied():
    """A single word may be the same in both languages (loanwords such as «Парк»,
    «Баланс», «Сертификат», names and codes); a phrase of two or more words that reads
    the same in Kyrgyz and Russian was copied, not translated."""
    russian = {}
    for path, po in catalogue("ru"):
        for entry in po:
            russian[(path.parent.parent.parent, entry.msgctxt, entry.msgid)] = text(entry)
    copied = []
    for path, po in catalogue("ky"):
        for entry in po:
            ru = russian.get((path.parent.parent.parent, entry.msgctxt, entry.msgid))
            ky = text(entry)
            if ru and ky == ru and len(CYRILLIC_WORD.findall(ky)) > 1:
                copied.append(f"{label(path, entry)} -> {ky!r}")
    assert not copied, f"{len(copied)} Kyrgyz strings are the Russian text:\n" + "\n".join(copied[:50])
