"""Hostile and malformed input to the API gets a clear 400 in the API's JSON error shape,
never a 500, and changes nothing."""

import json

import pytest

from liveblog.models import Event, Post
from tests.liveblog.api.conftest import post_url, posts_url

SURROGATE = "\ud800"

BAD_POST_BODIES = {
    "surrogate in kind": ({"kind": SURROGATE, "body": "<p>x</p>"}, "invalid", "kind: Text contains a lone surrogate"),
    "surrogate in status": ({"status": SURROGATE, "body": "<p>x</p>"}, "invalid", "status: Text contains a lone"),
    "surrogate in a key": ({SURROGATE: "x", "body": "<p>x</p>"}, "invalid", "lone surrogate"),
    "NUL in the body": ({"body": "<p>a\x00b</p>"}, "invalid", "body: Text may not contain NUL"),
    "5,000 nested lists": ({"body": "[" * 5000 + "]" * 5000}, "parse_error", "nested deeper than 20 levels"),
}


def raw_json(body: dict) -> str:
    if body.get("body", "").startswith("[["):
        return '{"body": ' + "[" * 5000 + "]" * 5000 + "}"
    return json.dumps(body)  # keeps a lone surrogate as the escape \ud800, as a hostile tool sends it


@pytest.mark.parametrize("case", BAD_POST_BODIES, ids=list(BAD_POST_BODIES))
def test_bad_json_bodies_on_post_create_get_a_400_and_create_nothing(as_editor, event, case):
    body, code, message = BAD_POST_BODIES[case]
    response = as_editor.generic("POST", posts_url(event), raw_json(body), content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert message in error["message"]
    assert not Post.objects.filter(event=event).exists()


@pytest.mark.parametrize("field", ["kind", "status", "headline"])
def test_a_surrogate_in_a_patch_gets_a_400_and_leaves_the_post_as_it_was(as_editor, publish, field):
    post = publish("Before")
    version = post.version
    payload = json.dumps({field: SURROGATE, "version": post.version})
    response = as_editor.generic("PATCH", post_url(post), payload, content_type="application/json")
    assert response.status_code == 400
    assert "lone surrogate" in response.json()["error"]["message"]
    post.refresh_from_db()
    assert (post.headline, post.status, post.version) == ("Before", "published", version)


def test_a_surrogate_in_the_event_status_gets_a_400(as_editor, event):
    seq = event.seq
    response = as_editor.generic(
        "PATCH", f"/api/v1/events/{event.slug}/", json.dumps({"status": SURROGATE}), content_type="application/json"
    )
    assert response.status_code == 400
    assert Event.objects.get(pk=event.pk).seq == seq


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/events/?status=%00",
        "/api/v1/events/coalition-summit/posts/?kind=%00",
        "/api/v1/speakers/?q=a%00b",
    ],
)
def test_nul_in_an_api_query_string_gets_a_json_400(api, event, url):
    response = api.get(url)
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]["message"]
