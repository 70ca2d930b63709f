"""GET /api/v1/events/<slug>/posts/?after=<seq>: the websocket's resume, over HTTP."""

import json

import pytest

from liveblog import services
from liveblog.api import views as api_views
from liveblog.models import EventChange
from tests.helpers import html_attribute, html_element
from tests.liveblog.api.conftest import posts_url


def changes_after(api, event, seq, **params):
    response = api.get(posts_url(event), {"after": seq, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_changes_after_a_seq_include_an_edit_and_a_retraction_tombstone(api, editor, event, publish):
    kept = publish("Summit opens")                                       # 1
    wrong = publish("Mistake")                                           # 2
    kept = services.post_edit(post=kept, by=editor, expected_version=kept.version, headline="Summit opened")  # 3
    services.post_retract(post=wrong, by=editor, note="Posted in error")  # 4

    body = changes_after(api, event, 1)

    assert [change["seq"] for change in body["changes"]] == [2, 3, 4]
    assert [change["action"] for change in body["changes"]] == ["post_published", "post_edited", "post_retracted"]
    edited = body["changes"][1]["post"]
    assert edited["headline"] == "Summit opened" and edited["seq"] == 3
    assert edited["body_text"] == "Text" and edited["media"] == []
    assert edited["permalink"] == f"http://testserver/live/{event.slug}/#post-{kept.pk}"
    assert body["changes"][2]["post"] == {
        "id": wrong.pk, "status": "retracted", "seq": 4,
        "retracted_at": body["changes"][2]["post"]["retracted_at"], "retraction_note": "Posted in error",
    }
    assert body["after"] == 1 and body["last_seq"] == 4 and body["seq"] == 4
    assert body["has_more"] is False and body["next"] is None


def test_a_change_reads_as_the_websocket_sent_it_less_the_page_html(api, editor, event, publish):
    services.event_set_key_points(event=event, points=["Leaders meet"], by=editor)
    publish("Summit opens")
    sent = [json.loads(change.message) for change in EventChange.objects.filter(event=event).order_by("seq")]

    body = changes_after(api, event, 0)

    for ours, theirs in zip(body["changes"], sent, strict=True):
        theirs.pop("html", None)
        if "post" in theirs:
            theirs["post"].pop("html")
            # Only the links differ: the feed's are absolute, the websocket's the site's own.
            assert ours["post"].pop("permalink") == "http://testserver" + theirs["post"].pop("permalink")
        assert ours == theirs
    assert body["changes"][0] == {"seq": 1, "type": "key_points", "key_points": ["Leaders meet"]}


def test_a_partner_that_resumes_ends_where_a_fresh_load_is(api, editor, event, speaker, publish):
    """Load, miss some changes, catch up with ?after=: the result is what a fresh load shows."""
    first = publish("Summit opens")
    second = publish("Leaders arrive")
    loaded = api.get(posts_url(event)).json()
    shown = {post["id"]: post for post in loaded["results"]}

    services.post_edit(post=first, by=editor, expected_version=first.version, headline="Summit opened")
    services.post_retract(post=second, by=editor)
    third = publish("Talks begin")
    services.post_set_pinned(post=third, by=editor, is_pinned=True)
    services.quote_add(post=third, speaker=speaker, text="We are ready", by=editor)
    # A speaker's correction reaches a mirror through the feed too (it used to only on a reload).
    services.speaker_update(speaker=speaker, by=editor, name="Sir Keir Starmer")

    for change in changes_after(api, event, loaded["seq"])["changes"]:
        if change["type"] != "post":
            continue
        post = change["post"]
        if post["status"] == "retracted":
            shown.pop(post["id"], None)
        else:
            shown[post["id"]] = post

    fresh = {post["id"]: post for post in api.get(posts_url(event)).json()["results"]}
    assert shown.keys() == fresh.keys()
    for post_id, post in fresh.items():
        post = {key: value for key, value in post.items() if key != "version"}
        assert {key: shown[post_id][key] for key in post} == post
    assert shown[third.pk]["quotes"][0]["speaker"]["name"] == "Sir Keir Starmer"


def test_a_long_catch_up_comes_in_bounded_pages(api, event, publish, monkeypatch):
    monkeypatch.setattr(api_views, "FEED_PAGE_SIZE", 2)
    for n in range(5):
        publish(f"Update {n}")

    seqs, after = [], 0
    while True:
        body = changes_after(api, event, after, limit=50)
        assert len(body["changes"]) <= 2
        seqs += [change["seq"] for change in body["changes"]]
        after = body["last_seq"]
        if not body["has_more"]:
            break
        assert body["next"].endswith(f"after={after}&limit=50") or f"after={after}" in body["next"]
    assert seqs == [1, 2, 3, 4, 5]


def test_nothing_new_is_an_empty_page(api, event, publish):
    publish()
    body = changes_after(api, event, 1)
    assert body["changes"] == [] and body["last_seq"] == 1 and body["has_more"] is False


def test_a_seq_the_event_has_not_reached_is_a_400(api, event, publish):
    publish()
    response = api.get(posts_url(event), {"after": 7})
    assert response.status_code == 400
    assert "its latest is 1" in response.json()["error"]["message"]


@pytest.mark.parametrize("changes", [1, 12])
def test_the_feed_costs_two_queries_however_many_changes(api, event, publish, django_assert_num_queries, changes):
    for n in range(changes):
        publish(f"Update {n}")
    with django_assert_num_queries(2):
        assert len(changes_after(api, event, 0)["changes"]) == changes


def test_the_live_page_and_the_feed_agree_on_seq(api, client, event, publish):
    """A partner may start from the live page's data-seq, as the page's own script does."""
    publish()
    page = client.get(event.get_absolute_url()).content.decode()
    assert html_attribute(html_element(page, "article", id="event"), "data-seq") == "1"
    assert changes_after(api, event, 0)["seq"] == 1
