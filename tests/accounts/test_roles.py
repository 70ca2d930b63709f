"""Roles change only through accounts.services: in the admin, a role is one choice, never raw groups."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertInHTML

from accounts.models import Role, User
from accounts.roles import Action, user_actions
from accounts.services import user_clear_role, user_create, user_set_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss():
    return User.objects.create_superuser(username="boss", password="correct horse battery staple")


@pytest.fixture
def as_boss(boss):
    client = Client()
    client.force_login(boss)
    return client


def role_names(user) -> list[str]:
    return sorted(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


def change_form(user, **fields) -> dict:
    """The admin's user change form as the browser sends it."""
    return {
        "username": user.username, "first_name": "", "last_name": "", "email": "", "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"), "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "", "last_login_1": "", "display_name": user.display_name, "job_title": user.job_title,
        "newsroom_role": "", **fields,
    }


def test_the_admin_saves_the_chosen_role_through_the_service(as_boss, contributor):
    response = as_boss.post(reverse("admin:accounts_user_change", args=[contributor.pk]),
                            change_form(contributor, newsroom_role="editor"))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert role_names(contributor) == ["editor"]


def test_the_admin_cannot_give_a_user_two_roles(as_boss, contributor):
    both = [Group.objects.get(name=Role.CONTRIBUTOR).pk, Group.objects.get(name=Role.EDITOR).pk]

    response = as_boss.post(reverse("admin:accounts_user_change", args=[contributor.pk]),
                            change_form(contributor, newsroom_role="contributor", groups=both))

    assert response.status_code == 302
    assert role_names(contributor) == ["contributor"]


def test_the_admin_user_page_offers_one_role_choice_and_no_group_boxes(as_boss, editor):
    page = as_boss.get(reverse("admin:accounts_user_change", args=[editor.pk])).content.decode()

    assert 'name="newsroom_role"' in page
    assertInHTML('<option value="editor" selected>Editor</option>', page)
    assert 'name="groups"' not in page and 'name="user_permissions"' not in page


def test_taking_the_role_away_in_the_admin_shuts_the_newsroom(as_boss, editor):
    response = as_boss.post(reverse("admin:accounts_user_change", args=[editor.pk]), change_form(editor))

    assert response.status_code == 302
    assert role_names(editor) == []
    assert user_actions(User.objects.get(pk=editor.pk)) == frozenset()


def test_only_admins_change_roles(editor, contributor):
    with pytest.raises(PermissionDenied, match="You are not allowed to manage users."):
        user_set_role(user=contributor, role=Role.EDITOR, by=editor)
    with pytest.raises(PermissionDenied, match="You are not allowed to manage users."):
        user_clear_role(user=contributor, by=editor)

    assert role_names(contributor) == ["contributor"]


def test_user_create_opens_an_account_with_one_role_and_no_password(boss):
    user = user_create(username="new.reporter", display_name="Nia Reporter", job_title="Reporter",
                       role=Role.CONTRIBUTOR, by=boss)

    stored = User.objects.get(pk=user.pk)
    assert (stored.byline_name, stored.job_title) == ("Nia Reporter", "Reporter")
    assert not stored.has_usable_password()
    assert role_names(stored) == ["contributor"]
    assert Action.PUBLISH not in user_actions(stored) and Action.CREATE_DRAFT in user_actions(stored)


def test_user_create_is_for_admins_and_refuses_a_taken_username(editor):
    with pytest.raises(PermissionDenied, match="You are not allowed to manage users."):
        user_create(username="sneaky", by=editor)
    with pytest.raises(ValidationError, match="already exists"):
        user_create(username="editor", by=None)

    assert not User.objects.filter(username="sneaky").exists()
    assert User.objects.filter(username="editor").count() == 1


def test_demo_journalists_are_editors_made_by_the_service(db):
    from liveblog import demo

    demo.demo_load()

    journalists = User.objects.filter(username__startswith="demo.")
    assert journalists.count() == len(demo.JOURNALISTS)
    for journalist in journalists:
        assert role_names(journalist) == ["editor"] and not journalist.has_usable_password()
