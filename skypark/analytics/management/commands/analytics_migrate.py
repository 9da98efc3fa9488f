from django.core.management.base import BaseCommand

from skypark.analytics.engines import get_engine


class Command(BaseCommand):
    help = "Create the analytical store's tables (versioned; safe to run any number of times)."

    def handle(self, *args, **options):
        engine = get_engine()
        applied = engine.migrate()
        if applied:
            self.stdout.write(f"analytics ({engine.name}): applied schema steps {applied}")
        else:
            self.stdout.write(f"analytics ({engine.name}): up to date")
