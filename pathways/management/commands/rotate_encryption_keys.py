"""Re-encrypt every stored secret with the newest key of AUTHWIZARD_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from pathways import vault
from pathways.models import Secret


class Command(BaseCommand):
    help = "Re-encrypt all secrets with the first (newest) key; afterwards older keys can be removed."

    def handle(self, *args, **options):
        count = 0
        try:
            with transaction.atomic():
                for secret in Secret.objects.select_for_update().iterator():
                    secret.ciphertext = vault.rotate(secret.ciphertext)
                    secret.save(update_fields=["ciphertext"])
                    count += 1
        except vault.VaultError as error:
            raise CommandError(str(error))
        self.stdout.write(f"Re-encrypted {count} secret{'s' if count != 1 else ''} with the newest key.")
