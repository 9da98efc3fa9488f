"""Every date and time input of the project carries an ISO 8601 value in every language.

Browsers show an ``<input type="date">`` whose value is not ``YYYY-MM-DD`` as empty, so a
localized value (``07.12.2026`` in Russian) loses the date. The forms are discovered, not
listed: each project app's ``forms``, ``admin`` and ``views`` modules are imported and every
``forms.BaseForm`` subclass defined in the project is built, given an initial value for each
date/time field, and rendered in ru, ky and en.
"""

import datetime
import importlib
import inspect
import re
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from skypark.core import widgets

LANGUAGES = ["ru", "ky", "en"]
ISO = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "time": re.compile(r"^\d{2}:\d{2}(:\d{2})?$"),
    "datetime-local": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$"),
}
INPUT = re.compile(r"<input\b[^>]*>")
ATTR = re.compile(r'([\w-]+)="([^"]*)"')
SAMPLE = {
    forms.DateTimeField: datetime.datetime(2026, 12, 7, 14, 30),
    forms.DateField: datetime.date(2026, 12, 7),
    forms.TimeField: datetime.time(14, 30),
}


def project_apps():
    root = Path(settings.BASE_DIR).resolve()
    return [
        cfg for cfg in apps.get_app_configs() if root in Path(cfg.path).resolve().parents and ".venv" not in cfg.path
    ]


def project_form_classes():
    names = set()
    for cfg in project_apps():
        names.add(cfg.name)
        for module in ("forms", "admin", "views"):
            try:
                importlib.import_module(f"{cfg.name}.{module}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{cfg.name}.{module}":
                    raise

    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    found = {c for c in walk(forms.BaseForm) if any(c.__module__.startswith(n + ".") for n in names)}
    return sorted(found, key=lambda c: (c.__module__, c.__name__))


def kwarg_providers():
    """Values for the keyword-only arguments some forms require. A new form with a new
    required argument fails ``test_every_form_can_be_built`` until it is added here."""
    from skypark.accounts.models import Merchant
    from skypark.accounts.tests.factories import UserFactory
    from skypark.parks.tests.factories import ParkFactory

    return {
        "park": lambda: ParkFactory(),
        "customer": lambda: AnonymousUser(),
        "cities": lambda: ("Bishkek",),
        "merchants": lambda: Merchant.objects.all(),
        "request": lambda: None,
        "user": lambda: UserFactory(),
    }


def build(cls, **extra):
    providers = kwarg_providers()
    kwargs = {}
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if param.kind is param.KEYWORD_ONLY and param.default is param.empty:
            if name not in providers:
                raise LookupError(f"{cls.__module__}.{cls.__name__} needs {name!r}: add it to kwarg_providers()")
            kwargs[name] = providers[name]()
    return cls(**kwargs, **extra)


def temporal_fields(form):
    return {
        name: value
        for name, field in form.fields.items()
        for kind, value in SAMPLE.items()
        if isinstance(field, kind)
        and not any(isinstance(field, k) for k in SAMPLE if k is not kind and issubclass(k, kind))
    }


def html_inputs(html):
    for tag in INPUT.findall(html):
        yield dict(ATTR.findall(tag))


def assert_iso(html, where):
    checked = 0
    for attrs in html_inputs(html):
        kind = attrs.get("type")
        if kind in ISO:
            value = attrs.get("value")
            assert value is not None, f"{where}: {attrs.get('name')} has no value"
            assert ISO[kind].match(value), f"{where}: {attrs.get('name')} = {value!r} is not ISO ({kind})"
            checked += 1
    return checked


def test_discovery_finds_the_forms_with_dates():
    names = {c.__name__ for c in project_form_classes()}
    assert {"BuyForm", "ChildForm", "ProfileForm", "EventFilterForm", "SessionFilterForm"} <= names


@pytest.mark.django_db
def test_every_form_can_be_built():
    classes = project_form_classes()
    assert classes
    for cls in classes:
        assert isinstance(build(cls), cls)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_date_and_time_input_has_an_iso_value(language):
    checked = 0
    for cls in project_form_classes():
        probe = build(cls)
        initial = temporal_fields(probe)
        if not initial:
            continue
        with translation.override(language):
            form = build(cls, initial=initial)
            html = "".join(str(form[name]) for name in initial)
            # a browser-typed (ISO) value sent back on an invalid form stays ISO too
            bound = build(
                cls,
                data={name: "" for name in form.fields}
                | {
                    form.add_prefix(name): (
                        value.isoformat(timespec="minutes")
                        if hasattr(value, "hour") and not isinstance(value, datetime.time)
                        else value.isoformat()
                    )
                    for name, value in initial.items()
                },
            )
            bound_html = "".join(str(bound[name]) for name in initial)
        where = f"{cls.__module__}.{cls.__name__} [{language}]"
        for name in initial:
            widget = form.fields[name].widget
            if getattr(widget, "input_type", "") in ISO or widget.attrs.get("type") in ISO:
                assert isinstance(widget, (widgets.DateInput, widgets.TimeInput, widgets.DateTimeInput)), (
                    f"{where}: {name} uses {type(widget).__name__}; use skypark.core.widgets"
                )
        checked += assert_iso(html, where)
        assert_iso(bound_html, where + " bound")
    assert checked >= 6


def test_the_widgets_never_localize():
    with translation.override("ru"):
        assert 'value="2026-12-07"' in widgets.DateInput().render("d", datetime.date(2026, 12, 7))
        assert 'value="14:30"' in widgets.TimeInput().render("t", datetime.time(14, 30))
        html = widgets.DateTimeInput().render("dt", datetime.datetime(2026, 12, 7, 14, 30))
        assert 'value="2026-12-07T14:30"' in html and 'type="datetime-local"' in html
        field = forms.DateField(widget=widgets.DateInput(), localize=True)
        assert 'value="2026-12-07"' in field.widget.render("d", datetime.date(2026, 12, 7))


RAW_INPUT = re.compile(r'<input\b[^>]*type="(date|time|datetime-local)"[^>]*>')
ISO_TEMPLATE_VALUE = {
    "date": re.compile(r"""value="\{\{ [\w.]+\|date:['"]Y-m-d['"] \}\}"""),
    "time": re.compile(r"""value="\{\{ [\w.]+\|time:['"]H:i(:s)?['"] \}\}"""),
    "datetime-local": re.compile(r"""value="\{\{ [\w.]+\|date:['"]Y-m-d\\TH:i['"] \}\}"""),
}


def test_raw_date_inputs_in_templates_write_iso():
    root = Path(settings.BASE_DIR)
    templates = [p for p in root.rglob("*.html") if ".venv" not in p.parts and "node_modules" not in p.parts]
    seen = 0
    for path in templates:
        for match in RAW_INPUT.finditer(path.read_text()):
            seen += 1
            tag, kind = match.group(0), match.group(1)
            assert "value=" not in tag or ISO_TEMPLATE_VALUE[kind].search(tag), f"{path}: {tag}"
    assert seen >= 3
