"""Deliveries to a real local receiver: signed, in seq order, retried, disabled after a day of
failures, and never a draft. The worker is driven one tick at a time with the test's clock."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta

from django.core.management import call_command
from django.db import connections

from liveblog import services
from tests.liveblog.api.conftest import posts_url
from tests.webhooks.receiver import Receiver
from webhooks import delivery
from webhooks.delivery import webhooks_deliver
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import webhook_create, webhook_enable


def register(partner, receiver, *events):
    endpoint, secret = webhook_create(partner_key=partner, url=receiver.url, events=events)
    return endpoint, secret


def verified(request, secret: str) -> dict:
    """What a partner's receiver does: check the signature, then read the change."""
    fields = dict(part.split("=", 1) for part in request.headers["Liveblog-Signature"].split(","))
    signed = fields["t"].encode() + b"." + request.body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, fields["v1"]), "signature does not verify"
    return json.loads(request.body)


def test_every_change_arrives_signed_in_seq_order_as_the_changes_feed_gives_it(
    api, editor, event, publish, partner, receiver, clock, settings
):
    settings.LIVEBLOG_SITE_URL = "http://testserver/"  # the feed below takes its host from the request
    _, secret = register(partner, receiver, event)
    opening = publish("Summit opens")
    mistake = publish("Mistake")
    services.post_edit(post=opening, by=editor, expected_version=opening.version, headline="Summit opened")
    services.post_set_pinned(post=opening, by=editor, is_pinned=True)
    services.post_retract(post=mistake, by=editor, note="Posted in error")

    assert webhooks_deliver(now=clock.now) == 5

    changes = [verified(request, secret) for request in receiver.requests]
    assert [change["seq"] for change in changes] == [1, 2, 3, 4, 5]
    assert [change["action"] for change in changes] == [
        "post_published", "post_published", "post_edited", "post_pinned", "post_retracted",
    ]
    assert changes == api.get(posts_url(event), {"after": 0}).json()["changes"]
    first = receiver.requests[0]
    assert first.path == "/hooks/liveblog"
    assert first.headers["Content-Type"] == "application/json"
    assert first.headers["Liveblog-Signature"].startswith(f"t={int(clock.now.timestamp())},v1=")
    assert first.headers["Liveblog-Event"] == event.slug and first.headers["Liveblog-Seq"] == "1"
    # Nothing new: the next tick sends nothing twice.
    assert webhooks_deliver(now=clock.advance(seconds=5)) == 0
    assert len(receiver.requests) == 5


def test_a_signature_made_with_another_secret_does_not_verify(event, publish, partner, receiver, clock):
    register(partner, receiver, event)
    publish("Summit opens")
    webhooks_deliver(now=clock.now)

    request = receiver.requests[0]
    fields = dict(part.split("=", 1) for part in request.headers["Liveblog-Signature"].split(","))
    forged = hmac.new(b"not the secret", fields["t"].encode() + b"." + request.body, hashlib.sha256).hexdigest()
    assert forged != fields["v1"]


def test_drafts_are_never_delivered_only_their_publication(contributor, editor, event, partner, receiver, clock):
    _, secret = register(partner, receiver, event)
    draft = services.post_create_draft(event=event, by=contributor, headline="Not yet", body="<p>Embargoed</p>")
    services.post_edit(post=draft, by=contributor, expected_version=draft.version, headline="Still not yet")

    assert webhooks_deliver(now=clock.now) == 0
    assert receiver.requests == []

    services.post_publish(post=draft, by=editor)
    webhooks_deliver(now=clock.advance(seconds=5))

    [change] = [verified(request, secret) for request in receiver.requests]
    assert change["action"] == "post_published" and change["post"]["headline"] == "Still not yet"


def test_an_endpoint_receives_the_changes_made_after_it_was_registered(event, publish, partner, receiver, clock):
    publish("Before the partner came")
    _, secret = register(partner, receiver, event)
    publish("After")

    webhooks_deliver(now=clock.now)

    assert [verified(request, secret)["post"]["headline"] for request in receiver.requests] == ["After"]


