"""The production scheduler (`manage.py run_scheduler`) outlives a PostgreSQL outage and then
publishes what falls due, instead of dying on its first database error."""

import subprocess
import sys
import time

from tests.faults.harness import PROJECT, wait_until

SCHEDULE = """
from datetime import timedelta
from django.utils import timezone
from accounts.models import User
from liveblog import services
from liveblog.models import Event
editor = User.objects.get(username="editor")
draft = services.post_create_draft(event=Event.objects.get(slug="fault-drill"), by=editor, headline="Due")
services.post_schedule(post=draft, by=editor, at=timezone.now() + timedelta(seconds=1))
print(draft.pk)
"""


def test_scheduler_keeps_running_through_a_database_outage_and_publishes_after_it(stack):
    # Without the pool every tick of the outage meets the error at once; with it, a tick may
    # instead wait inside the pool for PostgreSQL to come back, which proves nothing here.
    scheduler = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "run_scheduler", "--interval", "0.3"],
        cwd=PROJECT, env={**stack.env, "DATABASE_POOL_MAX_SIZE": "0"}, stderr=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(1.5)  # a few healthy ticks first
        stack.postgres.stop()
        time.sleep(3)
        assert scheduler.poll() is None, "the scheduler died while PostgreSQL was away"
        stack.postgres.start()

        post_id = stack.manage("shell", "-c", SCHEDULE).strip().splitlines()[-1]
        status = f"from liveblog.models import Post; print(Post.objects.get(pk={post_id}).status)"
        wait_until(lambda: stack.manage("shell", "-c", status).split()[-1] == "published", timeout=40,
                   what="the post due after the outage was not published", interval=1)
        assert scheduler.poll() is None
    finally:
        scheduler.terminate()
        _, errors = scheduler.communicate(timeout=10)
    assert "Scheduler tick failed" in errors, errors[-3000:]
