"""GET /api/v1/events/ and /api/v1/events/<slug>/: the contract, filters, and a fixed query cost."""

import pytest

from liveblog import services


def test_events_are_listed_newest_first(api, editor):
    older = services.event_create(title="Storm coverage", by=editor, status="live")
    newer = services.event_create(title="Budget vote", by=editor)

    body = api.get("/api/v1/events/").json()

    assert [event["slug"] for event in body["results"]] == [newer.slug, older.slug]
    first = body["results"][0]
    assert first["status"] == "scheduled" and first["seq"] == 0
    assert first["url"] == f"http://testserver/api/v1/events/{newer.slug}/"
    assert first["posts_url"] == f"http://testserver/api/v1/events/{newer.slug}/posts/"
    assert first["live_url"] == f"http://testserver/live/{newer.slug}/"


def test_events_filter_by_status(api, editor):
    live = services.event_create(title="Storm coverage", by=editor, status="live")
    services.event_create(title="Budget vote", by=editor)
    ended = services.event_create(title="Yesterday's match", by=editor, status="live")
    services.event_set_status(event=ended, status="ended", by=editor)

    def slugs(status):
        return [event["slug"] for event in api.get(f"/api/v1/events/?status={status}").json()["results"]]

    assert slugs("live") == [live.slug]
    assert slugs("ended") == [ended.slug]


def test_an_unknown_status_is_a_400_naming_the_parameter(api, db):
    response = api.get("/api/v1/events/?status=paused")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["status"] == ['"paused" is not a valid choice.']


def test_events_are_paged_by_cursor(api, editor):
    for n in range(5):
        services.event_create(title=f"Event {n}", by=editor)
    seen, url = [], "/api/v1/events/?limit=2"
    while url:
        body = api.get(url).json()
        assert len(body["results"]) <= 2
        seen += [event["slug"] for event in body["results"]]
        url = body["next"]
    assert seen == [f"event-{n}" for n in reversed(range(5))]


@pytest.mark.parametrize("count", [1, 8])
def test_events_list_costs_one_query_however_many_events(api, editor, django_assert_num_queries, count):
    for n in range(count):
        services.event_create(title=f"Event {n}", by=editor)
    with django_assert_num_queries(1):
        assert api.get("/api/v1/events/?limit=100").status_code == 200


def test_event_detail_has_key_points_and_the_current_seq(api, editor, event, publish, django_assert_num_queries):
    services.event_set_key_points(event=event, points=["Leaders meet", "Talks go on"], by=editor)
    publish("Summit opens")

    with django_assert_num_queries(2):
        body = api.get(f"/api/v1/events/{event.slug}/").json()

    assert body["key_points"] == ["Leaders meet", "Talks go on"]
    assert body["seq"] == 2
    assert body["title"] == "Coalition summit" and body["status"] == "live"


def test_an_unknown_event_is_a_json_404(api, db):
    response = api.get("/api/v1/events/no-such-event/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"status": 404, "code": "not_found", "message": "No event has the slug 'no-such-event'."}
    }


def test_an_editor_sets_key_points_and_status(as_editor, event):
    response = as_editor.patch(
        f"/api/v1/events/{event.slug}/", {"key_points": ["One", "Two"], "status": "ended"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["key_points"] == ["One", "Two"]
    assert response.json()["status"] == "ended"
    assert response.json()["seq"] == 2


def test_a_contributor_cannot_change_the_event(as_contributor, event):
    response = as_contributor.patch(f"/api/v1/events/{event.slug}/", {"status": "ended"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
