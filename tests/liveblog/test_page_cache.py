"""First page loads: rendered once per change and shared by every reader until the next change."""

import os

import pytest
from django.test import override_settings
from django.test.signals import template_rendered
from django.urls import reverse
from redis import Redis

from accounts.services import user_byline_update
from liveblog import pagecache, services
from liveblog.services import QuoteInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders():
    """Names of the templates rendered while the test runs."""
    rendered = []

    def on_render(sender, template, context, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(on_render, dispatch_uid="count-page-renders")
    yield rendered
    template_rendered.disconnect(dispatch_uid="count-page-renders")


def live_url(event, **query):
    url = reverse("liveblog:event-live", kwargs={"slug": event.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def page_urls(event, post, speaker):
    return {
        "live page": live_url(event),
        "permalink": reverse("liveblog:post-detail", kwargs={"slug": event.slug, "pk": post.pk}),
        "speaker page": reverse("liveblog:speaker-detail", kwargs={"slug": speaker.slug}),
        "Atom feed": reverse("liveblog:event-feed", kwargs={"slug": event.slug}),
    }


@pytest.fixture
def quoted_post(publish, speaker):
    return publish("Leaders arrive", quotes=[QuoteInput(speaker, "We are ready")])


@pytest.mark.parametrize("page", ["live page", "permalink", "speaker page", "Atom feed"])
def test_a_second_reader_gets_the_stored_copy_with_one_query_and_no_rendering(
    client, event, speaker, quoted_post, renders, django_assert_num_queries, page
):
    url = page_urls(event, quoted_post, speaker)[page]
    first = client.get(url)
    assert first.status_code == 200 and renders

    renders.clear()
    with django_assert_num_queries(1):
        second = client.get(url)

    assert second.status_code == 200
    assert renders == []
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["ETag"] == first["ETag"]
    cache_control = second["Cache-Control"]
    assert cache_control.startswith("public, max-age=") and "s-maxage=" in cache_control
    assert "stale-while-revalidate=" in cache_control


@pytest.mark.parametrize("page", ["live page", "permalink", "speaker page", "Atom feed"])
def test_if_none_match_gets_a_304_with_one_query(client, event, speaker, quoted_post, django_assert_num_queries, page):
    url = page_urls(event, quoted_post, speaker)[page]
    etag = client.get(url)["ETag"]
    with django_assert_num_queries(1):
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and response.content == b""
    assert response["ETag"] == etag


def test_a_new_post_moves_the_live_page_to_a_new_copy(client, event, publish):
    publish("Summit opens")
    before = client.get(live_url(event))
    publish("Leaders arrive")
    after = client.get(live_url(event))
    assert after["ETag"] != before["ETag"]
    assert b"Leaders arrive" in after.content and b"Leaders arrive" not in before.content
    # The old validator no longer earns a 304: the reader gets the new page.
    assert client.get(live_url(event), HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200


def test_tracking_parameters_share_the_pages_copy(client, event, publish, renders):
    publish("Summit opens")
    plain = client.get(live_url(event))
    renders.clear()
    tagged = client.get(live_url(event, utm_source="newsletter", fbclid="x"))
    assert renders == [] and tagged.content == plain.content and tagged["ETag"] == plain["ETag"]
    # A parameter the page does read is a page of its own.
    older = client.get(live_url(event, before="bogus"))
    assert older.status_code == 400 and "ETag" not in older


@pytest.mark.parametrize("page", ["live page", "permalink", "speaker page", "Atom feed"])
def test_a_speaker_correction_reaches_every_page_that_shows_them(client, editor, event, speaker, quoted_post, page):
    url = page_urls(event, quoted_post, speaker)[page]
    before = client.get(url)
    services.speaker_update(speaker=speaker, by=editor, name="Sir Keir Starmer")
    after = client.get(url)
    assert after["ETag"] != before["ETag"]
    assert b"Sir Keir Starmer" in after.content


@pytest.mark.parametrize("page", ["live page", "permalink", "Atom feed"])
def test_a_byline_correction_reaches_every_page_that_credits_them(client, editor, event, speaker, quoted_post, page):
    url = page_urls(event, quoted_post, speaker)[page]
    before = client.get(url)
    assert b"Ada Editor" in before.content
    user_byline_update(user=editor, by=editor, display_name="Ada Lovelace")
    after = client.get(url)
    assert after["ETag"] != before["ETag"]
    assert b"Ada Lovelace" in after.content and b"Ada Editor" not in after.content


def test_a_retraction_turns_the_stored_permalink_into_a_gone_page(client, editor, event, speaker, quoted_post):
    url = page_urls(event, quoted_post, speaker)["permalink"]
    assert client.get(url).status_code == 200
    services.post_retract(post=quoted_post, by=editor, note="Wrong summit")
    gone = client.get(url)
    assert gone.status_code == 410
    again = client.get(url)
    assert again.status_code == 410 and again.content == gone.content and again["ETag"] == gone["ETag"]


def test_drafts_have_no_permalink_and_nothing_is_stored_for_them(client, editor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="Not yet")
    url = reverse("liveblog:post-detail", kwargs={"slug": event.slug, "pk": draft.pk})
    assert client.get(url).status_code == 404
    services.post_publish(post=draft, by=editor)
    assert client.get(url).status_code == 200


def test_a_deploy_with_other_templates_never_serves_the_old_copies(client, event, publish, settings, tmp_path):
    publish("Summit opens")
    before = client.get(live_url(event))
    extra = tmp_path / "templates"
    extra.mkdir()
    (extra / "deployed.txt").write_text("a template this build has and the last one had not")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], extra]}]
    pagecache.build_id.cache_clear()
    try:
        after = client.get(live_url(event))
    finally:
        pagecache.build_id.cache_clear()
    assert after["ETag"] != before["ETag"]