def test_a_500_is_retried_after_a_backoff_and_order_still_holds(event, publish, partner, receiver, clock):
    endpoint, secret = register(partner, receiver, event)
    publish("First")
    publish("Second")
    receiver.answers.extend([500, 500])

    assert webhooks_deliver(now=clock.now) == 0          # "First" refused: "Second" waits behind it
    assert webhooks_deliver(now=clock.advance(seconds=9)) == 0  # not due yet: nothing sent
    assert len(receiver.requests) == 1
    assert webhooks_deliver(now=clock.advance(seconds=1)) == 0  # 10 s after: refused again
    assert webhooks_deliver(now=clock.advance(seconds=19)) == 0  # the wait has doubled
    assert len(receiver.requests) == 2
    assert webhooks_deliver(now=clock.advance(seconds=1)) == 2

    headlines = [verified(request, secret)["post"]["headline"] for request in receiver.requests]
    assert headlines == ["First", "First", "First", "Second"]
    log = list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk"))
    assert [(row.seq, row.is_success, row.status_code) for row in log] == [
        (1, False, 500), (1, False, 500), (1, True, 200), (2, True, 200),
    ]
    assert log[0].error == "The endpoint answered HTTP 500."
    endpoint.refresh_from_db()
    assert endpoint.failures_in_a_row == 0 and endpoint.failing_since is None and endpoint.is_active


def test_an_endpoint_failing_for_a_day_is_disabled_and_stops_receiving(
    api, key_admin, event, publish, partner, receiver, clock
):
    endpoint, _ = register(partner, receiver, event)
    publish("First")
    receiver.answers.extend([503] * 1000)

    webhooks_deliver(now=clock.now)
    for _ in range(40):  # the retries of a day, each as soon as it is due
        endpoint.refresh_from_db()
        if not endpoint.is_active:
            break
        clock.now = max(clock.now, endpoint.next_attempt_at)
        webhooks_deliver(now=clock.now)

    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert clock.now - endpoint.failing_since >= timedelta(hours=24)
    assert endpoint.disabled_reason == (
        "Every delivery failed for 24 hours; the last: The endpoint answered HTTP 503."
    )
    attempts = len(receiver.requests)
    assert 20 < attempts < 40  # backoff: far fewer than one a tick

    # The partner fixes its server, but the endpoint is off: nothing more is sent.
    receiver.answers.clear()
    publish("Second")
    webhooks_deliver(now=clock.advance(hours=2))
    assert len(receiver.requests) == attempts
    shown = api.get(f"/api/v1/webhooks/{endpoint.pk}/", HTTP_AUTHORIZATION=f"Api-Key {partner.raw}").json()
    assert shown["is_active"] is False and shown["disabled_reason"] == endpoint.disabled_reason

    # Turned back on in the admin, it resumes where it stopped, in order.
    webhook_enable(endpoint=endpoint, by=key_admin)
    assert webhooks_deliver(now=clock.advance(seconds=5)) == 2
    assert [json.loads(request.body)["seq"] for request in receiver.requests[attempts:]] == [1, 2]


def test_one_failing_endpoint_does_not_hold_back_another(event, publish, partner, receiver, second_receiver, clock):
    register(partner, receiver, event)
    register(partner, second_receiver, event)
    receiver.answers.append(500)
    publish("First")

    assert webhooks_deliver(now=clock.now) == 1

    assert len(receiver.requests) == 1 and len(second_receiver.requests) == 1


def test_a_redirect_is_not_followed(event, publish, partner, receiver, second_receiver, clock):
    endpoint, _ = register(partner, receiver, event)
    receiver.answers.append((302, {"Location": second_receiver.url}))
    publish("First")

    assert webhooks_deliver(now=clock.now) == 0

    assert second_receiver.requests == []
    [attempt] = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert not attempt.is_success and attempt.status_code == 302
    assert attempt.error == f"Redirected to {second_receiver.url}; webhooks do not follow redirects."


def test_an_unreachable_endpoint_is_logged_and_retried(event, publish, partner, clock):
    with __import__("socket").socket() as unused:  # a port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    endpoint, _ = webhook_create(partner_key=partner, url=f"http://127.0.0.1:{port}/", events=[event])
    publish("First")

    assert webhooks_deliver(now=clock.now) == 0

    [attempt] = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert attempt.status_code is None and attempt.error.startswith("Could not reach the endpoint:")
    endpoint.refresh_from_db()
    assert endpoint.next_attempt_at == clock.now + timedelta(seconds=10)


def test_each_endpoint_gets_only_the_events_it_follows(editor, event, publish, partner, receiver, clock):
    other = services.event_create(title="Storm Darragh", by=editor, status="live")
    _, secret = register(partner, receiver, other)
    publish("About the summit")
    services.post_publish(post=services.post_create_draft(event=other, by=editor, headline="Storm"), by=editor)

    webhooks_deliver(now=clock.now)

    [request] = receiver.requests
    assert verified(request, secret)["post"]["headline"] == "Storm"
    assert request.headers["Liveblog-Event"] == other.slug


