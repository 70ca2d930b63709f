"""`manage.py run_scheduler`: publish scheduled posts at their time and deliver webhooks, until stopped."""

from django.conf import settings
from django.core.management.base import BaseCommand

from liveblog.scheduler import scheduler_run, scheduler_tick


class Command(BaseCommand):
    help = "Publish scheduled posts when their time comes and deliver partners' webhooks (every few seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Publish what is due now, then exit.")
        parser.add_argument("--interval", type=float, default=settings.LIVEBLOG_SCHEDULER_INTERVAL)

    def handle(self, *args, once=False, interval=5.0, **options):
        if interval <= 0:
            self.stderr.write("--interval must be more than 0 seconds.")
            raise SystemExit(2)
        if once:
            self.stdout.write(f"Published {scheduler_tick()} scheduled post(s).")
            from webhooks.delivery import webhooks_deliver  # as in the loop: only when needed

            self.stdout.write(f"Delivered {webhooks_deliver()} change(s) to webhooks.")
            return
        scheduler_run(interval=interval)
