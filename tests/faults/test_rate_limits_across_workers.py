"""An anonymous limit of 60 a minute is 60, not 60 per worker or per race, when 120 requests
arrive at once at two workers counting in the shared Redis (CACHE_URL)."""

from concurrent.futures import ThreadPoolExecutor


def test_parallel_anonymous_requests_across_two_workers_get_exactly_the_limit(stack):
    stack.env["API_ANON_RATE"] = "60/min"
    stack.start()
    with ThreadPoolExecutor(max_workers=48) as pool:
        statuses = list(pool.map(lambda _: stack.api("GET", "/api/v1/events/")[0], range(120)))
    assert statuses.count(200) == 60
    assert statuses.count(429) == 60
