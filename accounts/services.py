"""State changes for accounts: roles and partner API keys."""

import hashlib
import secrets

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.keycache import api_key_forget
from accounts.models import PartnerApiKey, Role, User
from liveblog import permissions

KEY_PREFIX_LENGTH = 8


def api_key_hash(raw_key: str) -> str:
    # Keys are 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, name: str, by: User, rate_limit_per_minute: int = 600) -> tuple[PartnerApiKey, str]:
    """Issue a partner key; the raw key is returned once and never stored."""
    permissions.require(by, "manage_api_keys")
    raw_key = secrets.token_urlsafe(32)
    key = PartnerApiKey(
        name=name,
        prefix=raw_key[:KEY_PREFIX_LENGTH],
        hashed_key=api_key_hash(raw_key),
        rate_limit_per_minute=rate_limit_per_minute,
        created_by=by,
    )
    key.full_clean()
    key.save()
    return key, raw_key


def api_key_revoke(*, key: PartnerApiKey, by: User) -> PartnerApiKey:
    """Stop a key from working from now on; it stays listed for the record."""
    permissions.require(by, "manage_api_keys")
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        hashed_key = key.hashed_key
        transaction.on_commit(lambda: api_key_forget(hashed_key=hashed_key), robust=True)
    return key


def api_key_find(*, raw_key: str) -> PartnerApiKey | None:
    """The active key matching what a partner sent, or None."""
    return PartnerApiKey.objects.filter(
        hashed_key=api_key_hash(raw_key), revoked_at__isnull=True
    ).first()


@transaction.atomic
def user_set_role(*, user: User, role: Role, by: User | None) -> User:
    """Give a journalist exactly one newsroom role (`by` is None only for setup scripts)."""
    if by is not None:
        permissions.require(by, "manage_users")
    user.groups.remove(*Group.objects.filter(name__in=Role.values))
    user.groups.add(Group.objects.get(name=role))
    permissions.forget_roles(user)
    return user
