"""Re-encrypts every connector's credentials with the first key of CONNECTOR_KEYS.

Rotation: generate a key, put it first in CONNECTOR_KEYS with the old keys after it,
restart, run this command, then remove the old keys."""

from django.core.management.base import BaseCommand, CommandError

from loyalty.connectors.services import keys_rotate


class Command(BaseCommand):
    help = "Re-encrypt CRM connector credentials with the first key of CONNECTOR_KEYS."

    def handle(self, *args, **options):
        result = keys_rotate()
        self.stdout.write(f"re-encrypted {result['reencrypted']} connector(s)")
        if result["unreadable"]:
            raise CommandError(
                f"none of CONNECTOR_KEYS decrypts connector(s) {result['unreadable']}: keep the key they were made with"
            )
