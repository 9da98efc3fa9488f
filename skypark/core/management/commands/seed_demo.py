"""Load demo data: safe to run again (it only adds what is missing).

Each installed app may have a ``demo`` module with ``seed(out)``; they run in
INSTALLED_APPS order, so domains can rely on the core's demo users and merchants.
"""

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Create demo parks, events, courses, merchants, a demo customer and a staff superuser (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even without the development flag (the demo creates logins whose passwords are public).",
        )

    def handle(self, *args, **options):
        if not settings.DEVELOPMENT and not options["force"]:
            raise CommandError(
                "seed_demo creates a superuser whose password is published in the README: it runs only with "
                "SKYPARK_DEVELOPMENT=1 (make run sets it), or with --force."
            )
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
