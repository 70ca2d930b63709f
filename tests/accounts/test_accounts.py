"""Journalist accounts, roles and partner keys."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from accounts.models import PartnerApiKey, Role, User
from accounts.services import (
    api_key_create,
    api_key_find,
    api_key_hash,
    api_key_revoke,
    user_set_role,
)


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser(username="admin", password="x" * 20)


def test_roles_exist_after_migration_with_admin_permissions(db):
    editor = Group.objects.get(name=Role.EDITOR)
    contributor = Group.objects.get(name=Role.CONTRIBUTOR)
    assert editor.permissions.filter(codename="change_event").exists()
    assert not contributor.permissions.filter(codename="change_event").exists()
    assert contributor.permissions.filter(codename="add_post").exists()


def test_a_journalist_holds_one_role_at_a_time(db):
    user = User.objects.create_user(username="sam")
    user_set_role(user=user, role=Role.CONTRIBUTOR, by=None)
    user_set_role(user=user, role=Role.EDITOR, by=None)
    assert list(user.groups.values_list("name", flat=True)) == ["editor"]


def test_byline_name_falls_back_to_full_name_then_username(db):
    user = User.objects.create_user(username="jdoe", first_name="Jo", last_name="Doe")
    assert user.byline_name == "Jo Doe"
    user.display_name = "Jo D."
    assert user.byline_name == "Jo D."
    assert User(username="anon").byline_name == "anon"


def test_partner_key_is_stored_only_as_a_hash(admin_user):
    key, raw = api_key_create(name="Partner Daily", by=admin_user, rate_limit_per_minute=120)
    stored = PartnerApiKey.objects.get(pk=key.pk)
    assert raw not in (stored.hashed_key, stored.prefix)
    assert stored.hashed_key == api_key_hash(raw)
    assert stored.prefix == raw[:8]
    assert api_key_find(raw_key=raw) == stored
    assert api_key_find(raw_key=raw + "x") is None


def test_revoked_key_no_longer_matches(admin_user):
    key, raw = api_key_create(name="Old partner", by=admin_user)
    api_key_revoke(key=key, by=admin_user)
    assert api_key_find(raw_key=raw) is None
    assert PartnerApiKey.objects.get(pk=key.pk).revoked_at is not None


def test_only_admins_issue_keys(editor):
    with pytest.raises(PermissionDenied, match="not allowed to manage partner API keys"):
        api_key_create(name="Sneaky", by=editor)
    assert not PartnerApiKey.objects.exists()
