"""Delivering webhooks: each public change of the events an endpoint follows, signed, in seq order.

One tick (`webhooks_deliver`, run by the scheduler's worker, liveblog/scheduler.py):

1. takes the endpoints that are on and not waiting out a retry;
2. reads, for each, the change log after each of its cursors (the messages the
   websocket and the `?after=` feed carry; drafts are never in it), at most
   BATCH_SIZE changes;
3. POSTs them one at a time in seq order, stopping at the endpoint's first
   failure or when its time budget is spent. Endpoints are served side by side
   in threads that only speak HTTP, so one slow partner holds up no other;
   the database is read and written by the calling thread alone;
4. logs every attempt, moves each cursor past what was delivered, and puts an
   endpoint that failed on exponential backoff; one failing for GIVE_UP_AFTER is
   disabled, with the reason, until someone turns it back on in the admin.

Once an hour a tick also deletes the log's attempts older than LOG_KEPT.

Delivery is at least once: if the worker dies between a partner's 2xx and
the record of it, the change is sent again. Partners dedupe on (event, seq).

A partner may give any http(s) URL, including addresses inside our own
network: run the worker where it cannot reach what partners must not (an
egress proxy or firewall), see docs/api.md.
"""

import heapq
import json
import logging
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Prefetch, Q
from django.utils import timezone

from liveblog.api.serializers import change_for_partner
from liveblog.models import EventChange
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookSubscription
from webhooks.signing import SIGNATURE_HEADER, signature_header

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0
BATCH_SIZE = 50  # changes per endpoint per tick: a long backlog drains over several ticks
TIME_BUDGET_SECONDS = 15.0  # per endpoint per tick, so a slow one cannot stretch a tick for long
THREADS = 8
FIRST_RETRY = timedelta(seconds=10)
MAX_RETRY_WAIT = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)
# Any fixed number; the one delivering process in a cluster holds this PostgreSQL lock while it ticks.
ADVISORY_LOCK_KEY = 0x6C62_7768  # "lbwh"
# The delivery log (every attempt, in the admin) keeps this long: a busy day is one row per
# change per endpoint, and more per retry. Endpoints keep why they were turned off on their own row.
LOG_KEPT = timedelta(days=14)
PRUNE_EVERY = timedelta(hours=1)
PRUNE_BATCH = 5000  # rows per DELETE, so pruning a long backlog never holds a long lock
_pruned_at: datetime | None = None


@dataclass(frozen=True)
class Pending:
    """One change waiting for one endpoint, ready to send."""

    event_id: int
    event_slug: str
    seq: int
    body: bytes


@dataclass(frozen=True)
class Attempt:
    pending: Pending
    attempted_at: datetime
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def is_success(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could point anywhere (another host, our own network), and urllib would
    # turn the POST into a GET without its body anyway: a 3xx is a failed delivery.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_RefuseRedirects)


def webhooks_deliver(*, now: datetime | None = None) -> int:
    """One tick: send what is due to every endpoint; returns how many changes were delivered.

    `now` is the tick's clock (due times, signatures, the log, backoff); tests pass their own.
    """
    global _pruned_at
    now = now or timezone.now()
    with _one_delivering_process() as is_ours:
        if not is_ours:
            return 0
        if _pruned_at is None or not timedelta(0) <= now - _pruned_at < PRUNE_EVERY:
            webhook_log_prune(now=now)
            _pruned_at = now
        work = [(endpoint, pending) for endpoint in _endpoints_due(now) if (pending := _pending_for(endpoint))]
        if not work:
            return 0
        with ThreadPoolExecutor(max_workers=min(THREADS, len(work)), thread_name_prefix="webhook") as pool:
            results = list(pool.map(lambda item: _send_in_order(item[0], item[1], now), work))
        delivered = 0
        for (endpoint, _), attempts in zip(work, results, strict=True):
            try:
                delivered += _record(endpoint=endpoint, attempts=attempts, now=now)
            except Exception:
                logger.exception("Could not record deliveries to webhook %s; they will be sent again", endpoint.pk)
        return delivered


def webhook_log_prune(*, now: datetime) -> int:
    """Delete delivery attempts older than LOG_KEPT, a batch at a time; returns how many."""
    old = WebhookDelivery.objects.filter(attempted_at__lt=now - LOG_KEPT).order_by()
    pruned = 0
    while ids := list(old.values_list("pk", flat=True)[:PRUNE_BATCH]):
        pruned += WebhookDelivery.objects.filter(pk__in=ids).delete()[0]
    if pruned:
        logger.info("Pruned %d webhook delivery attempt(s) older than %d days", pruned, LOG_KEPT.days)
    return pruned


def webhooks_deliver_between_connections() -> int:
    """A tick for a long-running loop: a dropped database connection is replaced, not kept idle."""
    close_old_connections()
    try:
        return webhooks_deliver()
    finally:
        close_old_connections()


@contextmanager
def _one_delivering_process():
    """Yields whether this process may tick now. Two workers delivering at once would send
    changes twice and out of order; on PostgreSQL a session lock lets one tick at a time.
    (SQLite is the embedded default: a single process.)"""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        locked = cursor.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])


def _endpoints_due(now: datetime) -> list[WebhookEndpoint]:
    # Only subscriptions with something new: the event's seq is past the cursor.
    behind = WebhookSubscription.objects.filter(last_delivered_seq__lt=F("event__seq")).select_related("event")
    return list(
        WebhookEndpoint.objects.filter(disabled_at=None, partner_key__revoked_at=None)
        .filter(Q(next_attempt_at=None) | Q(next_attempt_at__lte=now))
        .filter(subscriptions__last_delivered_seq__lt=F("subscriptions__event__seq"))
        .distinct()
        .prefetch_related(Prefetch("subscriptions", queryset=behind, to_attr="behind"))
    )