def test_a_revoked_keys_endpoints_stop_receiving(key_admin, event, publish, partner, receiver, clock):
    from accounts.services import api_key_revoke

    register(partner, receiver, event)
    api_key_revoke(key=partner, by=key_admin)
    publish("First")

    assert webhooks_deliver(now=clock.now) == 0
    assert receiver.requests == []


def test_the_scheduler_worker_delivers_webhooks(event, publish, partner, receiver, capsys):
    register(partner, receiver, event)
    publish("First")

    call_command("run_scheduler", "--once")

    assert "Delivered 1 change(s) to webhooks." in capsys.readouterr().out
    assert len(receiver.requests) == 1
    assert WebhookEndpoint.objects.get().subscriptions.get().last_delivered_seq == 1


def test_a_slow_endpoint_does_not_hold_up_another_in_the_same_tick(event, publish, partner, clock):
    fast_got_its_change, slow_saw_it = threading.Event(), []
    with Receiver() as slow, Receiver() as fast:
        # The slow partner (served first) answers once the fast one has had its delivery: that
        # can only happen if the two are served side by side, not one after the other.
        slow.before_answer = lambda: slow_saw_it.append(fast_got_its_change.wait(timeout=4))
        fast.before_answer = fast_got_its_change.set
        register(partner, slow, event)
        register(partner, fast, event)
        publish("First")

        assert webhooks_deliver(now=clock.now) == 2

    assert slow_saw_it == [True]
    assert WebhookDelivery.objects.filter(is_success=True).count() == 2


def test_an_endpoint_that_does_not_answer_in_time_is_a_failure(event, publish, partner, clock, monkeypatch):
    monkeypatch.setattr(delivery, "TIMEOUT_SECONDS", 0.5)
    released = threading.Event()
    with Receiver() as silent:
        silent.before_answer = lambda: released.wait(timeout=5)
        endpoint, _ = register(partner, silent, event)
        publish("First")
        try:
            assert webhooks_deliver(now=clock.now) == 0
        finally:
            released.set()

    [attempt] = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert not attempt.is_success and attempt.status_code is None
    assert attempt.error == "No answer within 0.5 s."


def test_a_second_delivering_process_waits_for_the_first(event, publish, partner, receiver, clock):
    register(partner, receiver, event)
    publish("First")
    other_process = connections.create_connection("default")
    try:
        with other_process.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [delivery.ADVISORY_LOCK_KEY])
        assert webhooks_deliver(now=clock.now) == 0  # the other one is ticking: not twice
        assert receiver.requests == []
    finally:
        other_process.close()  # its lock goes with its session

    assert webhooks_deliver(now=clock.now) == 1


def test_the_delivery_log_keeps_two_weeks_and_nothing_is_sent_again(event, publish, partner, receiver, clock, monkeypatch):
    monkeypatch.setattr(delivery, "_pruned_at", None)
    endpoint, secret = register(partner, receiver, event)
    publish("Day one")
    assert webhooks_deliver(now=clock.now) == 1

    publish("Two weeks on")
    assert webhooks_deliver(now=clock.advance(days=14, seconds=1)) == 1

    # The first attempt is past LOG_KEPT and gone; the cursor did not move back.
    assert [(row.seq, row.is_success) for row in WebhookDelivery.objects.filter(endpoint=endpoint)] == [(2, True)]
    assert [verified(request, secret)["post"]["headline"] for request in receiver.requests] == ["Day one", "Two weeks on"]
    assert webhooks_deliver(now=clock.advance(hours=2)) == 0
    assert len(receiver.requests) == 2


def test_a_long_log_is_pruned_a_batch_at_a_time_and_at_most_hourly(event, publish, partner, receiver, clock, monkeypatch):
    monkeypatch.setattr(delivery, "PRUNE_BATCH", 2)
    endpoint, _ = register(partner, receiver, event)
    for headline in ("One", "Two", "Three", "Four", "Five"):
        publish(headline)
    assert webhooks_deliver(now=clock.now) == 5

    assert delivery.webhook_log_prune(now=clock.advance(days=14)) == 0  # exactly two weeks: kept
    assert delivery.webhook_log_prune(now=clock.advance(seconds=1)) == 5
    assert not WebhookDelivery.objects.filter(endpoint=endpoint).exists()

    # A tick prunes once an hour: an attempt that ages meanwhile waits for the next hour's.
    publish("Six")
    assert webhooks_deliver(now=clock.now) == 1
    monkeypatch.setattr(delivery, "_pruned_at", clock.advance(days=14))  # "Six" not old yet
    webhooks_deliver(now=clock.advance(minutes=30))
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1
    webhooks_deliver(now=clock.advance(minutes=30))
    assert not WebhookDelivery.objects.filter(endpoint=endpoint).exists()
