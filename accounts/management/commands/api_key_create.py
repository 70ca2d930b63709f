"""Issue a partner API key and print it: the only time the key is ever shown."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.management.commands._keys import acting_admin
from accounts.services import api_key_create


class Command(BaseCommand):
    help = "Issue a partner API key (printed once; only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("name", help='Who the key is for, e.g. "Partner Daily".')
        parser.add_argument("--rate-limit", type=int, default=600, help="Requests per minute (default 600).")
        parser.add_argument("--by", help="Superuser to record as issuer (default: the first superuser).")
        parser.add_argument(
            "--embed-origin", action="append", default=[], dest="embed_origins", metavar="ORIGIN",
            help="A site that may embed the live blog, e.g. https://partner.example (repeat for more).",
        )

    def handle(self, *args, name, rate_limit, by, embed_origins, **options):
        try:
            key, raw_key = api_key_create(name=name, by=acting_admin(by), rate_limit_per_minute=rate_limit,
                                          embed_origins=embed_origins)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stderr.write(
            f"Issued key {key.prefix}… for {key.name} ({key.rate_limit_per_minute} requests a minute). "
            "It is shown once; send it as: Authorization: Api-Key <key>"
        )
        self.stdout.write(raw_key)
