"""Stop a partner API key from working, at once."""

from django.core.management.base import BaseCommand

from accounts.management.commands._keys import acting_admin, key_find
from accounts.services import api_key_revoke


class Command(BaseCommand):
    help = "Revoke a partner API key, given its prefix (as listed by api_key_list) or id."

    def add_arguments(self, parser):
        parser.add_argument("key", help="The key's prefix (first 8 characters) or id.")
        parser.add_argument("--by", help="Superuser to record as revoker (default: the first superuser).")

    def handle(self, *args, key, by, **options):
        found = key_find(key)
        if found.revoked_at is not None:
            self.stdout.write(f"{found} was already revoked on {found.revoked_at:%Y-%m-%d %H:%M} UTC.")
            return
        api_key_revoke(key=found, by=acting_admin(by))
        self.stdout.write(f"Revoked {found}: requests with it now get 403.")
