"""The platform's invariants, checked after a restore (``manage.py verify_invariants``).

Each installed app may have an ``invariants`` module with ``problems() -> list[str]``
(what is broken, empty when all holds) and ``facts() -> dict`` (counts and digests that
must be the same in a database and in its restored backup). The apps own their rules;
this module only collects them, in INSTALLED_APPS order.
"""

from importlib import import_module

from django.apps import apps


def modules():
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.invariants")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.invariants":
                raise
            continue
        yield config.label, module


def report() -> dict:
    """``{app_label: {"problems": [...], "facts": {...}}}`` for every app with invariants."""
    return {label: {"problems": module.problems(), "facts": module.facts()} for label, module in modules()}
