"""A stock Channels live consumer, for comparison only: what today's Channels-based live blogs do.

Each socket takes its own layer channel, joins the event's group with group_add
and is sent every change by the layer, through Channels' dispatch loop. It
resolves the slug on every connect and answers no resume: it is the fan-out path
alone that the bench compares. The product never imports this module.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from bench.fanout.counted import application as product  # sets Django up before the models below
from liveblog.broadcast import event_group
from liveblog.models import Event


@database_sync_to_async
def event_id_for_slug(slug: str) -> int | None:
    return Event.objects.filter(slug=slug).values_list("pk", flat=True).first()


class StockLiveConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        event_id = await event_id_for_slug(self.scope["url_route"]["kwargs"]["slug"])
        if event_id is None:
            await self.close(4404)
            return
        self.group = event_group(event_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def live_change(self, message):
        await self.send(text_data=message["text"])

    async def live_heartbeat(self, message):
        await self.send(text_data=message["text"])


application = ProtocolTypeRouter(
    {
        "http": product,
        "websocket": AllowedHostsOriginValidator(
            URLRouter([path("ws/events/<slug:slug>/", StockLiveConsumer.as_asgi())])
        ),
    }
)
