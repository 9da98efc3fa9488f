import json
import sys

from django.core.management.base import BaseCommand

from skypark.ops.verification import report


class Command(BaseCommand):
    help = (
        "Checks the platform's invariants (points ledgers = balances, tickets within capacity, "
        "the audit log complete and append-only); exits 1 when one is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the problems and facts as JSON.")

    def handle(self, *args, **options):
        result = report()
        broken = sum(len(part["problems"]) for part in result.values())
        if options["json"]:
            self.stdout.write(json.dumps(result, sort_keys=True, default=str))
        else:
            for label, part in result.items():
                for problem in part["problems"]:
                    self.stderr.write(f"{label}: {problem}")
                self.stdout.write(f"{label}: {json.dumps(part['facts'], sort_keys=True, default=str)}")
        if broken:
            self.stderr.write(f"{broken} invariants broken")
            sys.exit(1)
