"""Request budgets that hold under concurrency and across worker processes.

DRF's throttles read a client's history from the cache and write it back later, so
parallel requests all read "under the limit" and all pass. Here checking and
recording are one step: a Lua script in Redis when the cache is Redis (CACHE_URL),
so every worker counts together; otherwise this process's cache, under a lock.
If Redis does not answer within a quarter of a second the request is let through:
a rate limit must never be what takes the API down.
"""

import logging
import threading
import time
import uuid

import redis
from django.conf import settings
from django.core.cache import cache

from config.redis import client_for

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 0.25

# A sliding window of request times (ms, Redis's clock) per key. Returns {allowed, ms to wait}.
_TAKE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local window_ms = tonumber(ARGV[2]) * 1000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms - window_ms)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now_ms, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window_ms)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window_ms - now_ms}
"""

_local_lock = threading.Lock()


def take(key: str, *, limit: int, window: int) -> tuple[bool, float]:
    """Spend one request of `key`'s budget of `limit` per `window` seconds.

    Returns whether the request may go ahead and, if not, the seconds until it could.
    """
    if settings.CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        try:
            client = client_for(settings.CACHE_URL, timeout=REDIS_TIMEOUT_SECONDS)
            allowed, wait_ms = client.eval(_TAKE, 1, f"ratelimit:{key}", limit, window, uuid.uuid4().hex)
            return bool(allowed), wait_ms / 1000
        except (redis.RedisError, OSError) as failure:
            logger.warning("Rate limit for %s not checked, Redis unavailable: %s", key, failure)
            return True, 0.0
    return _take_locally(key, limit=limit, window=window)


def _take_locally(key: str, *, limit: int, window: int) -> tuple[bool, float]:
    with _local_lock:
        now = time.time()
        history = [at for at in cache.get(f"ratelimit:{key}", []) if at > now - window]
        if len(history) >= limit:
            return False, history[0] + window - now
        history.append(now)
        cache.set(f"ratelimit:{key}", history, window)
        return True, 0.0


class AtomicThrottleMixin:
    """For DRF's SimpleRateThrottle subclasses: the same rates and keys, counted with `take`."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        allowed, self.retry_after = take(self.key, limit=self.num_requests, window=self.duration)
        return allowed

    def wait(self):
        return self.retry_after
