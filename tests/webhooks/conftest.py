"""Fixtures for webhooks: a partner's key, real local receivers and the worker's clock."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from accounts.services import api_key_create
from tests.conftest import make_user
from tests.webhooks.receiver import Receiver


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def second_receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def key_admin(db):
    return make_user("keys", None, is_superuser=True, is_staff=True)


@pytest.fixture
def partner(key_admin):
    """A partner's key, as the PartnerApiKey and as the raw key the partner sends."""
    key, raw_key = api_key_create(name="Partner Daily", by=key_admin, rate_limit_per_minute=1000)
    key.raw = raw_key
    return key


@pytest.fixture
def clock():
    """The worker's time, moved on by the test: `clock.now`, `clock.advance(seconds=…)`."""

    class Clock:
        now = datetime(2026, 3, 15, 9, 30, tzinfo=UTC)

        def advance(self, **delta):
            self.now += timedelta(**delta)
            return self.now

    return Clock()
