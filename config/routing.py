"""Websocket URLs."""

from channels.auth import AuthMiddlewareStack
from django.urls import path, re_path

from liveblog.consumers import LiveEventConsumer, UnknownPathConsumer
from newsroom.consumers import NewsroomConsumer

websocket_urlpatterns = [
    path("ws/events/<slug:slug>/", LiveEventConsumer.as_asgi()),
    # Only the staff socket reads the session cookie: readers' connects stay free of it.
    path("ws/newsroom/<int:event_id>/", AuthMiddlewareStack(NewsroomConsumer.as_asgi())),
    re_path(r"", UnknownPathConsumer.as_asgi()),
]
