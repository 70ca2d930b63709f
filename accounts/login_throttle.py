"""Admin sign-in attempts, counted per username and per client address in the cache.

After MAX_FAILURES failed attempts in WINDOW_SECONDS, further attempts for that
username or from that address are refused until the window ends, so a password
cannot be guessed faster than a few tries per quarter hour. If the cache (Redis in
production) is away, sign-in goes on unthrottled rather than failing for everyone.
"""

import hashlib
import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


def _keys(*, username: str, ip: str) -> list[str]:
    # Hashed: usernames are user input, and cache keys must stay short and plain.
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    address = hashlib.sha256(ip.encode()).hexdigest()
    return [f"login-failures:user:{name}", f"login-failures:ip:{address}"]


def login_blocked(*, username: str, ip: str) -> bool:
    """Whether this username or this address has used up its attempts for now."""
    try:
        counts = cache.get_many(_keys(username=username, ip=ip))
    except Exception as failure:  # any cache backend's connection error
        logger.warning("Sign-in attempts not checked, the cache is unavailable: %r", failure)
        return False
    return any(count >= MAX_FAILURES for count in counts.values())


def login_failure_record(*, username: str, ip: str) -> None:
    try:
        for key in _keys(username=username, ip=ip):
            # add() starts the window only at the first failure; incr() keeps its expiry.
            cache.add(key, 0, timeout=WINDOW_SECONDS)
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=WINDOW_SECONDS)
    except Exception as failure:  # any cache backend's connection error
        logger.warning("Failed sign-in not counted, the cache is unavailable: %r", failure)


def login_success_record(*, username: str) -> None:
    """The right password ends the username's count (the address keeps its own)."""
    try:
        cache.delete(_keys(username=username, ip="")[0])
    except Exception as failure:  # any cache backend's connection error
        logger.warning("Sign-in count not cleared, the cache is unavailable: %r", failure)
