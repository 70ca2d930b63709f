"""State changes for accounts: journalists, their roles and partner API keys.

The one door for these: the admin, management commands and the demo loader
call them, so "exactly one newsroom role" and "only admins manage keys" hold
everywhere.
"""

import hashlib
import secrets
from urllib.parse import urlsplit

import redis
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from accounts.keycache import api_key_forget
from accounts.models import PartnerApiKey, Role, User
from accounts.roles import Action, forget_roles, user_require

KEY_PREFIX_LENGTH = 8

# What readers see of a journalist on every post they are credited on.
BYLINE_FIELDS = ("display_name", "job_title", "avatar")

# Sent (user=, by=) inside the transaction that changed a byline. accounts knows nothing of
# posts: the live blog listens and makes each published post crediting the user a public change.
byline_changed = Signal()
# Every process keeps the embed origins this long: a change reaches the process that made it
# at once and the others (their own memory cache, without CACHE_URL) within this time.
EMBED_ORIGINS_CACHE_SECONDS = 60
EMBED_ORIGINS_CACHE_KEY = "accounts:embed-origins"


def api_key_hash(raw_key: str) -> str:
    # Keys are 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *, name: str, by: User, rate_limit_per_minute: int = 600, embed_origins: list[str] | None = None
) -> tuple[PartnerApiKey, str]:
    """Issue a partner key; the raw key is returned once and never stored."""
    user_require(by, Action.MANAGE_API_KEYS)
    raw_key = secrets.token_urlsafe(32)
    key = PartnerApiKey(
        name=name,
        prefix=raw_key[:KEY_PREFIX_LENGTH],
        hashed_key=api_key_hash(raw_key),
        rate_limit_per_minute=rate_limit_per_minute,
        created_by=by,
        embed_origins=embed_origins_clean(embed_origins or []),
    )
    key.full_clean()
    key.save()
    _embed_origins_forget_on_commit()
    return key, raw_key


def api_key_revoke(*, key: PartnerApiKey, by: User) -> PartnerApiKey:
    """Stop a key from working from now on; it stays listed for the record."""
    user_require(by, Action.MANAGE_API_KEYS)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        hashed_key = key.hashed_key
        transaction.on_commit(lambda: api_key_forget(hashed_key=hashed_key), robust=True)
        _embed_origins_forget_on_commit()
    return key


def embed_origins_clean(origins: list[str]) -> list[str]:
    """Origins as browsers send them (`https://partner.example[:port]`, lower case, no path),
    without repeats; anything else is refused with the offending line named."""
    cleaned = []
    for given in origins:
        origin = given.strip().rstrip("/").lower()
        if not origin:
            continue
        try:
            parts = urlsplit(origin)
            port = parts.port
        except ValueError:
            parts, port = None, None
        if (
            parts is None or parts.scheme not in ("http", "https") or not parts.hostname
            or parts.path or parts.query or parts.fragment or parts.username or parts.password
        ):
            raise ValidationError(
                f"{given.strip()!r} is not an origin; write the scheme and host only, e.g. https://partner.example.",
                code="invalid_embed_origin",
            )
        normal = f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port is not None else "")
        if normal not in cleaned:
            cleaned.append(normal)
    return cleaned


@transaction.atomic
def api_key_set_embed_origins(*, key: PartnerApiKey, origins: list[str], by: User) -> PartnerApiKey:
    """Choose which partner sites may show the embeddable live blog (frame it and open its socket)."""
    user_require(by, Action.MANAGE_API_KEYS)
    key.embed_origins = embed_origins_clean(origins)
    key.save(update_fields=["embed_origins"])
    _embed_origins_forget_on_commit()
    return key


def embed_origins_listed() -> frozenset[str]:
    """Every origin an active partner key may embed on, read now: the embed page's
    `frame-ancestors` (one small query; the page itself is cached downstream)."""
    listed = PartnerApiKey.objects.filter(revoked_at__isnull=True).values_list("embed_origins", flat=True)
    return frozenset(origin for origins in listed for origin in origins)


def embed_origins_allowed() -> frozenset[str]:
    """The same origins for the socket's Origin check, cached so that handshakes from foreign
    origins cannot each cost a query. A change clears the cache; a per-process cache (no
    CACHE_URL) in other processes catches up within EMBED_ORIGINS_CACHE_SECONDS."""
    try:
        origins = cache.get(EMBED_ORIGINS_CACHE_KEY)
    except (redis.RedisError, OSError):
        origins = None  # a shared cache that is away costs a query, never a refused partner
    if origins is None:
        origins = sorted(embed_origins_listed())
        try:
            cache.set(EMBED_ORIGINS_CACHE_KEY, origins, EMBED_ORIGINS_CACHE_SECONDS)
        except (redis.RedisError, OSError):
            pass
    return frozenset(origins)


