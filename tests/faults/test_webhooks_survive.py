"""The delivering worker (`manage.py run_scheduler`) outlives a PostgreSQL outage: changes made
after it are still delivered to the partner, in order, instead of the worker dying."""

import json
import subprocess
import sys
import time

from tests.faults.harness import PROJECT, wait_until
from tests.webhooks.receiver import Receiver

REGISTER = """
from accounts.models import User
from accounts.services import api_key_create
from liveblog.models import Event
from webhooks.services import webhook_create
boss = User.objects.create_superuser(username="keys", password="x" * 20)
key, _ = api_key_create(name="Partner Daily", by=boss)
webhook_create(partner_key=key, url={url!r}, events=[Event.objects.get(slug="fault-drill")])
"""

PUBLISH = """
from accounts.models import User
from liveblog import services
from liveblog.models import Event
editor = User.objects.get(username="editor")
draft = services.post_create_draft(event=Event.objects.get(slug="fault-drill"), by=editor, headline={headline!r})
services.post_publish(post=draft, by=editor)
"""


def test_webhook_deliveries_carry_on_after_a_database_outage(stack):
    with Receiver() as receiver:
        stack.manage("shell", "-c", REGISTER.format(url=receiver.url))
        worker = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "manage.py", "run_scheduler", "--interval", "0.3"],
            cwd=PROJECT, env={**stack.env, "DATABASE_POOL_MAX_SIZE": "0"}, stderr=subprocess.PIPE, text=True,
        )
        try:
            stack.manage("shell", "-c", PUBLISH.format(headline="Before"))
            wait_until(lambda: len(receiver.requests) == 1, timeout=30, what="the first change was not delivered")
            stack.postgres.stop()
            time.sleep(3)
            assert worker.poll() is None, "the worker died while PostgreSQL was away"
            stack.postgres.start()

            stack.manage("shell", "-c", PUBLISH.format(headline="After"))
            wait_until(lambda: len(receiver.requests) >= 2, timeout=40, interval=0.5,
                       what="the change made after the outage was not delivered")
            assert worker.poll() is None
        finally:
            worker.terminate()
            _, errors = worker.communicate(timeout=10)

    changes = [json.loads(request.body) for request in receiver.requests]
    assert [(change["seq"], change["post"]["headline"]) for change in changes] == [(1, "Before"), (2, "After")]
    assert "Webhook deliveries failed" in errors, errors[-3000:]
