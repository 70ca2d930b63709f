"""Fixtures for the REST API: clients as a partner, a journalist and nobody in particular."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import api_key_create


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser(username="admin", password="x" * 20)


@pytest.fixture
def partner_key(admin_user):
    """A raw partner key (as the partner holds it) with a small rate limit."""
    _, raw_key = api_key_create(name="Partner Daily", by=admin_user, rate_limit_per_minute=5)
    return raw_key


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def as_editor(editor):
    return token_client(editor)


@pytest.fixture
def as_contributor(contributor):
    return token_client(contributor)


@pytest.fixture
def as_reader(reader):
    return token_client(reader)


def posts_url(event) -> str:
    return f"/api/v1/events/{event.slug}/posts/"


def post_url(post) -> str:
    return f"/api/v1/events/{post.event.slug}/posts/{post.pk}/"
