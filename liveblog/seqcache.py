"""What the API's 304 fast path may rely on, kept in Redis so any process can use it without the database:
each event's latest seq (which partner keys were recently found valid is in accounts/keycache.py).

Written after every public change commits (liveblog/changelog.py) and by the
API whenever it reads an event; read by the API's 304 fast path
(liveblog/api/fastpath.py). A value only ever moves forward, so a late write
cannot bring back an older seq. Without REDIS_URL nothing is stored and the
fast path stands aside.
"""

import logging

import redis
from django.conf import settings

from config.redis import async_client, sync_client

logger = logging.getLogger(__name__)

# An entry lives no longer than the API's max-age for live reads (LIVE in
# liveblog/api/caching.py) past its last write: if the write after a commit is lost
# (Redis away at that moment), the fast path answers stale 304s for at most that long,
# as a cache in front may anyway; then a poll reaches Django, which writes it afresh.
TTL_SECONDS = 5

# Store (event id, seq, changed-at) unless the stored seq of the same event is already as new.
# (Another event id means the slug now names a new event: its numbers start again.)
_REMEMBER = """
local current = redis.call('HMGET', KEYS[1], 'event_id', 'seq')
if (not current[2]) or current[1] ~= ARGV[1] or tonumber(current[2]) < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'event_id', ARGV[1], 'seq', ARGV[2], 'changed_at', ARGV[3])
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
"""


def _key(slug: str) -> str:
    return f"liveblog:event-seq:{slug}"


def seq_remember(*, slug: str, event_id: int, seq: int, changed_at: float | None) -> None:
    """Record that `slug` is at `seq` (never moving it back). Failures only cost the fast path."""
    if not settings.REDIS_URL:
        return
    try:
        sync_client().eval(_REMEMBER, 1, _key(slug), event_id, seq, changed_at or "", TTL_SECONDS)
    except redis.RedisError as failure:
        logger.warning("Could not record seq %s of %s: %s", seq, slug, failure)


async def seq_lookup(slug: str) -> tuple[int, int, float | None] | None:
    """(event id, seq, changed-at timestamp) for `slug`, or None when unknown or Redis is away."""
    if not settings.REDIS_URL:
        return None
    try:
        values = await async_client().hmget(_key(slug), "event_id", "seq", "changed_at")
    except (redis.RedisError, OSError) as failure:
        logger.debug("Seq lookup for %s failed: %s", slug, failure)
        return None
    if values[0] is None or values[1] is None:
        return None
    changed_at = float(values[2]) if values[2] else None
    return int(values[0]), int(values[1]), changed_at