def _pending_for(endpoint: WebhookEndpoint) -> list[Pending]:
    """The next changes for this endpoint: each event's in seq order, events interleaved by
    when their changes were made, at most BATCH_SIZE."""
    per_event = []
    for subscription in endpoint.behind:
        event = subscription.event
        changes = EventChange.objects.filter(event=event, seq__gt=subscription.last_delivered_seq).order_by("seq")
        per_event.append(
            [(change.created_at, event.pk, change.seq, event.slug, change.message)
             for change in changes.only("seq", "created_at", "message")[:BATCH_SIZE]]
        )
    # merge() only ever takes the head of each list, so each event's own order always holds.
    merged = heapq.merge(*per_event, key=lambda row: (row[0], row[1]))
    return [
        Pending(event_id=event_id, event_slug=slug, seq=seq, body=_body(message))
        for _, event_id, seq, slug, message in list(merged)[:BATCH_SIZE]
    ]


def _body(message: str) -> bytes:
    """The change as the `?after=` feed gives it (no live-page HTML, absolute links)."""
    change = change_for_partner(message, absolute=lambda path: urljoin(settings.LIVEBLOG_SITE_URL, path))
    return json.dumps(change, separators=(",", ":"), ensure_ascii=False).encode()


def _send_in_order(endpoint: WebhookEndpoint, pending: list[Pending], now: datetime) -> list[Attempt]:
    """POST each change in turn until one fails or the budget is spent. No database here."""
    attempts = []
    started = time.monotonic()
    for item in pending:
        attempt = _post(endpoint=endpoint, pending=item, now=now)
        attempts.append(attempt)
        if not attempt.is_success or time.monotonic() - started > TIME_BUDGET_SECONDS:
            break
    return attempts


def _post(*, endpoint: WebhookEndpoint, pending: Pending, now: datetime) -> Attempt:
    timestamp = int(now.timestamp())
    request = urllib.request.Request(  # noqa: S310 - the URL's scheme was checked to be http(s) on save
        endpoint.url,
        data=pending.body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Liveblog-Webhooks/1",
            SIGNATURE_HEADER: signature_header(secret=endpoint.secret, timestamp=timestamp, body=pending.body),
            "Liveblog-Event": pending.event_slug,
            "Liveblog-Seq": str(pending.seq),
        },
    )
    started = time.monotonic()
    status_code, error = None, ""
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status_code = response.status
            response.read(1024)  # let the partner finish its answer; nothing in it matters
    except urllib.error.HTTPError as refusal:
        status_code = refusal.code
        if 300 <= refusal.code < 400:
            error = f"Redirected to {refusal.headers.get('Location', '?')[:200]}; webhooks do not follow redirects."
        else:
            error = f"The endpoint answered HTTP {refusal.code}."
        refusal.close()
    except TimeoutError:
        error = f"No answer within {TIMEOUT_SECONDS:g} s."
    except (urllib.error.URLError, OSError, ValueError) as failure:
        reason = getattr(failure, "reason", failure)
        error = f"Could not reach the endpoint: {reason}"[:300]
    duration_ms = int((time.monotonic() - started) * 1000)
    return Attempt(pending=pending, attempted_at=now, status_code=status_code, error=error, duration_ms=duration_ms)


@transaction.atomic
def _record(*, endpoint: WebhookEndpoint, attempts: list[Attempt], now: datetime) -> int:
    """Log the attempts, move the cursors past what arrived, and set the retry state."""
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
    if endpoint is None:
        return 0  # deleted by its partner while we were sending
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint, event_id=attempt.pending.event_id, seq=attempt.pending.seq,
            attempted_at=attempt.attempted_at, is_success=attempt.is_success,
            status_code=attempt.status_code, error=attempt.error, duration_ms=attempt.duration_ms,
        )
        for attempt in attempts
    )
    delivered = [attempt.pending for attempt in attempts if attempt.is_success]
    for event_id in {item.event_id for item in delivered}:
        seq = max(item.seq for item in delivered if item.event_id == event_id)
        WebhookSubscription.objects.filter(
            endpoint=endpoint, event_id=event_id, last_delivered_seq__lt=seq
        ).update(last_delivered_seq=seq)
    failure = next((attempt for attempt in attempts if not attempt.is_success), None)
    if failure is None:
        if endpoint.failures_in_a_row:
            endpoint.failing_since = endpoint.next_attempt_at = None
            endpoint.failures_in_a_row = 0
            endpoint.save(update_fields=["failing_since", "failures_in_a_row", "next_attempt_at"])
        return len(delivered)
    endpoint.failing_since = endpoint.failing_since or now
    endpoint.failures_in_a_row += 1
    if now - endpoint.failing_since >= GIVE_UP_AFTER:
        endpoint.disabled_at = now
        endpoint.disabled_reason = (
            f"Every delivery failed for {GIVE_UP_AFTER.total_seconds() / 3600:g} hours; the last: {failure.error}"
        )[:300]
        endpoint.next_attempt_at = None
        logger.warning("Webhook %s disabled: %s", endpoint.pk, endpoint.disabled_reason)
    else:
        endpoint.next_attempt_at = now + retry_wait(failures_in_a_row=endpoint.failures_in_a_row)
    endpoint.save(
        update_fields=["failing_since", "failures_in_a_row", "next_attempt_at", "disabled_at", "disabled_reason"]
    )
    return len(delivered)


def retry_wait(*, failures_in_a_row: int) -> timedelta:
    """10 s after the first failure, doubling each time, never more than an hour."""
    return min(FIRST_RETRY * 2 ** (failures_in_a_row - 1), MAX_RETRY_WAIT)
