"""Rate limits hold when requests arrive together: checking and spending a budget is one step."""

import os
import uuid
from concurrent.futures import ThreadPoolExecutor

from accounts import ratelimit
from tests.faults.harness import free_port


def spend_in_parallel(key: str, *, limit: int, attempts: int, threads: int = 48) -> list[bool]:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda _: ratelimit.take(key, limit=limit, window=60)[0], range(attempts)))


def test_parallel_requests_in_one_process_get_exactly_the_budget(settings):
    settings.CACHE_URL = ""
    allowed = spend_in_parallel(f"anon-{uuid.uuid4().hex}", limit=60, attempts=240)
    assert allowed.count(True) == 60


def test_parallel_requests_counted_in_redis_get_exactly_the_budget(settings):
    settings.CACHE_URL = os.environ["REDIS_URL"]
    key = f"anon-{uuid.uuid4().hex}"
    try:
        allowed = spend_in_parallel(key, limit=60, attempts=240)
        assert allowed.count(True) == 60
        refused, wait = ratelimit.take(key, limit=60, window=60)
        assert refused is False and 0 < wait <= 60
    finally:
        ratelimit.client_for(settings.CACHE_URL, timeout=ratelimit.REDIS_TIMEOUT_SECONDS).delete(f"ratelimit:{key}")


def test_an_unreachable_redis_lets_requests_through_instead_of_failing_them(settings):
    settings.CACHE_URL = f"redis://127.0.0.1:{free_port()}/0"
    assert ratelimit.take("anon-nobody-home", limit=1, window=60) == (True, 0.0)
    assert ratelimit.take("anon-nobody-home", limit=1, window=60) == (True, 0.0)
