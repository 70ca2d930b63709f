"""Summarize a py-spy raw profile (`--format raw`: "frame;frame;... count" per line) of an API worker.

Samples of blocked threads are set aside. Each other sample is counted once:
under the first ANYWHERE rule found anywhere in its stack (the part of the
request's work it belongs to), else under the innermost frame that matches an
INNERMOST rule (framework layers that wrap everything, like middleware, only
count for their own code).
"""

import sys
from collections import Counter

# Blocked threads: a lock, a queue or a selector wait. py-spy samples them too (by their leaf frame).
IDLE_LEAVES = ["Condition.wait", "Thread._wait_for_tstate_lock", "EpollSelector.select",
               "_worker (concurrent/futures/thread.py:81)"]
WAIT_PG = ("waiting on PostgreSQL (socket wait in psycopg)", ["Connection.wait (psycopg/"])
# Checked against the whole stack, in this order: the part of the work a sample belongs to.
ANYWHERE = [
    ("database: opening a connection (one per request under ASGI)",
     ["get_new_connection", "ensure_connection", "init_connection_state", "_connect_gen"]),
    ("database: closing connections (request_finished)", ["close_old_connections", "close_if_unusable"]),
    ("throttle (DRF history list in the cache)", ["rest_framework/throttling.py", "RateThrottle",
                                                  "django/core/cache/"]),
    ("ETag: validators_for / not_modified", ["liveblog/api/caching.py"]),
    ("database: queries (ORM, psycopg)", ["django/db/", "psycopg/"]),
    ("serialization and HTML to text", ["rest_framework/serializers.py", "rest_framework/fields.py",
                                        "liveblog/api/serializers.py", "liveblog/sanitize.py"]),
    ("rendering: JSON", ["rest_framework/renderers.py", "json/encoder.py"]),
    ("DRF authentication", ["perform_authentication", "accounts/authentication.py"]),
]
# Otherwise the innermost frame that matches one of these names the sample.
INNERMOST = [
    ("DRF view machinery (request, negotiation, permissions)", ["rest_framework/"]),
    ("Django middleware (security, whitenoise, cors, session, csrf, auth, messages, clickjacking)",
     ["django/middleware/", "django/contrib/sessions/", "django/contrib/auth/", "django/contrib/messages/",
      "corsheaders/", "whitenoise/"]),
    ("URL resolution", ["django/urls/"]),
    ("Django request/response objects", ["django/http/"]),
    ("Django ASGI handler and signals", ["django/core/handlers/", "django/dispatch/"]),
    ("asgiref: a new thread per request (ThreadSensitiveContext, sync_to_async)",
     ["asgiref/", "concurrent/futures", "threading.py"]),
    ("uvicorn + httptools (HTTP parsing, transport)", ["uvicorn/", "httptools"]),
    ("event loop (uvloop native: epoll and transports, busy or idle)", ["asyncio/", "uvloop"]),
]


def parse(text: str) -> Counter:
    stacks: Counter = Counter()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks[stack] += int(count)
    return stacks


def classify(stack: str) -> str:
    frames = stack.split(";")
    if any(frames[-1].startswith(leaf) for leaf in IDLE_LEAVES):
        return "idle: blocked thread (lock, queue, selector)"
    if any(p in frames[-1] for p in WAIT_PG[1]) and not any(
        p in stack for p in ANYWHERE[0][1]
    ):
        return WAIT_PG[0]
    for label, patterns in ANYWHERE:
        if any(p in stack for p in patterns):
            return label
    for frame in reversed(frames):
        for label, patterns in INNERMOST:
            if any(p in frame for p in patterns):
                return label
    return "other"


def summarize(text: str, top: int = 15) -> dict:
    stacks = parse(text)
    shares: Counter = Counter()
    leaves: Counter = Counter()
    for stack, count in stacks.items():
        label = classify(stack)
        shares[label] += count
        if not label.startswith("idle"):
            leaves[stack.rsplit(";", 1)[-1]] += count
    total = sum(shares.values()) or 1
    busy = total - shares["idle: blocked thread (lock, queue, selector)"] or 1
    return {
        "samples": total,
        "busy_samples": busy,
        "shares": [(label, count / busy) for label, count in shares.most_common() if not label.startswith("idle")],
        "leaves": [(frame, count / busy) for frame, count in leaves.most_common(top)],
    }


def report(summary: dict) -> str:
    lines = [
        f"{summary.get('name', 'profile')}: {summary['samples']} samples, {summary['busy_samples']} not idle "
        "(shares below are of those)", "", "| where | share |", "|---|---:|",
    ]
    lines += [f"| {label} | {share * 100:.1f}% |" for label, share in summary["shares"]]
    lines += ["", "Top leaf frames (self time):", ""]
    lines += [f"- {share * 100:.1f}% {frame}" for frame, share in summary["leaves"]]
    return "\n".join(lines)


if __name__ == "__main__":
    for path in sys.argv[1:]:
        with open(path) as handle:
            print(report(dict(summarize(handle.read()), name=path)), end="\n\n")
