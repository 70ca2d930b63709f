"""Clients for the shared Redis (REDIS_URL) outside the channel layer: one blocking client per
process and one asyncio client per event loop, each with short timeouts, so a slow or absent
Redis costs a request a fraction of a second, never a hang."""

import asyncio
import weakref

import redis
import redis.asyncio
from django.conf import settings

_sync_client: redis.Redis | None = None
_clients_by_url: dict[tuple[str, float], redis.Redis] = {}
_async_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.asyncio.Redis]" = (
    weakref.WeakKeyDictionary()
)


def sync_client() -> redis.Redis:
    global _sync_client
    if _sync_client is None:
        _sync_client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5)
    return _sync_client


def async_client() -> redis.asyncio.Redis:
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        client = _async_clients[loop] = redis.asyncio.Redis.from_url(
            settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5
        )
    return client


def client_for(url: str, *, timeout: float) -> redis.Redis:
    """A blocking client for another Redis URL (the cache's), shared per process."""
    client = _clients_by_url.get((url, timeout))
    if client is None:
        client = _clients_by_url[(url, timeout)] = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
    return client
