"""Partner API keys on the wire: a valid key reads at its own rate; a wrong or revoked one is told so."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import PartnerApiKey, User
from accounts.services import api_key_create, api_key_revoke

EVENTS = "/api/v1/events/"


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser(username="admin", password="x" * 20)


def client_with(header: str | None) -> APIClient:
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    return client


def test_a_valid_key_reads(admin_user):
    _, raw_key = api_key_create(name="Partner Daily", by=admin_user)
    assert client_with(f"Api-Key {raw_key}").get(EVENTS).status_code == 200


@pytest.mark.parametrize("header", ["Api-Key wrong", "Api-Key", "Api-Key two words", "api-key " + "x" * 500])
def test_a_wrong_key_is_a_clear_401(db, header):
    response = client_with(header).get(EVENTS)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "invalid_api_key"
    assert "key" in error["message"]
    assert "Api-Key" in response["WWW-Authenticate"]


def test_a_revoked_key_is_a_403_saying_so(admin_user):
    key, raw_key = api_key_create(name="Old partner", by=admin_user)
    api_key_revoke(key=key, by=admin_user)
    response = client_with(f"Api-Key {raw_key}").get(EVENTS)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "revoked_api_key"
    assert "revoked" in response.json()["error"]["message"]


def test_a_key_is_throttled_at_its_own_rate_with_retry_after(admin_user, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "2/min")
    _, raw_key = api_key_create(name="Partner Daily", by=admin_user, rate_limit_per_minute=4)
    partner = client_with(f"Api-Key {raw_key}")

    statuses = [partner.get(EVENTS).status_code for _ in range(5)]

    assert statuses == [200, 200, 200, 200, 429]
    response = partner.get(EVENTS)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["error"]["code"] == "throttled"
    assert "Wait" in response.json()["error"]["message"]


def test_keys_have_separate_budgets(admin_user):
    _, first = api_key_create(name="First", by=admin_user, rate_limit_per_minute=1)
    _, second = api_key_create(name="Second", by=admin_user, rate_limit_per_minute=1)
    assert client_with(f"Api-Key {first}").get(EVENTS).status_code == 200
    assert client_with(f"Api-Key {first}").get(EVENTS).status_code == 429
    assert client_with(f"Api-Key {second}").get(EVENTS).status_code == 200


def test_anonymous_readers_are_throttled_per_address(db, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "2/min")
    anonymous = client_with(None)
    assert [anonymous.get(EVENTS).status_code for _ in range(3)] == [200, 200, 429]
    # Another address has its own budget; X-Forwarded-For is not trusted without NUM_PROXIES.
    assert anonymous.get(EVENTS, REMOTE_ADDR="10.0.0.2").status_code == 200
    assert anonymous.get(EVENTS, HTTP_X_FORWARDED_FOR="10.0.0.3").status_code == 429


def test_create_command_prints_a_working_key(admin_user):
    out, err = StringIO(), StringIO()
    call_command("api_key_create", "Partner Daily", "--rate-limit", "30", stdout=out, stderr=err)
    raw_key = out.getvalue().strip()
    key = PartnerApiKey.objects.get()
    assert key.rate_limit_per_minute == 30 and key.created_by == admin_user
    assert raw_key not in (key.hashed_key, key.prefix)
    assert key.prefix in err.getvalue()
    assert client_with(f"Api-Key {raw_key}").get(EVENTS).status_code == 200


def test_revoke_command_stops_a_key_by_its_prefix(admin_user):
    key, raw_key = api_key_create(name="Partner Daily", by=admin_user)
    out = StringIO()
    call_command("api_key_revoke", key.prefix, stdout=out)
    assert "Revoked" in out.getvalue()
    assert client_with(f"Api-Key {raw_key}").get(EVENTS).status_code == 403
    call_command("api_key_revoke", str(key.pk), stdout=out)
    assert "already revoked" in out.getvalue()


def test_list_command_shows_prefixes_and_state(admin_user):
    key, _ = api_key_create(name="Partner Daily", by=admin_user)
    out = StringIO()
    call_command("api_key_list", stdout=out)
    assert key.prefix in out.getvalue() and "active" in out.getvalue()


def test_commands_need_a_superuser_and_a_real_key(db):
    with pytest.raises(CommandError, match="Partner keys are managed by a superuser"):
        call_command("api_key_create", "Partner Daily")
    assert not PartnerApiKey.objects.exists()
    with pytest.raises(CommandError, match="No single partner key has the prefix or id 'nope'"):
        call_command("api_key_revoke", "nope")
