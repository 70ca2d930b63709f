"""Admin sign-in: password guessing is cut off after a few tries; journalists with a role get in."""

import pytest
from django.test import Client

from accounts import login_throttle
from accounts.forms import THROTTLED_MESSAGE
from tests.helpers import clear_cache

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOGIN_URL = "/admin/login/?next=/admin/"


def sign_in(client, username, password, ip="198.51.100.7"):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_journalist_with_a_role_signs_in_without_the_staff_flag(contributor):
    response = sign_in(Client(), "contributor", PASSWORD)

    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_account_without_role_or_staff_flag_is_refused(reader):
    response = sign_in(Client(), "reader", PASSWORD)

    assert response.status_code == 200
    assert "Please enter the correct username and password for a staff account" in response.content.decode()


def test_sixth_attempt_on_a_username_is_refused_even_with_the_right_password(editor):
    client = Client()
    for n in range(login_throttle.MAX_FAILURES):
        # Different addresses: the username's own count is what stops this.
        assert sign_in(client, "editor", "wrong", ip=f"203.0.113.{n}").status_code == 200

    response = sign_in(client, "editor", PASSWORD, ip="203.0.113.99")

    assert response.status_code == 200
    assert THROTTLED_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_one_address_guessing_many_usernames_is_cut_off(editor, contributor):
    client = Client()
    for n in range(login_throttle.MAX_FAILURES):
        sign_in(client, f"guess{n}", "wrong")

    response = sign_in(client, "contributor", PASSWORD)

    assert THROTTLED_MESSAGE in response.content.decode()


def test_the_window_ends_and_the_right_password_works_again(editor):
    client = Client()
    for _ in range(login_throttle.MAX_FAILURES):
        sign_in(client, "editor", "wrong")
    assert THROTTLED_MESSAGE in sign_in(client, "editor", PASSWORD).content.decode()

    clear_cache()  # what the cache does when WINDOW_SECONDS have passed

    assert sign_in(client, "editor", PASSWORD).status_code == 302


def test_a_success_clears_the_usernames_count(editor):
    client = Client()
    for _ in range(login_throttle.MAX_FAILURES - 1):
        sign_in(client, "editor", "wrong", ip="192.0.2.1")
    assert sign_in(client, "editor", PASSWORD, ip="192.0.2.2").status_code == 302

    other = Client()
    for _ in range(login_throttle.MAX_FAILURES - 1):
        sign_in(other, "editor", "wrong", ip="192.0.2.3")

    assert sign_in(other, "editor", PASSWORD, ip="192.0.2.3").status_code == 302


def test_usernames_are_counted_case_insensitively_and_odd_input_is_harmless(editor):
    client = Client()
    for name in ["EDITOR", "Editor", " editor", "editor", "eDiToR"]:
        sign_in(client, name, "wrong", ip="192.0.2.50")
    odd = [sign_in(Client(), "x" * 5000, "wrong", ip="192.0.2.60"), sign_in(Client(), "nul\x00", "x", ip="192.0.2.61")]

    assert THROTTLED_MESSAGE in sign_in(Client(), "editor", PASSWORD, ip="192.0.2.70").content.decode()
    assert all(response.status_code == 200 for response in odd)