def test_pages_are_served_when_the_cache_is_away(client, event, publish):
    publish("Summit opens")
    # A real Redis client against a port nobody listens on: every read and write fails.
    away = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2},
    }}
    with override_settings(CACHES=away):
        for _ in range(2):
            response = client.get(live_url(event))
            assert response.status_code == 200 and b"Summit opens" in response.content


def test_the_copy_is_shared_through_redis(client, event, publish, renders):
    shared = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": f"page-cache-test-{os.getpid()}",
    }}
    publish("Summit opens")
    redis = Redis.from_url(os.environ["REDIS_URL"])
    pattern = f"{shared['default']['KEY_PREFIX']}:*liveblog:render:*"
    try:
        with override_settings(CACHES=shared):
            first = client.get(live_url(event))
            renders.clear()
            second = client.get(live_url(event))
        assert renders == [] and second.content == first.content
        # Stored where every worker reads it.
        assert len(redis.keys(pattern)) == 1
    finally:
        for key in redis.keys(pattern):
            redis.delete(key)


@pytest.fixture
def compressions(monkeypatch):
    """How often a body was compressed, by the render cache or by the compression middleware."""
    import django.middleware.gzip

    calls = []
    for owner, name in ((pagecache, "compressed"), (django.middleware.gzip, "compress_string")):
        original = getattr(owner, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)
    return calls


@pytest.mark.parametrize("page", ["live page", "permalink", "speaker page", "Atom feed"])
def test_each_reader_gets_the_encoding_it_accepts_compressed_once_per_change(
    client, event, speaker, quoted_post, compressions, page
):
    import gzip

    import brotli

    url = page_urls(event, quoted_post, speaker)[page]
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert compressions == ["compressed"]  # once, when the page was rendered
    as_gzip = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    as_brotli = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    no_brotli = client.get(url, headers={"Accept-Encoding": "br;q=0, gzip"})

    assert compressions == ["compressed"]  # the stored copies served the other readers
    assert "Content-Encoding" not in plain
    assert as_gzip["Content-Encoding"] == "gzip" and gzip.decompress(as_gzip.content) == plain.content
    assert as_brotli["Content-Encoding"] == "br" and brotli.decompress(as_brotli.content) == plain.content
    assert no_brotli["Content-Encoding"] == "gzip"
    assert len(as_brotli.content) < len(as_gzip.content) < len(plain.content) / 2
    for response in (plain, as_gzip, as_brotli):
        assert "Accept-Encoding" in response["Vary"]  # a shared cache keeps one copy per encoding
        assert response["ETag"] == plain["ETag"]


def test_a_new_post_is_compressed_afresh(client, event, publish, compressions):
    publish("First")
    first = client.get(live_url(event), headers={"Accept-Encoding": "gzip"})
    publish("Second")
    second = client.get(live_url(event), headers={"Accept-Encoding": "gzip"})

    import gzip

    assert compressions == ["compressed", "compressed"]
    assert b"Second" in gzip.decompress(second.content) and b"Second" not in gzip.decompress(first.content)


def test_a_page_too_big_to_store_is_rendered_each_time_and_still_compressed(
    client, event, publish, compressions, renders, monkeypatch
):
    import gzip

    monkeypatch.setattr(pagecache, "STORED_MAX_BYTES", 100)
    publish("Big")
    first = client.get(live_url(event), headers={"Accept-Encoding": "gzip"})
    renders.clear()
    second = client.get(live_url(event), headers={"Accept-Encoding": "gzip"})

    assert renders  # nothing was stored, so the second reader's page was rendered again
    assert second["Content-Encoding"] == "gzip" and b"Big" in gzip.decompress(second.content)
    assert first["ETag"] == second["ETag"]
    # The middleware compressed each response; no stored copies were made for it.
    assert compressions == ["compress_string", "compress_string"]
