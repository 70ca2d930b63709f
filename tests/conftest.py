"""Shared fixtures. The suite runs on real PostgreSQL and Redis (see `make test`)."""

import os
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings

from accounts.models import Role, User
from accounts.services import user_set_role
from liveblog import services

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
    """Publish a post through the services, as an editor would."""

    def _publish(headline: str = "An update", body: str = "<p>Text</p>", **kwargs):
        draft = services.post_create_draft(event=event, by=editor, headline=headline, body=body, **kwargs)
        return services.post_publish(post=draft, by=editor)

    return _publish
