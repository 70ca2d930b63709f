"""Partner API keys in the admin: issued through the service, shown once, revocable."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import PartnerApiKey, User
from accounts.services import api_key_create, api_key_find
from tests.helpers import html_element, html_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db):
    boss = User.objects.create_superuser(username="boss", password="x" * 20)
    client = Client()
    client.force_login(boss)
    client.user = boss
    return client


def test_new_key_is_shown_once_then_only_by_its_prefix(admin_client):
    response = admin_client.post(reverse("admin:accounts_partnerapikey_add"),
                                 {"name": "Partner Daily", "rate_limit_per_minute": 120})

    key = PartnerApiKey.objects.get()
    page = response.content.decode()
    raw_key = html_text(html_element(page, "code", id="partner-api-key"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert api_key_find(raw_key=raw_key) == key
    assert (key.name, key.rate_limit_per_minute, key.created_by) == ("Partner Daily", 120, admin_client.user)
    listing = admin_client.get(reverse("admin:accounts_partnerapikey_changelist")).content.decode()
    detail = admin_client.get(reverse("admin:accounts_partnerapikey_change", args=[key.pk])).content.decode()
    assert key.prefix in listing
    assert raw_key not in listing and raw_key not in detail


def test_bad_key_form_is_a_form_error(admin_client):
    response = admin_client.post(reverse("admin:accounts_partnerapikey_add"), {"name": "", "rate_limit_per_minute": "-5"})

    assert response.status_code == 400 and not PartnerApiKey.objects.exists()


def test_revoke_action_stops_a_key(admin_client):
    key, raw_key = api_key_create(name="Partner", by=admin_client.user)

    response = admin_client.post(reverse("admin:accounts_partnerapikey_changelist"),
                                 {"action": "revoke", "_selected_action": [key.pk]})

    key.refresh_from_db()
    assert response.status_code == 302
    assert key.revoked_at is not None and api_key_find(raw_key=raw_key) is None


def test_keys_cannot_be_edited_or_deleted_in_the_admin(admin_client):
    key, _ = api_key_create(name="Partner", by=admin_client.user)

    admin_client.post(reverse("admin:accounts_partnerapikey_change", args=[key.pk]), {"name": "Renamed"})
    delete = admin_client.post(reverse("admin:accounts_partnerapikey_delete", args=[key.pk]), {"post": "yes"})

    key.refresh_from_db()
    assert key.name == "Partner" and delete.status_code == 403


def test_superuser_gives_roles_from_the_user_list(admin_client):
    journalist = User.objects.create_user(username="newbie", password="x" * 20)

    admin_client.post(reverse("admin:accounts_user_changelist"),
                      {"action": "make_editor", "_selected_action": [journalist.pk]})

    assert list(journalist.groups.values_list("name", flat=True)) == ["editor"]
    assert "Editor" in admin_client.get(reverse("admin:accounts_user_changelist")).content.decode()
