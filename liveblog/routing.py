"""Websocket URLs."""

from django.urls import path, re_path

from liveblog.consumers import LiveEventConsumer, UnknownPathConsumer

websocket_urlpatterns = [
    path("ws/events/<slug:slug>/", LiveEventConsumer.as_asgi()),
    re_path(r"", UnknownPathConsumer.as_asgi()),
]
