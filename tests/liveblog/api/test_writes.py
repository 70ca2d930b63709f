"""Journalists writing through the API with a DRF token: the admin's services and roles, and 409s."""

import pytest

from liveblog import services
from liveblog.models import EventChange, Post, Quote
from tests.liveblog.api.conftest import post_url, posts_url


@pytest.fixture
def clients(api, as_editor, as_contributor, as_reader, partner_key):
    partner = type(api)()
    partner.credentials(HTTP_AUTHORIZATION=f"Api-Key {partner_key}")
    return {"editor": as_editor, "contributor": as_contributor, "reader": as_reader, "anonymous": api,
            "partner": partner}


ROLE_MATRIX = [
    # action,              editor, contributor, reader, anonymous, partner
    ("create_draft",        201,    201,         403,    401,       403),
    ("create_published",    201,    403,         403,    401,       403),
    ("edit_own_draft",      200,    200,         404,    401,       403),
    ("edit_published",      200,    403,         403,    401,       403),
    ("publish",             200,    403,         404,    401,       403),
    ("pin",                 200,    403,         403,    401,       403),
    ("mark_key_event",      200,    403,         403,    401,       403),
    ("retract",             200,    403,         403,    401,       403),
    ("retract_by_delete",   200,    403,         403,    401,       403),
    ("add_quote",           201,    403,         403,    401,       403),
    ("add_speaker",         201,    201,         403,    401,       403),
]
ROLES = ["editor", "contributor", "reader", "anonymous", "partner"]


def attempt(action, client, *, event, speaker, draft, published):
    """One write, as the role's client sends it."""
    if action == "create_draft":
        return client.post(posts_url(event), {"headline": "New", "body": "<p>Hi</p>"}, format="json")
    if action == "create_published":
        return client.post(posts_url(event), {"headline": "New", "status": "published"}, format="json")
    if action == "edit_own_draft":
        return client.patch(post_url(draft), {"headline": "Better", "version": draft.version}, format="json")
    if action == "edit_published":
        return client.patch(post_url(published), {"body": "<p>Fixed</p>", "version": published.version}, format="json")
    if action == "publish":
        return client.patch(post_url(draft), {"status": "published", "version": draft.version}, format="json")
    if action == "pin":
        return client.patch(post_url(published), {"is_pinned": True, "version": published.version}, format="json")
    if action == "mark_key_event":
        return client.patch(post_url(published), {"is_key_event": True}, HTTP_IF_MATCH=f'"{published.version}"',
                            format="json")
    if action == "retract":
        return client.patch(post_url(published), {"status": "retracted", "retraction_note": "Wrong",
                                                  "version": published.version}, format="json")
    if action == "retract_by_delete":
        return client.delete(post_url(published), HTTP_IF_MATCH=f'"{published.version}"')
    if action == "add_quote":
        return client.post("/api/v1/quotes/", {"post": published.pk, "speaker": speaker.slug, "text": "Yes."},
                           format="json")
    if action == "add_speaker":
        return client.post("/api/v1/speakers/", {"name": "Emmanuel Macron", "role": "President"}, format="json")
    raise AssertionError(action)


@pytest.mark.parametrize(
    "action, role, expected",
    [(row[0], role, status) for row in ROLE_MATRIX for role, status in zip(ROLES, row[1:], strict=True)],
)
def test_role_matrix(clients, editor, contributor, event, speaker, publish, action, role, expected):
    # The draft belongs to the contributor, so "own draft" holds for them (editors edit any draft).
    draft = services.post_create_draft(event=event, by=contributor, headline="Draft")
    published = publish("Published")
    changes_before = EventChange.objects.count()

    response = attempt(action, clients[role], event=event, speaker=speaker, draft=draft, published=published)

    assert response.status_code == expected, response.content
    if expected >= 400:
        error = response.json()["error"]
        assert error["status"] == expected and error["message"]
        assert EventChange.objects.count() == changes_before, "a refused write changed nothing public"
    if expected == 401:
        assert "Token" in response["WWW-Authenticate"]


def test_a_contributor_asking_to_publish_leaves_no_stray_draft(as_contributor, event):
    response = as_contributor.post(posts_url(event), {"headline": "Scoop", "status": "published"}, format="json")
    assert response.status_code == 403
    assert not Post.objects.filter(headline="Scoop").exists()


