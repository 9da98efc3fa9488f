import sys

from django.core.management.base import BaseCommand

from loyalty.models import Account
from loyalty.services import ledger_mismatches


class Command(BaseCommand):
    help = "Checks that every points balance equals the sum of its ledger and of its lots; exits 1 on a mismatch."

    def handle(self, *args, **options):
        bad = ledger_mismatches()
        if bad:
            for account_id, balance, ledger_sum, lots_sum in bad:
                self.stderr.write(
                    f"account {account_id}: balance {balance}, ledger {ledger_sum}, lots remaining {lots_sum}"
                )
            self.stderr.write(f"{len(bad)} accounts out of balance")
            sys.exit(1)
        self.stdout.write(f"{Account.objects.count()} accounts, all balanced")
