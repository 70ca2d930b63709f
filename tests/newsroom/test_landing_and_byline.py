"""Where journalists land after signing in (the newsroom's event list, live events first),
and the byline every journalist sets before their first post, so none shows a username."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from accounts.models import User
from accounts.services import user_set_byline
from liveblog import services
from liveblog.models import Post
from tests.conftest import make_user
from tests.helpers import html_element, html_elements, html_text
from tests.newsroom.conftest import compose, newsroom_url, signed_in

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
EVENT_LIST = "/admin/newsroom/"
BYLINE = "/admin/newsroom/byline/"


@pytest.fixture
def fresh_superuser(db):
    """As `manage.py createsuperuser` makes one: a username, and no name readers could see."""
    return User.objects.create_superuser(username="ada", password=PASSWORD)


def sign_in(username: str, next_url: str | None = None):
    client = Client()
    login = "/admin/login/" + (f"?next={next_url}" if next_url else "")
    form = client.get(login).content.decode()
    hidden_next = html_element(form, "input", name="next")
    response = client.post(login, {"username": username, "password": PASSWORD,
                                   "next": dict(hidden_next.attributes)["value"]})
    return client, response


def test_signing_in_lands_on_the_newsroom_event_list_with_live_events_first(editor):
    ended = services.event_create(title="Last week's vote", by=editor, status="ended")
    upcoming = services.event_create(title="Tomorrow's debate", by=editor, status="scheduled")
    live = services.event_create(title="Summit today", by=editor, status="live")

    client, response = sign_in("editor")

    assert response.status_code == 302 and response["Location"] == EVENT_LIST
    page = client.get(EVENT_LIST).content.decode()
    titles = [html_text(h) for h in html_elements(html_element(page, "ul", id="newsroom-events"), "h3")]
    assert titles == ["Summit today", "Tomorrow's debate", "Last week's vote"]
    links = [dict(a.attributes)["href"] for a in html_elements(page, "a") if dict(a.attributes).get("href")]
    for event in (live, upcoming, ended):
        assert newsroom_url(event) in links and event.get_absolute_url() in links


def test_signing_in_on_the_way_to_a_page_still_goes_there(editor, event):
    _, response = sign_in("editor", next_url=newsroom_url(event))

    assert response["Location"] == newsroom_url(event)


def test_event_list_reads_a_fixed_number_of_queries(as_editor, editor, django_assert_max_num_queries):
    for number in range(5):
        services.event_create(title=f"Event {number}", by=editor, status="live")

    with django_assert_max_num_queries(8):
        assert as_editor.get(EVENT_LIST).status_code == 200


def test_event_list_is_for_journalists_only(reader, client):
    assert client.get(EVENT_LIST)["Location"].startswith("/admin/login/")
    assert signed_in(reader).get(EVENT_LIST)["Location"].startswith("/admin/login/")


def test_a_new_superuser_is_asked_for_a_byline_before_the_first_post(fresh_superuser, event):
    client = signed_in(fresh_superuser)

    asked = client.get(newsroom_url(event))
    refused_post = client.post(newsroom_url(event), compose(headline="Signed ada?", intent="publish"))

    assert asked.status_code == 302 and asked["Location"].startswith(BYLINE)
    assert refused_post.status_code == 302 and not Post.objects.exists()
    form = client.get(asked["Location"]).content.decode()
    assert html_element(form, "input", name="display_name") and html_element(form, "input", name="job_title")

    saved = client.post(asked["Location"], {"display_name": "Ada Lovelace", "job_title": "Science editor",
                                            "next": newsroom_url(event)})
    assert saved["Location"] == newsroom_url(event)
    client.post(newsroom_url(event), compose(headline="Signed properly", intent="publish"))

    live_page = client.get(event.get_absolute_url()).content.decode()
    byline = html_text(html_element(live_page, "p", class_="post__byline"))
    assert "Ada Lovelace" in byline and "Science editor" in byline and "ada" not in byline.replace("Ada", "")


def test_a_byline_without_a_name_is_a_form_error_and_nothing_changes(fresh_superuser):
    client = signed_in(fresh_superuser)

    response = client.post(BYLINE, {"display_name": "   ", "job_title": "Reporter"})

    fresh_superuser.refresh_from_db()
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert (fresh_superuser.display_name, fresh_superuser.job_title) == ("", "")


def test_byline_form_never_sends_a_journalist_to_another_site(fresh_superuser):
    client = signed_in(fresh_superuser)

    response = client.post(BYLINE, {"display_name": "Ada Lovelace", "job_title": "Science editor",
                                    "next": "https://evil.example/"})

    assert response["Location"] == EVENT_LIST


def test_colleagues_without_a_byline_cannot_be_credited(as_editor, event):
    make_user("nameless", "contributor")

    page = as_editor.get(newsroom_url(event)).content.decode()

    labels = [html_text(label) for label in html_elements(html_element(page, "div", class_="nr-field nr-field--authors"),
                                                          "label")]
    assert "nameless" not in " ".join(labels)
    assert any("Ada Editor" in label for label in labels)


def test_only_the_journalist_or_an_admin_changes_a_byline(editor, contributor):
    with pytest.raises(PermissionDenied, match="manage users"):
        user_set_byline(user=contributor, display_name="Someone else", job_title="", by=editor)
    with pytest.raises(ValidationError, match="name readers will see"):
        user_set_byline(user=contributor, display_name=" ", job_title="Reporter", by=contributor)

    contributor.refresh_from_db()
    assert contributor.display_name == "Cal Contributor"
