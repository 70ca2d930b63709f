"""Partner sites' browsers may call the API from the origins we configure, and read the ETag."""

import pytest

PARTNER = "https://partner.example"


@pytest.fixture(autouse=True)
def partner_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [PARTNER]


def test_a_configured_origin_may_read_and_see_the_etag(api, event):
    response = api.get(f"/api/v1/events/{event.slug}/", HTTP_ORIGIN=PARTNER)
    assert response["Access-Control-Allow-Origin"] == PARTNER
    assert "etag" in response["Access-Control-Expose-Headers"].lower()
    assert "origin" in response["Vary"].lower()


def test_another_origin_gets_no_cors_headers(api, event):
    response = api.get(f"/api/v1/events/{event.slug}/", HTTP_ORIGIN="https://elsewhere.example")
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_a_preflight_allows_keys_and_conditional_requests(api, event):
    response = api.options(
        f"/api/v1/events/{event.slug}/posts/",
        HTTP_ORIGIN=PARTNER,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, if-none-match",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == PARTNER
    allowed = response["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "if-none-match" in allowed


def test_cors_is_only_for_the_api(client, event):
    response = client.get(event.get_absolute_url(), HTTP_ORIGIN=PARTNER)
    assert "Access-Control-Allow-Origin" not in response
