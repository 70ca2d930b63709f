"""Redis stopped or frozen under the production shape (channel layer and cache on it):
writes still commit and return, reads still answer from PostgreSQL, and nothing waits on
Redis for long. PATIENCE_SECONDS is a bound on hanging, not a speed target."""

import time

import pytest

PATIENCE_SECONDS = 5


def timed_api(app, *args, **kwargs):
    started = time.monotonic()
    status, body = app.api(*args, **kwargs)
    return status, body, time.monotonic() - started


def write(app, headline: str):
    return timed_api(app, "POST", f"/api/v1/events/{app.slug}/posts/", token=app.token,
                     body={"headline": headline, "body": "<p>x</p>", "status": "published"})


@pytest.mark.parametrize("fault", ["stopped", "frozen"])
def test_writes_and_reads_go_on_while_redis_is_away(production, fault):
    break_redis = production.redis.stop if fault == "stopped" else production.redis.freeze
    break_redis()
    try:
        writes = [write(production, f"While Redis is {fault} {i}") for i in range(4)]
        reads = [timed_api(production, "GET", f"/api/v1/events/{production.slug}/posts/") for _ in range(4)]
    finally:
        if fault == "stopped":
            production.redis.start()
        else:
            production.redis.thaw()

    assert [status for status, _, _ in writes] == [201] * 4, writes
    assert [status for status, _, _ in reads] == [200] * 4, reads
    assert max(took for _, _, took in writes + reads) < PATIENCE_SECONDS
    headlines = [post["headline"] for post in reads[-1][1]["results"]]
    assert headlines[:4] == [f"While Redis is {fault} {i}" for i in (3, 2, 1, 0)]
