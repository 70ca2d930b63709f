"""Browser tests: Debian's Chromium driven by Playwright against a real ASGI server.

The server is uvicorn in a subprocess, on the test database and the test
Redis, so a post published by the test travels the production path:
service → commit → Redis pub/sub → consumer → the page's websocket.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PROJECT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def live_server_url(django_db_setup, django_db_blocker):
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is needed for browser tests: apt-get install chromium")
    port = _free_port()
    with django_db_blocker.unblock():
        env = {**os.environ, "DATABASE_URL": _database_url(), "DEBUG": "1", "ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--ws-per-message-deflate", "false"],
        cwd=PROJECT, env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        pytest.fail("the test ASGI server did not start")
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
async def browser():
    # The async API keeps Playwright's event loop off the thread where Django's
    # sync fixtures (users, events, the database flush) run.
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  # A page a test hands the browser itself (a cache's old copy) has no network
                  # address, and Chromium would then refuse its sockets to 127.0.0.1.
                  "--disable-features=LocalNetworkAccessChecks"],
        )
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser):
    context = await browser.new_context(viewport={"width": 412, "height": 900})
    yield await context.new_page()
    await context.close()


@pytest.fixture
async def in_thread(transactional_db):
    """Run Django code in asgiref's worker thread, as the async tests must."""

    async def run(function, *args, **kwargs):
        return await sync_to_async(function)(*args, **kwargs)

    yield run
    await sync_to_async(connections.close_all)()
