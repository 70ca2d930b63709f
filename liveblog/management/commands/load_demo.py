"""`manage.py load_demo`: load the demo live event, once."""

from django.core.management.base import BaseCommand

from liveblog.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo live event (a Ukraine ceasefire summit), unless it is already loaded."

    def handle(self, *args, **options):
        event, created = demo_load()
        state = "loaded" if created else "already loaded"
        self.stdout.write(f"Demo event {state}: {event.get_absolute_url()}")
