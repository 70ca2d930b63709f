"""What the API's 304 fast path may rely on, kept in Redis so any process can use it without the database:
each event's latest seq, and which partner keys were recently found valid.

Written after every public change commits (liveblog/broadcast.py) and by the
API whenever it reads an event; read by the API's 304 fast path
(liveblog/api/fastpath.py). A value only ever moves forward, so a late write
cannot bring back an older seq. Without REDIS_URL nothing is stored and the
fast path stands aside.
"""

import asyncio
import logging
import weakref

import redis
import redis.asyncio
from django.conf import settings

logger = logging.getLogger(__name__)

# Entries expire, so a deleted event's entry does not outlive it for long.
TTL_SECONDS = 600
# A key vouched for by a full check stays good this long (revoking forgets it at once).
API_KEY_TTL_SECONDS = 300

# Store (event id, seq, changed-at) unless the stored seq of the same event is already as new.
# (Another event id means the slug now names a new event: its numbers start again.)
_REMEMBER = """
local current = redis.call('HMGET', KEYS[1], 'event_id', 'seq')
if (not current[2]) or current[1] ~= ARGV[1] or tonumber(current[2]) < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'event_id', ARGV[1], 'seq', ARGV[2], 'changed_at', ARGV[3])
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
"""

_sync_client: redis.Redis | None = None
_async_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.asyncio.Redis]" = (
    weakref.WeakKeyDictionary()
)


def _key(slug: str) -> str:
    return f"liveblog:event-seq:{slug}"


def _sync() -> redis.Redis:
    global _sync_client
    if _sync_client is None:
        _sync_client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    return _sync_client


def _async() -> redis.asyncio.Redis:
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        client = _async_clients[loop] = redis.asyncio.Redis.from_url(
            settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5
        )
    return client


def seq_remember(*, slug: str, event_id: int, seq: int, changed_at: float | None) -> None:
    """Record that `slug` is at `seq` (never moving it back). Failures only cost the fast path."""
    if not settings.REDIS_URL:
        return
    try:
        _sync().eval(_REMEMBER, 1, _key(slug), event_id, seq, changed_at or "", TTL_SECONDS)
    except redis.RedisError as failure:
        logger.warning("Could not record seq %s of %s: %s", seq, slug, failure)


async def seq_lookup(slug: str) -> tuple[int, int, float | None] | None:
    """(event id, seq, changed-at timestamp) for `slug`, or None when unknown or Redis is away."""
    if not settings.REDIS_URL:
        return None
    try:
        values = await _async().hmget(_key(slug), "event_id", "seq", "changed_at")
    except (redis.RedisError, OSError) as failure:
        logger.debug("Seq lookup for %s failed: %s", slug, failure)
        return None
    if values[0] is None or values[1] is None:
        return None
    changed_at = float(values[2]) if values[2] else None
    return int(values[0]), int(values[1]), changed_at


def _api_key(hashed_key: str) -> str:
    return f"liveblog:api-key:{hashed_key}"


def api_key_vouch(*, hashed_key: str) -> None:
    """A full check found this key valid: the fast path may accept it for a while."""
    if settings.REDIS_URL:
        try:
            _sync().set(_api_key(hashed_key), 1, ex=API_KEY_TTL_SECONDS)
        except redis.RedisError as failure:
            logger.warning("Could not vouch for an API key: %s", failure)


def api_key_forget(*, hashed_key: str) -> None:
    """The key was revoked: from now on only the full check sees it."""
    if settings.REDIS_URL:
        try:
            _sync().delete(_api_key(hashed_key))
        except redis.RedisError as failure:
            # The entry expires within API_KEY_TTL_SECONDS; until then it can only earn bare 304s.
            logger.warning("Could not forget a revoked API key: %s", failure)


async def api_key_vouched(hashed_key: str) -> bool:
    if not settings.REDIS_URL:
        return False
    try:
        return bool(await _async().exists(_api_key(hashed_key)))
    except (redis.RedisError, OSError):
        return False
