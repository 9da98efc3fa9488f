from django.core.management.base import BaseCommand, CommandError

from loyalty.clearing.models import JournalEntry, SettlementPeriod, Statement
from loyalty.clearing.services import reconcile


class Command(BaseCommand):
    help = (
        "Proves that the settlement statements equal the ledger: every journal entry balances, every coalition "
        "points movement has its journal entry with the same points, every closed period's statements add up to "
        "its postings (totals, lines, net), carry the last balance forward, and the parties' net positions sum "
        "to zero. Exits with an error listing what differs."
    )

    def handle(self, *args, **options):
        problems = reconcile()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} difference(s) between the statements and the ledger")
        self.stdout.write(
            self.style.SUCCESS(
                f"Reconciled: {JournalEntry.objects.count()} journal entries, "
                f"{SettlementPeriod.objects.count()} periods, {Statement.objects.count()} statements."
            )
        )
