"""ETag, 304, Cache-Control and Last-Modified: a partner polling an unchanged event costs one query."""

import pytest

from liveblog import services
from liveblog.api import serializers
from liveblog.services import QuoteInput
from tests.liveblog.api.conftest import post_url, posts_url


@pytest.fixture
def refuse_serializing(monkeypatch):
    """Call it to make any serialization fail from then on, proving that a 304 does none."""

    def refuse(self, instance):
        raise AssertionError("a 304 must not serialize anything")

    def activate():
        for serializer in (serializers.PostSerializer, serializers.EventSerializer, serializers.SpeakerSerializer,
                           serializers.QuoteSerializer, serializers.PostTombstoneSerializer):
            monkeypatch.setattr(serializer, "to_representation", refuse)
        monkeypatch.setattr(serializers, "change_for_partner", refuse)

    return activate


def test_every_read_sends_an_etag_and_cdn_friendly_cache_control(api, event, speaker, publish):
    post = publish()
    urls = [
        "/api/v1/events/", f"/api/v1/events/{event.slug}/", posts_url(event), f"{posts_url(event)}?after=0",
        post_url(post), "/api/v1/speakers/", f"/api/v1/speakers/{speaker.slug}/", "/api/v1/quotes/",
    ]
    for url in urls:
        response = api.get(url)
        assert response.status_code == 200, url
        assert response["ETag"].startswith('W/"'), url
        cache_control = response["Cache-Control"]
        assert cache_control.startswith("public, max-age=") and "stale-while-revalidate=" in cache_control, url


def test_event_reads_send_last_modified(api, event, publish):
    post = publish()
    for url in (f"/api/v1/events/{event.slug}/", posts_url(event), post_url(post)):
        assert api.get(url)["Last-Modified"].endswith(" GMT")


@pytest.mark.parametrize("suffix", ["", "?after=0", "?kind=update&limit=5"])
def test_an_unchanged_event_answers_304_with_one_query_and_no_serialization(
    api, event, publish, django_assert_num_queries, refuse_serializing, suffix
):
    publish()
    response = api.get(posts_url(event) + suffix)
    etag = response["ETag"]
    assert etag.startswith('W/"1-')  # the event's seq, then a hash of the address

    refuse_serializing()
    with django_assert_num_queries(1):
        again = api.get(posts_url(event) + suffix, HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == response["Cache-Control"]
    assert again["Last-Modified"] == response["Last-Modified"]


def test_a_new_change_makes_a_new_etag(api, editor, event, publish):
    post = publish()
    etag = api.get(posts_url(event))["ETag"]
    services.post_set_key_event(post=post, by=editor, is_key_event=True)
    response = api.get(posts_url(event), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert response.json()["results"][0]["is_key_event"] is True


def test_etags_differ_between_addresses(api, event, publish):
    publish()
    assert api.get(posts_url(event))["ETag"] != api.get(posts_url(event) + "?kind=update")["ETag"]
    assert api.get(posts_url(event))["ETag"] != api.get(f"/api/v1/events/{event.slug}/")["ETag"]


def test_if_none_match_lists_and_star(api, event, publish):
    publish()
    etag = api.get(posts_url(event))["ETag"]
    assert api.get(posts_url(event), HTTP_IF_NONE_MATCH=f'"other", {etag}').status_code == 304
    assert api.get(posts_url(event), HTTP_IF_NONE_MATCH=etag.removeprefix("W/")).status_code == 304
    assert api.get(posts_url(event), HTTP_IF_NONE_MATCH="*").status_code == 304
    assert api.get(posts_url(event), HTTP_IF_NONE_MATCH='"other"').status_code == 200
    assert api.get(posts_url(event), HTTP_IF_NONE_MATCH="garbage").status_code == 200


def test_event_detail_and_post_304(api, event, publish, django_assert_num_queries, refuse_serializing):
    post = publish()
    etags = {url: api.get(url)["ETag"] for url in (f"/api/v1/events/{event.slug}/", post_url(post))}
    refuse_serializing()
    for url, etag in etags.items():
        with django_assert_num_queries(1):
            assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_lists_without_an_event_304_on_their_page_query_alone(
    api, speaker, publish, django_assert_num_queries, refuse_serializing
):
    publish(quotes=[QuoteInput(speaker, "Words")])
    urls = ("/api/v1/events/", "/api/v1/speakers/", f"/api/v1/speakers/{speaker.slug}/", "/api/v1/quotes/")
    etags = {url: api.get(url)["ETag"] for url in urls}
    refuse_serializing()
    for url, etag in etags.items():
        with django_assert_num_queries(1):
            assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304, url


def test_an_edit_outside_the_stream_still_changes_the_speaker_etag(api, speaker):
    etag = api.get("/api/v1/speakers/")["ETag"]
    speaker.role = "Former Prime Minister"
    speaker.save()
    response = api.get("/api/v1/speakers/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["results"][0]["role"] == "Former Prime Minister"


def test_writes_and_errors_are_not_cached(api, as_editor, event):
    created = as_editor.post(posts_url(event), {"headline": "New"}, format="json")
    assert created.status_code == 201 and created["Cache-Control"] == "no-store"
    assert api.get("/api/v1/events/nope/")["Cache-Control"] == "no-store"


def public_read_urls(event, post, speaker):
    return [
        "/api/v1/events/", f"/api/v1/events/{event.slug}/", posts_url(event), f"{posts_url(event)}?after=0",
        f"{posts_url(event)}?limit=5", post_url(post), "/api/v1/speakers/", f"/api/v1/speakers/{speaker.slug}/",
        "/api/v1/quotes/",
    ]


def test_a_second_caller_gets_the_stored_json_with_one_query_and_no_serialization(
    api, event, speaker, publish, django_assert_num_queries, refuse_serializing
):
    post = publish(quotes=[QuoteInput(speaker, "We are ready")])
    urls = public_read_urls(event, post, speaker)
    first = {url: api.get(url) for url in urls}
    refuse_serializing()
    for url in urls:
        with django_assert_num_queries(1):
            again = api.get(url)
        assert again.status_code == 200, url
        assert again.content == first[url].content, url
        assert again["ETag"] == first[url]["ETag"] and again["Content-Type"] == "application/json", url


def test_a_speaker_correction_moves_every_read_that_shows_them(api, editor, event, speaker, publish):
    post = publish(quotes=[QuoteInput(speaker, "We are ready")])
    urls = [posts_url(event), f"{posts_url(event)}?after=0", post_url(post), "/api/v1/quotes/",
            f"/api/v1/speakers/{speaker.slug}/"]
    before = {url: api.get(url) for url in urls}
    services.speaker_update(speaker=speaker, by=editor, name="Sir Keir Starmer")
    for url in urls:
        after = api.get(url)
        assert after["ETag"] != before[url]["ETag"], url
        assert "Sir Keir Starmer" in after.content.decode(), url
