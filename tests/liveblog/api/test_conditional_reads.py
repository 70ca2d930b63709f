"""Conditional reads of the API beyond the plain If-None-Match poll (tests/liveblog/api/test_caching.py)."""

from django.utils.http import http_date

from tests.liveblog.api.conftest import posts_url

FAR_FUTURE = http_date(4102444800)  # 2100-01-01


def test_if_modified_since_alone_never_earns_a_304(api, event, publish):
    """Two changes in one second share a Last-Modified; only the ETag tells them apart."""
    publish()
    response = api.get(posts_url(event), HTTP_IF_MODIFIED_SINCE=FAR_FUTURE)
    assert response.status_code == 200
    assert response.json()["results"][0]["headline"]


def test_if_none_match_wins_over_if_modified_since(api, event, publish):
    publish()
    etag = api.get(posts_url(event))["ETag"]
    assert api.get(posts_url(event), HTTP_IF_NONE_MATCH=etag, HTTP_IF_MODIFIED_SINCE=FAR_FUTURE).status_code == 304
    stale = api.get(posts_url(event), HTTP_IF_NONE_MATCH='W/"0-old"', HTTP_IF_MODIFIED_SINCE=FAR_FUTURE)
    assert stale.status_code == 200 and stale["ETag"] == etag


def test_a_failed_if_match_on_a_read_does_not_refuse_it(api, event, publish):
    publish()
    etag = api.get(posts_url(event))["ETag"]
    assert api.get(posts_url(event), HTTP_IF_MATCH='"other"').status_code == 200
    assert api.get(posts_url(event), HTTP_IF_MATCH='"other"', HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_head_poll_gets_the_same_304(api, event, publish):
    publish()
    etag = api.get(posts_url(event))["ETag"]
    response = api.head(posts_url(event), HTTP_IF_NONE_MATCH=etag)
    assert (response.status_code, response["ETag"]) == (304, etag)
