"""Fixtures for fault tests: the app in its production shape on a PostgreSQL and a Redis of its own."""

import shutil

import pytest

from tests.faults.harness import (
    OwnPostgres,
    OwnRedis,
    ProductionShape,
    collect_static,
    temporary_directory,
)

SETUP = """
from accounts.models import Role
from accounts.services import user_create
from liveblog import services
from rest_framework.authtoken.models import Token
editor = user_create(username="editor", display_name="Drill Editor", role=Role.EDITOR, by=None)
services.event_create(title="Fault drill", slug="fault-drill", by=editor, status="live")
print(Token.objects.create(user=editor).key)
"""


@pytest.fixture(scope="session")
def collected_static():
    """collectstatic once per run: production pages name static files by their hashes."""
    collect_static()


@pytest.fixture
def stack(collected_static):
    """A PostgreSQL and a Redis of the test's own, migrated, with one live event (`fault-drill`)
    and an editor's token; the app is configured for them but not yet started."""
    directory = temporary_directory()
    postgres, redis = OwnPostgres(directory), OwnRedis(directory)
    app = ProductionShape(postgres=postgres, redis=redis, directory=directory)
    try:
        postgres.init()
        redis.start()
        app.manage("migrate", "--noinput")
        app.token = app.manage("shell", "-c", SETUP).strip().splitlines()[-1]
        app.slug = "fault-drill"
        app.postgres, app.redis = postgres, redis
        yield app
    finally:
        app.stop()
        redis.stop()
        postgres.close()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def production(stack):
    """The stack with its two uvicorn workers serving."""
    stack.start()
    return stack
