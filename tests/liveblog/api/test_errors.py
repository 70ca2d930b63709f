"""One error shape from every endpoint, and bad input never a 500."""

import pytest
from django.test import Client

from liveblog import selectors
from tests.helpers import assert_in_html
from tests.liveblog.api.conftest import posts_url


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["status"] == status and error["code"] == code
    assert isinstance(error["message"], str) and error["message"].strip()
    return error


def test_malformed_json_is_a_400(as_editor, event):
    response = as_editor.post(posts_url(event), "{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_a_body_that_is_not_json_is_a_415(as_editor, event):
    response = as_editor.post(posts_url(event), "headline=x", content_type="application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media_type")


def test_asking_for_html_only_is_a_406_in_json(api, event):
    assert_error(api.get(posts_url(event), HTTP_ACCEPT="text/html"), 406, "not_acceptable")


def test_a_method_the_endpoint_lacks_is_a_405(as_editor):
    assert_error(as_editor.put("/api/v1/events/"), 405, "method_not_allowed")


def test_validation_errors_name_the_fields_in_a_readable_message(as_editor, event):
    response = as_editor.post(posts_url(event), {"kind": "gossip", "headline": "x" * 300}, format="json")
    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) == {"kind", "headline"}
    assert error["message"].startswith(("headline: ", "kind: "))


@pytest.mark.parametrize("path", ["/api/v1/nothing/", "/api/v2/events/", "/api/v1/events", "/api/"])
def test_unknown_api_addresses_are_json_404s(api, db, path):
    assert_error(api.get(path), 404, "not_found")


def test_a_post_to_an_unknown_address_is_a_json_404_not_a_csrf_page(api, db):
    assert_error(api.post("/api/v1/nothing", {}, format="json"), 404, "not_found")


def test_the_missing_slash_is_pointed_out(api, db):
    assert "/api/v1/events/" in api.get("/api/v1/events").json()["error"]["message"]


def test_a_bug_is_a_json_500_and_is_logged(api, event, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "event_with_last_change", broken)
    error = assert_error(api.get(f"/api/v1/events/{event.slug}/"), 500, "server_error")
    assert "boom" not in error["message"]
    assert "boom" in caplog.text


@pytest.mark.parametrize(
    "params",
    [{"q": "nul\x00byte"}, {"speaker": "\x00"}, {"since": "yesterday"}, {"until": "2025-13-45"},
     {"event": "a" * 500}, {"q": "x" * 1000}, {"since": "2025-02-30"}],
)
def test_hostile_quote_filters_are_400s(api, db, params):
    assert_error(api.get("/api/v1/quotes/", params), 400, "invalid")


@pytest.mark.parametrize(
    "body",
    [{"headline": "nul\x00"}, '{"headline": "\\ud800"}', {"quotes": [{"speaker": "\x00", "text": "x"}]},
     {"quotes": "many"}, {"quotes": [{}] * 50}, {"status": ["published"]}, {"is_pinned": "maybe"}, [1, 2], "text"],
)
def test_hostile_post_bodies_are_400s(as_editor, event, body):
    if isinstance(body, str) and body.startswith("{"):
        # A lone surrogate, escaped as JSON allows: valid JSON that PostgreSQL cannot store.
        response = as_editor.post(posts_url(event), body, content_type="application/json")
    else:
        response = as_editor.post(posts_url(event), body, format="json")
    assert_error(response, 400, "invalid")


def test_an_enormous_post_id_or_seq_is_not_a_server_error(api, event):
    assert api.get(f"{posts_url(event)}{'9' * 40}/").status_code == 404
    assert api.get(posts_url(event), {"after": "9" * 40}).status_code == 400


@pytest.mark.urls("tests.liveblog.api.broken_urls")
def test_the_site_500_handler_answers_json_under_api(db, caplog):
    # A view outside DRF fails: only the site's handler500 stands between the bug and the partner.
    response = Client(raise_request_exception=False).get("/api/v1/broken/")

    error = assert_error(response, 500, "server_error")
    assert "a bug" not in error["message"]
    assert response["Cache-Control"] == "no-store"
    assert "a bug in a view" in caplog.text


@pytest.mark.urls("tests.liveblog.api.broken_urls")
def test_a_bug_on_a_reader_page_is_the_sites_html_500(db, caplog):
    response = Client(raise_request_exception=False).get("/live/broken/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert_in_html("<h1>Server Error (500)</h1>", response.content.decode())
    assert "a bug in a view" in caplog.text
