"""The receiver docs/api.md gives partners, run for real: it accepts our deliveries and
refuses a tampered or replayed one."""

import re
import threading
from http.server import HTTPServer
from pathlib import Path

import pytest
from django.utils import timezone

from webhooks.delivery import webhooks_deliver
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_create
from webhooks.signing import signature_header

API_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"


@pytest.fixture
def documented_receiver():
    """The guide's Python snippet, as a partner would paste it (its __main__ part not run)."""
    guide = API_GUIDE.read_text()
    code = re.search(r"<!-- webhook-receiver -->\n```python\n(.*?)```", guide, re.S)[1]
    namespace = {"__name__": "partner_receiver"}
    exec(compile(code, "docs/api.md", "exec"), namespace)  # noqa: S102 - our own docs, under test
    return namespace


def test_the_documented_receiver_accepts_a_real_delivery(documented_receiver, event, publish, partner, capsys):
    server = HTTPServer(("127.0.0.1", 0), documented_receiver["Receiver"])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint, secret = webhook_create(
            partner_key=partner, url=f"http://127.0.0.1:{server.server_address[1]}/", events=[event]
        )
        documented_receiver["SECRET"] = secret
        publish("Summit opens")

        assert webhooks_deliver(now=timezone.now()) == 1
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    attempt = WebhookDelivery.objects.get(endpoint=endpoint)
    assert attempt.is_success and attempt.status_code == 204
    assert f"{event.slug} 1 post_published" in capsys.readouterr().out


def test_the_documented_check_refuses_a_tampered_or_stale_delivery(documented_receiver):
    verified_change = documented_receiver["verified_change"]
    body = b'{"seq":1,"type":"post"}'
    header = signature_header(secret="s3cret", timestamp=1_773_567_000, body=body)

    assert verified_change("s3cret", header, body, now=1_773_567_010) == {"seq": 1, "type": "post"}
    with pytest.raises(ValueError, match="signature does not match"):
        verified_change("s3cret", header, body.replace(b"1", b"2"), now=1_773_567_010)
    with pytest.raises(ValueError, match="signature does not match"):
        verified_change("another secret", header, body, now=1_773_567_010)
    with pytest.raises(ValueError, match="missing or stale timestamp"):
        verified_change("s3cret", header, body, now=1_773_567_000 + 3600)
