"""Shared fixtures. The suite runs on real PostgreSQL and Redis (see `make test`)."""

import functools
import os
import socket
from urllib.parse import urlparse

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections

from accounts.models import Role, User
from accounts.services import user_set_role
from liveblog import services
from tests import helpers

START_HINTS = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def pytest_configure(config):
    """Fail at once, in one line, when a service the suite needs is missing."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        pytest.exit(
            "The tests need PostgreSQL: set DATABASE_URL=postgres://... or run them with `make test`.",
            returncode=2,
        )
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        pytest.exit("The tests need Redis: set REDIS_URL=redis://... or run them with `make test`.", returncode=2)
    checks = {
        "PostgreSQL": (database.get("HOST") or "127.0.0.1", int(database.get("PORT") or 5432)),
        "Redis": (urlparse(redis_url).hostname or "127.0.0.1", urlparse(redis_url).port or 6379),
    }
    for name, (host, port) in checks.items():
        if not _reachable(host, port):
            pytest.exit(
                f"{name} is not reachable at {host}:{port}; start it with: {START_HINTS[name]}",
                returncode=2,
            )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashers are slow on purpose; tests create many users and prove nothing about hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache():
    """Sign-in counts and API throttles live in the cache; every test starts with none spent."""
    helpers.clear_cache()
    yield
    helpers.clear_cache()


@pytest.fixture(autouse=True)
def forget_live_event_ids():
    """The live consumer remembers slugs' event ids; tests empty the database without the
    delete signals that would make it forget, and the next test's event reuses the slug."""
    from liveblog.consumers import event_ids

    event_ids.ids.clear()
    yield
    event_ids.ids.clear()


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded pictures go to the test's own directory, never the project's media/."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def static_files_by_plain_name(settings):
    """Hashed names need collectstatic's manifest; the suite renders pages without running it
    (tests/faults runs it, and checks the hashed names, in the production shape)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
async def close_worker_connections():
    """For async tests: the services ran in asgiref's worker thread; close its database
    connection so the test database can be dropped."""
    yield
    await sync_to_async(connections.close_all)()


def make_user(username: str, role: str | None, **profile) -> User:
    user = User.objects.create_user(username=username, password="correct horse battery staple", **profile)
    if role is not None:
        user_set_role(user=user, role=Role(role), by=None)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def editor(db):
    return make_user("editor", "editor", display_name="Ada Editor", job_title="Live editor")


@pytest.fixture
def contributor(db):
    return make_user("contributor", "contributor", display_name="Cal Contributor", job_title="Reporter")


@pytest.fixture
def reader(db):
    """An account with no newsroom role."""
    return make_user("reader", None)


@pytest.fixture
def event(editor):
    return services.event_create(title="Coalition summit", by=editor, status="live")


@pytest.fixture
def speaker(editor):
    return services.speaker_create(
        name="Keir Starmer", role="Prime Minister", organisation="United Kingdom", by=editor
    )


@pytest.fixture
def publish(editor, event):
    """`helpers.publish` as the editor, on the event: `publish("Headline", body=..., quotes=...)`."""
    return functools.partial(helpers.publish, event, editor)


# Test directories that run the app in its production shape, which serves hashed static files.
PRODUCTION_SHAPE_TESTS = frozenset({"faults", "cluster", "deploy"})


def pytest_collection_finish(session):
    """collectstatic before the first test, outside any test's timeout: on a busy machine it takes
    minutes, which would otherwise be charged to whichever production-shape test ran first."""
    if any(PRODUCTION_SHAPE_TESTS & set(item.path.parts) for item in session.items):
        from tests.faults.harness import collect_static

        collect_static()
