"""How the back-office is organised: business sections and where each model sits.

The sections are the areas staff work in (parks, events, courses, the loyalty network,
customers, finance, system). Each app declares where its models go in a small
``backoffice.py`` module of its own (found at start-up like ``admin.py``), so the core
never imports a domain's models::

    from skypark.core.backoffice import place

    place("events", section="events")                      # every model of the app
    place("accounts", section="loyalty", models=["merchant"])  # only these models

Models nobody placed (third-party apps such as ``auth`` or Celery beat) fall into
*System*. Every section but *System* is a business section: its changelists get the
CSV/XLSX export (``skypark.core.admin_export``).
"""

from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    order: int
    business: bool = True


SECTIONS = {
    s.key: s
    for s in (
        Section("parks", _("Parks"), 10),
        Section("events", _("Events"), 20),
        Section("courses", _("Courses"), 30),
        Section("loyalty", _("Loyalty network"), 40),
        Section("customers", _("Customers"), 50),
        Section("finance", _("Finance"), 60),
        Section("system", _("System"), 90, business=False),
    )
}
DEFAULT_SECTION = "system"

_by_app = {}
_by_model = {}


def place(app_label, *, section, models=None):
    """Put ``models`` (lower-case model names) of ``app_label`` — or all its models
    when ``models`` is omitted — in ``section``."""
    if section not in SECTIONS:
        raise KeyError(f"unknown back-office section {section!r}")
    if models is None:
        _by_app[app_label] = section
    else:
        for name in models:
            _by_model[(app_label, name.lower())] = section


def section_of(app_label, model_name):
    """The section of a model, given its app label and lower-case model name."""
    key = _by_model.get((app_label, model_name)) or _by_app.get(app_label) or DEFAULT_SECTION
    return SECTIONS[key]


def section_of_model(model):
    return section_of(model._meta.app_label, model._meta.model_name)


def is_business_model(model):
    return section_of_model(model).business


def autodiscover():
    autodiscover_modules("backoffice")
