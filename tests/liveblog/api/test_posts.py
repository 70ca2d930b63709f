"""GET /api/v1/events/<slug>/posts/ (newest first, filters, cursor pages) and one post by id."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liveblog import services
from liveblog.api import pagination
from liveblog.services import QuoteInput
from tests.liveblog.api.conftest import post_url, posts_url

# A page of posts: the event, the posts, and one query for each related list they show.
MAX_QUERIES = 6


def test_posts_are_published_ones_newest_first_with_everything_a_partner_shows(
    api, editor, event, speaker, publish
):
    older = publish("Summit opens", body='<p>Leaders <b>arrive</b>.<script>x()</script></p>')
    newer = publish(
        "Starmer speaks", kind="quote",
        quotes=[QuoteInput(speaker, "Sooner or later", context="told reporters")],
    )
    services.post_create_draft(event=event, by=editor, headline="Secret draft")
    services.post_retract(post=publish("Mistake"), by=editor)

    body = api.get(posts_url(event)).json()

    assert [post["id"] for post in body["results"]] == [newer.pk, older.pk]
    assert body["seq"] == event.__class__.objects.get(pk=event.pk).seq
    post = body["results"][1]
    assert post["headline"] == "Summit opens"
    assert post["body_html"] == "<p>Leaders <b>arrive</b>.</p>"
    assert post["body_text"] == "Leaders arrive."
    assert post["seq"] == older.seq and post["version"] == older.version
    assert post["authors"] == [{"name": "Ada Editor", "job_title": "Live editor"}]
    assert post["media"] == []
    assert post["permalink"] == f"http://testserver/live/{event.slug}/#post-{older.pk}"
    assert post["published_at"] and post["updated_at"] is None
    assert body["results"][0]["kind"] == "quote"
    assert body["results"][0]["quotes"] == [
        {
            "id": newer.quotes.get().pk, "text": "Sooner or later", "context": "told reporters", "said_at": None,
            "speaker": {"name": "Keir Starmer", "slug": "keir-starmer", "role": "Prime Minister",
                        "organisation": "United Kingdom"},
        }
    ]


def test_posts_filter_by_kind_key_event_and_pinned(api, editor, event, publish):
    analysis = publish("Why it matters", kind="analysis")
    key = services.post_set_key_event(post=publish("Deal agreed"), by=editor, is_key_event=True)
    pinned = services.post_set_pinned(post=publish("Read this first"), by=editor, is_pinned=True)

    def ids(query):
        response = api.get(posts_url(event) + query)
        assert response.status_code == 200
        return [post["id"] for post in response.json()["results"]]

    assert ids("?kind=analysis") == [analysis.pk]
    assert ids("?is_key_event=true") == [key.pk]
    assert ids("?is_pinned=true") == [pinned.pk]
    assert ids("?is_pinned=false&kind=update") == [key.pk]


@pytest.mark.parametrize(
    "query, field",
    [("?kind=rumour", "kind"), ("?is_pinned=perhaps", "is_pinned"), ("?limit=0", "limit"), ("?limit=x", "limit"),
     ("?cursor=not-a-cursor", "cursor"), ("?after=-1", "after"), ("?after=1&kind=update", "after")],
)
def test_bad_parameters_are_400s_naming_them(api, event, query, field):
    response = api.get(posts_url(event) + query)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert response.json()["error"]["code"] == "invalid"


def test_a_forged_cursor_is_a_400_not_a_server_error(api, event, publish):
    import base64

    publish()
    for position in ["p=yesterday", "p=2025-03-15 09:00:00", "p=\x00", "o=99999"]:
        cursor = base64.b64encode(position.encode()).decode()
        response = api.get(posts_url(event), {"cursor": cursor})
        assert response.status_code in (200, 400), position
        assert response.status_code == 400 or response.json()["results"] == []


def test_posts_are_paged_by_cursor_without_repeats(api, event, publish):
    published = [publish(f"Update {n}") for n in range(5)]
    seen, url = [], posts_url(event) + "?limit=2"
    while url:
        body = api.get(url).json()
        seen += [post["id"] for post in body["results"]]
        url = body["next"]
    assert seen == [post.pk for post in reversed(published)]


def test_page_size_is_capped(api, event, publish, monkeypatch):
    monkeypatch.setattr(pagination.PostPagination, "max_page_size", 2)
    for n in range(3):
        publish(f"Update {n}")
    assert len(api.get(posts_url(event) + "?limit=1000").json()["results"]) == 2


def test_posts_page_costs_the_same_queries_however_many_posts(api, event, speaker, publish):
    def queries_for_a_page():
        with CaptureQueriesContext(connection) as queries:
            assert api.get(posts_url(event) + "?limit=100").status_code == 200
        return len(queries)

    publish("First", quotes=[QuoteInput(speaker, "Words")])
    one_post = queries_for_a_page()
    for n in range(10):
        publish(f"Update {n}", quotes=[QuoteInput(speaker, f"Words {n}"), QuoteInput(speaker, "More")])
    assert queries_for_a_page() == one_post
    # The event, the posts, then one query per related list (bylines, quotes, …).
    assert one_post <= MAX_QUERIES


def test_one_post_by_id(api, event, publish, django_assert_max_num_queries):
    post = publish("Summit opens")
    with django_assert_max_num_queries(MAX_QUERIES + 1):
        body = api.get(post_url(post)).json()
    assert body["id"] == post.pk and body["headline"] == "Summit opens" and body["status"] == "published"


def test_a_retracted_post_is_a_tombstone(api, editor, publish):
    post = services.post_retract(post=publish("Mistake"), by=editor, note="Posted in error")
    body = api.get(post_url(post)).json()
    assert body == {
        "id": post.pk, "seq": post.seq, "status": "retracted",
        "retracted_at": body["retracted_at"], "retraction_note": "Posted in error",
    }
    assert "headline" not in body


def test_a_draft_is_seen_only_by_who_may_edit_it(api, as_editor, as_reader, editor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="Not yet")
    assert api.get(post_url(draft)).status_code == 404
    assert as_reader.get(post_url(draft)).status_code == 404
    response = as_editor.get(post_url(draft))
    assert response.status_code == 200
    assert response.json()["status"] == "draft" and response.json()["seq"] is None
    assert response["Cache-Control"] == "private, no-store"
    assert "ETag" not in response


@pytest.mark.parametrize("post_id", ["999999", "9" * 30])
def test_an_unknown_post_is_a_404(api, event, post_id):
    response = api.get(f"{posts_url(event)}{post_id}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_post_of_another_event_is_not_found_under_this_one(api, editor, publish):
    post = publish()
    other = services.event_create(title="Other story", by=editor)
    assert api.get(f"/api/v1/events/{other.slug}/posts/{post.pk}/").status_code == 404
