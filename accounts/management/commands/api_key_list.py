"""List partner API keys: prefix, name, rate limit and whether each still works."""

from django.core.management.base import BaseCommand

from accounts.models import PartnerApiKey


class Command(BaseCommand):
    help = "List partner API keys (prefixes only: the keys themselves are not stored)."

    def handle(self, *args, **options):
        for key in PartnerApiKey.objects.order_by("created_at", "pk"):
            state = "active" if key.is_active else f"revoked {key.revoked_at:%Y-%m-%d}"
            self.stdout.write(f"{key.pk}\t{key.prefix}\t{key.rate_limit_per_minute}/min\t{state}\t{key.name}")
