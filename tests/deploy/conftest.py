"""The production shape as `make prod` runs it (deploy/run_prod.py: nginx, two uvicorn workers,
the scheduler), on a PostgreSQL and a Redis of the test's own and on free ports, never 8080."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.faults.harness import PROJECT, OwnPostgres, OwnRedis, free_port, temporary_directory

JOURNALIST_SETUP = """
from accounts.models import Role
from accounts.services import user_create
from django.conf import settings
from liveblog.models import Event
from rest_framework.authtoken.models import Token
editor = user_create(username="smoke.editor", display_name="Smoke Editor", role=Role.EDITOR, by=None)
editor.set_password("smoke-test-password-7351")
editor.save()
event = Event.objects.get(slug=settings.LIVEBLOG_DEMO_EVENT_SLUG)
print(Token.objects.create(user=editor).key, event.pk, event.slug)
"""


class ProxiedShape:
    """deploy/run_prod.py started as `make prod` starts it; every request goes through nginx."""

    def __init__(self, directory: Path, *, postgres: OwnPostgres, redis: OwnRedis):
        self.http_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.http_port}"
        # Beside the databases' directory (PostgreSQL's own, mode 0700): nginx's workers run as
        # another user and must read the files, as they read a deploy's media and static roots.
        self.public = Path(tempfile.mkdtemp(prefix="liveblog-smoke-"))
        self.public.chmod(0o755)
        self.media_root = self.public / "media"
        self.log = directory / "prod.log"
        self.env = {
            **os.environ,
            "SECRET_KEY": "smoke-" + os.urandom(16).hex(),
            "DATABASE_URL": postgres.url,
            "REDIS_URL": redis.url(0),
            "CACHE_URL": redis.url(1),
            "MEDIA_ROOT": str(self.media_root),
            "STATIC_ROOT": str(self.public / "static"),
            "LIVEBLOG_HTTP_PORT": str(self.http_port),
            "LIVEBLOG_APP_PORT": str(free_port()),
            "API_JOURNALIST_RATE": "100000/min",
            "API_ANON_RATE": "100000/min",
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("wb") as log:
            # A session of its own, so the cleanup can reach every process it started.
            self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
                [sys.executable, "deploy/run_prod.py"], cwd=PROJECT, env=self.env,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + 300
        while b"prod: serving on" not in self.log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"make prod's shape did not come up:\n{self.output()}")
            time.sleep(0.5)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def manage(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "manage.py", *args], cwd=PROJECT, env={**self.env, "DEBUG": "0"},
            capture_output=True, text=True, timeout=120, check=True,
        )
        return done.stdout

    def stop(self) -> None:
        """SIGTERM, as Ctrl-C would; whatever is still there after 30 s is killed."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=5)


@pytest.fixture(scope="module")
def prod():
    directory = temporary_directory()
    postgres, redis = OwnPostgres(directory), OwnRedis(directory)
    shape = ProxiedShape(directory, postgres=postgres, redis=redis)
    try:
        postgres.init()
        redis.start()
        shape.start()
        token, event_id, slug = shape.manage("shell", "-c", JOURNALIST_SETUP).split()[-3:]
        shape.token, shape.event_id, shape.slug = token, int(event_id), slug
        yield shape
    finally:
        shape.stop()
        redis.stop()
        postgres.close()
        shutil.rmtree(directory, ignore_errors=True)
        shutil.rmtree(shape.public, ignore_errors=True)
