"""Partner keys recently found valid, kept in Redis so the API's 304 fast path
(liveblog/api/fastpath.py) can accept a key without the database. Revoking forgets a key at once."""

import logging

import redis
from django.conf import settings

from config.redis import async_client, sync_client

logger = logging.getLogger(__name__)

# A key vouched for by a full check stays good this long (revoking forgets it at once).
API_KEY_TTL_SECONDS = 300


def _api_key(hashed_key: str) -> str:
    return f"liveblog:api-key:{hashed_key}"


def api_key_vouch(*, hashed_key: str) -> None:
    """A full check found this key valid: the fast path may accept it for a while."""
    if settings.REDIS_URL:
        try:
            sync_client().set(_api_key(hashed_key), 1, ex=API_KEY_TTL_SECONDS)
        except redis.RedisError as failure:
            logger.warning("Could not vouch for an API key: %s", failure)


def api_key_forget(*, hashed_key: str) -> None:
    """The key was revoked: from now on only the full check sees it."""
    if settings.REDIS_URL:
        try:
            sync_client().delete(_api_key(hashed_key))
        except redis.RedisError as failure:
            # The entry expires within API_KEY_TTL_SECONDS; until then it can only earn bare 304s.
            logger.warning("Could not forget a revoked API key: %s", failure)


async def api_key_vouched(hashed_key: str) -> bool:
    if not settings.REDIS_URL:
        return False
    try:
        return bool(await async_client().exists(_api_key(hashed_key)))
    except (redis.RedisError, OSError):
        return False