def test_creating_a_published_post_reaches_readers_and_the_feed(api, as_editor, event, speaker):
    response = as_editor.post(
        posts_url(event),
        {"headline": "Deal agreed", "body": "<p>It is <em>done</em><script>x()</script></p>", "kind": "breaking",
         "status": "published", "is_key_event": True, "is_pinned": True,
         "quotes": [{"speaker": speaker.slug, "text": "A good day", "context": "told reporters"}]},
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert response["Location"] == f"http://testserver{post_url(Post.objects.get(pk=created['id']))}"
    assert created["body_html"] == "<p>It is <em>done</em></p>"
    assert created["is_key_event"] and created["is_pinned"] and created["kind"] == "breaking"
    assert created["quotes"][0]["speaker"]["slug"] == speaker.slug
    assert created["authors"] == [{"name": "Ada Editor", "job_title": "Live editor"}]

    feed = api.get(posts_url(event), {"after": 0}).json()
    assert [change["action"] for change in feed["changes"]] == ["post_published", "post_key_event", "post_pinned"]
    assert api.get(posts_url(event)).json()["results"][0]["id"] == created["id"]


def test_an_unknown_speaker_in_a_new_post_is_a_400(as_editor, event):
    response = as_editor.post(
        posts_url(event), {"headline": "Quote", "quotes": [{"speaker": "nobody", "text": "Hi"}]}, format="json"
    )
    assert response.status_code == 400
    assert "nobody" in response.json()["error"]["message"]
    assert not Post.objects.exists()


def test_pinning_a_draft_is_a_400_and_nothing_is_created(as_editor, event):
    response = as_editor.post(posts_url(event), {"headline": "New", "is_pinned": True}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Only a published post can be pinned."
    assert not Post.objects.exists()


def test_an_edit_on_a_stale_version_is_a_409_with_the_current_post(as_editor, editor, publish):
    post = publish("Original")
    services.post_edit(post=post, by=editor, expected_version=post.version, headline="A colleague's fix")

    response = as_editor.patch(post_url(post), {"headline": "My fix", "version": post.version}, format="json")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "stale_version"
    assert error["current"]["headline"] == "A colleague's fix"
    assert error["current"]["version"] == post.version + 1
    assert Post.objects.get(pk=post.pk).headline == "A colleague's fix"


@pytest.mark.parametrize("action", [{"is_pinned": True}, {"status": "retracted"}, {"is_key_event": True}])
def test_every_kind_of_write_checks_the_version(as_editor, editor, publish, action):
    post = publish("Original")
    services.post_edit(post=post, by=editor, expected_version=post.version, headline="Changed meanwhile")
    response = as_editor.patch(post_url(post), {**action, "version": post.version}, format="json")
    assert response.status_code == 409


def test_if_match_carries_the_version(as_editor, publish):
    post = publish("Original")
    stale = as_editor.patch(post_url(post), {"headline": "X"}, HTTP_IF_MATCH='"1"', format="json")
    assert stale.status_code == 409
    ok = as_editor.patch(post_url(post), {"headline": "X"}, HTTP_IF_MATCH=f'"{post.version}"', format="json")
    assert ok.status_code == 200 and ok.json()["version"] == post.version + 1
    assert as_editor.delete(post_url(post), HTTP_IF_MATCH='"1"').status_code == 409


@pytest.mark.parametrize(
    "body, headers",
    [({"headline": "X"}, {}), ({"headline": "X"}, {"HTTP_IF_MATCH": "soon"}),
     ({"headline": "X", "version": 2}, {"HTTP_IF_MATCH": '"3"'}), ({"headline": "X", "version": 0}, {})],
)
def test_a_missing_or_malformed_version_is_a_400(as_editor, publish, body, headers):
    response = as_editor.patch(post_url(publish()), body, format="json", **headers)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


def test_publishing_and_editing_in_one_patch(as_editor, editor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="Draft")
    response = as_editor.patch(
        post_url(draft), {"headline": "Final", "status": "published", "version": draft.version}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "published" and response.json()["headline"] == "Final"


def test_retracting_returns_the_tombstone_and_other_fields_are_refused(as_editor, publish):
    post = publish()
    mixed = as_editor.patch(post_url(post), {"status": "retracted", "headline": "X", "version": post.version},
                            format="json")
    assert mixed.status_code == 400
    response = as_editor.patch(post_url(post), {"status": "retracted", "retraction_note": "Wrong",
                                                "version": post.version}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "retracted" and response.json()["retraction_note"] == "Wrong"
    again = as_editor.delete(post_url(post), HTTP_IF_MATCH=f'"{post.version + 1}"')
    assert again.status_code == 400
    assert again.json()["error"]["message"] == "Only a published post can be retracted."


def test_adding_a_quote_to_a_post(api, as_editor, speaker, publish):
    post = publish()
    response = as_editor.post(
        "/api/v1/quotes/",
        {"post": post.pk, "speaker": speaker.slug, "text": "We will talk", "said_at": "2025-03-15T09:30:00Z",
         "version": post.version},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["speaker"]["slug"] == speaker.slug
    assert response.json()["quoted_at"] == "2025-03-15T09:30:00Z"
    assert Quote.objects.get().post_id == post.pk
    assert api.get(post_url(post)).json()["quotes"][0]["text"] == "We will talk"


@pytest.mark.parametrize(
    "body",
    [{"post": 999999, "speaker": "keir-starmer", "text": "Hi"}, {"post": 1, "speaker": "nobody", "text": "Hi"},
     {"post": 1, "speaker": "keir-starmer", "text": "   "}],
)
def test_a_quote_needs_a_real_post_speaker_and_words(as_editor, speaker, publish, body):
    body = {**body, "post": publish().pk if body["post"] == 1 else body["post"]}
    response = as_editor.post("/api/v1/quotes/", body, format="json")
    assert response.status_code == 400


def test_an_inactive_journalist_token_stops_working(as_editor, editor, event):
    editor.is_active = False
    editor.save()
    response = as_editor.post(posts_url(event), {"headline": "New"}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


@pytest.mark.parametrize("header", ["Token wrong", "Token " + "x" * 80, "Token", "Token a b"])
def test_a_wrong_token_is_a_401(api, event, header):
    response = api.post(posts_url(event), {"headline": "New"}, format="json", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"]["message"]


def test_drf_create_token_prints_a_working_token(editor, event):
    from io import StringIO

    from django.core.management import call_command
    from rest_framework.test import APIClient

    out = StringIO()
    call_command("drf_create_token", editor.username, stdout=out)
    key = out.getvalue().split()[2]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post(posts_url(event), {"headline": "Via token"}, format="json").status_code == 201


def test_a_journalist_without_a_byline_name_cannot_post_through_the_api(event):
    from tests.conftest import make_user
    from tests.liveblog.api.conftest import token_client

    nameless = token_client(make_user("ada", "editor"))  # e.g. an account made by createsuperuser
    response = nameless.post(posts_url(event), {"headline": "Talks resume", "status": "published"}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"].startswith("A byline shows the name readers see, and ada has none yet")
    assert not Post.objects.exists()
    assert not EventChange.objects.filter(event=event).exists()
