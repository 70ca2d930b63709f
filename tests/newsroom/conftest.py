"""Newsroom fixtures: signed-in clients for every kind of account, and form data helpers."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.conftest import make_user


@pytest.fixture
def superuser(db):
    # A byline already set: test_byline.py covers the one a fresh createsuperuser lacks.
    return User.objects.create_superuser(username="boss", password="correct horse battery staple",
                                         display_name="Bo Boss", job_title="Editor in chief")


@pytest.fixture
def staff_without_role(db):
    return make_user("staffer", None, is_staff=True)


def signed_in(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def as_editor(editor):
    return signed_in(editor)


@pytest.fixture
def as_contributor(contributor):
    return signed_in(contributor)


@pytest.fixture
def accounts(editor, contributor, superuser, staff_without_role, reader):
    """Every kind of account, by name; None is nobody signed in."""
    return {
        "editor": editor, "contributor": contributor, "superuser": superuser,
        "staff_without_role": staff_without_role, "no_role": reader, "anonymous": None,
    }


def newsroom_url(event, name="event", *args) -> str:
    return reverse(f"admin:newsroom:{name}", args=[event.pk, *args])


def compose(**fields) -> dict:
    """A compose submit: the fields given, and two empty quote slots unless quotes are given."""
    data = {"headline": "", "kind": "update", "body": "", "intent": "draft",
            "quotes-TOTAL_FORMS": "2", "quotes-INITIAL_FORMS": "0"}
    data.update(fields)
    return data
