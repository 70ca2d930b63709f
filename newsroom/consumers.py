"""The newsroom's websocket: tells an event's open newsroom screens that its stream changed.

Newsroom members only. The note carries no content (who did what to which post id); the
screen refetches the stream over HTTP, where the usual permissions apply.
"""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from accounts.roles import is_newsroom_member
from liveblog.broadcast import newsroom_group
from liveblog.models import Event

CLOSE_FORBIDDEN = 4403
MAX_FRAME_CHARS = 256


@database_sync_to_async
def may_watch(user, event_id: int) -> bool:
    """Whether `user` holds a newsroom role and the event exists (checked once, at connect)."""
    if user is None or not is_newsroom_member(user):
        return False
    return Event.objects.filter(pk=event_id).exists()


class NewsroomConsumer(AsyncWebsocketConsumer):
    group: str | None = None

    async def connect(self):
        event_id = self.scope["url_route"]["kwargs"]["event_id"]
        if self.channel_layer is None or not await may_watch(self.scope.get("user"), event_id):
            # Closing before accepting refuses the handshake: the browser sees a 403.
            await self.close(CLOSE_FORBIDDEN)
            return
        self.group = newsroom_group(event_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None

    async def receive(self, text_data=None, bytes_data=None):
        # The screen only ever pings; anything else is ignored, anything big ends the socket.
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            await self.close(1009)
            return
        if text_data == '{"type":"ping"}':
            await self.send('{"type":"pong"}')

    async def newsroom_change(self, message):
        note = {key: message.get(key) for key in ("post_id", "action", "by")}
        await self.send(json.dumps({"type": "newsroom.change", **note}, separators=(",", ":")))