def _embed_origins_forget_on_commit() -> None:
    # robust: a cache that is away must not undo the saved change; the entry expires anyway.
    transaction.on_commit(lambda: cache.delete(EMBED_ORIGINS_CACHE_KEY), robust=True)


def api_key_find(*, raw_key: str) -> PartnerApiKey | None:
    """The active key matching what a partner sent, or None."""
    return PartnerApiKey.objects.filter(
        hashed_key=api_key_hash(raw_key), revoked_at__isnull=True
    ).first()


@transaction.atomic
def user_create(
    *,
    username: str,
    by: User | None,
    display_name: str = "",
    job_title: str = "",
    email: str = "",
    role: Role | None = None,
) -> User:
    """Open an account for a journalist, with the byline readers will see and at most one role.

    The account has no usable password: its owner sets one through a password
    reset, or an admin sets it. `by` is None only for setup scripts (the demo).
    """
    if by is not None:
        user_require(by, Action.MANAGE_USERS)
    user = User(username=username, display_name=display_name.strip(), job_title=job_title.strip(), email=email)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    if role is not None:
        user_set_role(user=user, role=role, by=by)
    return user


@transaction.atomic
def user_set_role(*, user: User, role: Role, by: User | None) -> User:
    """Give a journalist exactly one newsroom role (`by` is None only for setup scripts)."""
    if by is not None:
        user_require(by, Action.MANAGE_USERS)
    _roles_remove(user)
    user.groups.add(Group.objects.get(name=Role(role)))
    forget_roles(user)
    return user


@transaction.atomic
def user_clear_role(*, user: User, by: User | None) -> User:
    """Take a journalist's newsroom role away: without one they no longer get into the newsroom."""
    if by is not None:
        user_require(by, Action.MANAGE_USERS)
    _roles_remove(user)
    forget_roles(user)
    return user


def _roles_remove(user: User) -> None:
    user.groups.remove(*Group.objects.filter(name__in=Role.values))


@transaction.atomic
def user_byline_update(
    *, user: User, by: User, display_name: str | None = None, job_title: str | None = None, avatar=None
) -> User:
    """Correct the byline readers see (name, job title, avatar): their own, or anyone's for an admin.

    Every published post crediting the user shows the correction at once, on open
    pages, in the changes feed and at partners (see `byline_changed`).
    """
    if by.pk != user.pk:
        user_require(by, Action.MANAGE_USERS)
    # NO KEY UPDATE: crediting the user on a new post (under its event's lock) only needs KEY
    # SHARE on this row, so it never waits for us while we wait for that event: no deadlock.
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    shown = byline_state(user)
    if display_name is not None:
        user.display_name = display_name.strip()
    if job_title is not None:
        user.job_title = job_title.strip()
    if avatar is not None:
        user.avatar = avatar
    user.full_clean()
    user.save()
    byline_announce(user=user, by=by, before=shown)
    return user


def byline_state(user: User) -> tuple:
    return tuple(str(getattr(user, field) or "") for field in BYLINE_FIELDS) + (user.byline_name,)


def byline_announce(*, user: User, by: User | None, before: tuple) -> None:
    """For callers that saved the user themselves (the admin's form): announce a byline change, if any."""
    if byline_state(user) != before:
        byline_changed.send(sender=User, user=user, by=by)
def user_set_byline(*, user: User, display_name: str, job_title: str, by: User) -> User:
    """Set the name and job title readers see in a journalist's bylines (their own, or by an admin),
    from the newsroom's byline form, where a name is required."""
    if by.pk != user.pk:
        user_require(by, Action.MANAGE_USERS)
    if not display_name.strip():
        raise ValidationError("Write the name readers will see in your bylines.", code="display_name_missing")
    updated = user_byline_update(user=user, by=by, display_name=display_name, job_title=job_title)
    user.display_name, user.job_title = updated.display_name, updated.job_title
    return updated


def user_has_byline(user: User) -> bool:
    """Whether `user`'s posts would be signed with a real name, never a username."""
    return bool(user.display_name.strip())
