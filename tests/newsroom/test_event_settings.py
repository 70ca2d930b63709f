"""Managing the event from the newsroom: each change is public and reaches readers live."""

import pytest

from liveblog.models import Event, EventChange
from tests.newsroom.conftest import newsroom_url

pytestmark = pytest.mark.django_db


def event_form(event, **fields):
    return {"form": "event", "title": event.title, "standfirst": event.standfirst, "status": event.status,
            "time_zone": event.time_zone, **fields}


def test_editor_changes_title_standfirst_and_time_zone_as_one_public_change(as_editor, event, client):
    response = as_editor.post(newsroom_url(event, "event-settings"), event_form(
        event, title="Summit, day two", standfirst="Leaders meet again.", time_zone="Europe/Kyiv",
    ))

    event.refresh_from_db()
    assert response.status_code == 302
    assert (event.title, event.standfirst, event.time_zone) == ("Summit, day two", "Leaders meet again.", "Europe/Kyiv")
    assert EventChange.objects.filter(event=event, action="event_updated").count() == 1
    assert "Summit, day two" in client.get(f"/live/{event.slug}/").content.decode()


def test_ending_the_event_changes_only_its_status(as_editor, event):
    as_editor.post(newsroom_url(event, "event-settings"), event_form(event, status="ended"))

    event.refresh_from_db()
    assert event.status == Event.Status.ENDED and event.ends_at is not None
    assert EventChange.objects.filter(event=event).count() == 1


def test_saving_unchanged_settings_sends_nothing_to_readers(as_editor, event):
    as_editor.post(newsroom_url(event, "event-settings"), event_form(event))

    assert not EventChange.objects.filter(event=event).exists()


def test_key_points_are_saved_in_order_and_pushed(as_editor, event, client):
    response = as_editor.post(newsroom_url(event, "event-settings"), {
        "form": "key_points", "points": "Leaders meet\n\n  Ceasefire talks  \nTroops undecided",
    })

    assert response.status_code == 302
    assert list(event.key_points.values_list("text", flat=True)) == ["Leaders meet", "Ceasefire talks", "Troops undecided"]
    assert EventChange.objects.filter(event=event, action="key_points").count() == 1
    assert "Ceasefire talks" in client.get(f"/live/{event.slug}/").content.decode()


def test_bad_event_settings_are_form_errors(as_editor, event):
    bad_zone = as_editor.post(newsroom_url(event, "event-settings"), event_form(event, time_zone="Mars/Olympus"))
    no_title = as_editor.post(newsroom_url(event, "event-settings"), event_form(event, title="   "))
    bad_status = as_editor.post(newsroom_url(event, "event-settings"), event_form(event, status="paused"))
    too_many = as_editor.post(newsroom_url(event, "event-settings"), {
        "form": "key_points", "points": "\n".join(f"Point {n}" for n in range(13))})
    too_long = as_editor.post(newsroom_url(event, "event-settings"), {"form": "key_points", "points": "x" * 401})

    assert [r.status_code for r in (bad_zone, no_title, bad_status, too_many, too_long)] == [400] * 5
    assert "at most 12 key points" in too_many.content.decode()
    assert not EventChange.objects.exists()


def test_event_created_in_the_admin_goes_through_the_service_and_opens_its_newsroom(as_editor, editor):
    from django.urls import reverse

    response = as_editor.post(reverse("admin:liveblog_event_add"), {
        "title": "Storm Éowyn", "slug": "", "standfirst": "", "status": "live", "time_zone": "Europe/Dublin",
    })

    event = Event.objects.get(title="Storm Éowyn")
    assert response.status_code == 302 and response["Location"] == newsroom_url(event)
    assert event.slug == "storm-eowyn" and event.created_by == editor and event.starts_at is not None
