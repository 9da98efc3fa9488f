"""Content that staff write, in every language, through django-modeltranslation.

A domain names its translated fields in its own ``translation.py`` with
``register_translated(Model, "name", "description")``. Each field then has one column per
language (``name_ru``, ``name_ky``, ``name_en``) and ``obj.name`` reads the active language's
value; an empty one falls back to Russian, then English, then Kyrgyz
(``MODELTRANSLATION_FALLBACK_LANGUAGES``). Querysets of a registered model rewrite
``filter(name=…)``/``order_by("name")`` to the active language's column.

The original column (``name``) is kept equal to the Russian value (with the same fallback)
on every save, so whatever reads it straight from the database — ``values("park__name")``
through an untranslated model, raw SQL, exports — shows the default language.

``skypark.core.translated_admin`` edits the languages side by side in the admin.
"""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language, override

LANGUAGES = tuple(settings.MODELTRANSLATION_LANGUAGES)
DEFAULT_LANGUAGE = settings.MODELTRANSLATION_DEFAULT_LANGUAGE


def localized_names(field: str) -> list[str]:
    """``name`` → ``["name_ru", "name_ky", "name_en"]``."""
    return [f"{field}_{language}" for language in LANGUAGES]


def any_language(field: str, lookup: str, value) -> Q:
    """``any_language("name", "icontains", "азия")`` matches the text in any language's
    column (a plain ``name__icontains`` looks in the active language's only)."""
    query = Q()
    for name in localized_names(field):
        query |= Q(**{f"{name}__{lookup}": value})
    return query


def in_active_language(path: str):
    """An expression reading a translated field through a relation (``park__name``) in the
    active language with the same fallback as ``obj.name``, for ``values()``/``order_by()``
    on a model whose querysets modeltranslation does not rewrite (``ParkVisit``)."""
    from modeltranslation.utils import resolution_order

    columns = [
        NullIf(F(f"{path}_{language}"), Value(""), output_field=TextField())
        for language in resolution_order(get_language())
    ]
    return Coalesce(*columns, F(path), output_field=TextField())


def register_translated(model, *fields: str) -> None:
    from modeltranslation.translator import TranslationOptions, translator

    options = type(f"{model.__name__}TranslationOptions", (TranslationOptions,), {"fields": fields})
    translator.register(model, options)
    for name in fields:
        _store_default_language(model._meta.get_field(name))


def _store_default_language(field) -> None:
    """Saving writes ``field``'s own column from the default language (Django reads the value
    to save through ``Field.pre_save``, which would otherwise give the active language's)."""

    def pre_save(instance, add):
        with override(DEFAULT_LANGUAGE):
            return getattr(instance, field.attname)

    field.pre_save = pre_save


def translated_fields(model) -> tuple[str, ...]:
    from modeltranslation.translator import NotRegistered, translator

    try:
        return tuple(translator.get_options_for_model(model).all_fields)
    except NotRegistered:
        return ()


def search_paths(model, path: str) -> list[str]:
    """A search path whose last part is a translated field becomes one path per language
    (``course__name`` → ``course__name_ru``, ``course__name_ky``, ``course__name_en``)."""
    *relations, last = path.split("__")
    target = model
    for part in relations:
        try:
            target = target._meta.get_field(part).related_model
        except FieldDoesNotExist:
            return [path]
        if target is None:
            return [path]
    if last not in translated_fields(target):
        return [path]
    stem = "__".join(relations + [""])
    return [stem + name for name in localized_names(last)]


def fill_missing(obj, **values) -> None:
    """Sets each given field that is still empty (None, "" or []) and saves the object once.
    A value already there (one staff corrected, say) stays. Demo seeds use it so that a
    database seeded before gets the content in every language."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) in (None, "", []) and value not in (None, "", []):
            setattr(obj, name, value)
            changed = True
    if changed:
        obj.save()


def by_language(field: str, ru, ky, en) -> dict:
    """``by_language("name", "Утро", "Эртең менен", "Morning")`` → the three field values."""
    return {f"{field}_ru": ru, f"{field}_ky": ky, f"{field}_en": en}
