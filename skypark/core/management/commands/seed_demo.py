"""Load demo data: safe to run again (it only adds what is missing).

Each installed app may have a ``demo`` module with ``seed(out)``; they run in
INSTALLED_APPS order, so domains can rely on the core's demo users and merchants.
"""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create demo parks, events, courses, merchants, a demo customer and a staff superuser (idempotent)."

    def handle(self, *args, **options):
        for config in apps.get_app_configs():
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            with transaction.atomic():
                module.seed(self)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
