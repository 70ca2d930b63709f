"""Migration 0003 rewrites changes logged in the old shape into exactly what is logged today."""

import importlib
import json

from django.apps import apps

from liveblog import services
from liveblog.models import EventChange
from liveblog.services import QuoteInput
from tests.helpers import png
from tests.schemas import assert_live_frame

migration = importlib.import_module("liveblog.migrations.0003_change_log_public_representation")


def plus_zero(value):
    return value.replace("Z", "+00:00") if value else value


def as_logged_before(message: dict) -> dict:
    """A change in the shape the log held before 0003: `images`, no post seq, body_text or permalink."""
    old = json.loads(json.dumps(message))
    if "event" in old:
        old["event"] = {**old["event"], "starts_at": plus_zero(old["event"]["starts_at"]),
                        "ends_at": plus_zero(old["event"]["ends_at"])}
    post = old.get("post")
    if post is None:
        return old
    del post["seq"]
    if post["status"] == "retracted":
        post["retracted_at"] = plus_zero(post["retracted_at"])
        return old
    for name in ("published_at", "updated_at"):
        post[name] = plus_zero(post[name])
    for quote in post["quotes"]:
        quote["said_at"] = plus_zero(quote["said_at"])
    post["images"] = [{key: value for key, value in item.items() if key != "type"} for item in post.pop("media")]
    del post["body_text"], post["permalink"]
    return old


def test_old_changes_become_todays_messages(editor, event, speaker):
    post = services.post_publish(
        post=services.post_create_draft(
            event=event, by=editor, headline="Flags", body="<p>Up they go.</p>",
            quotes=[QuoteInput(speaker, "Sooner or later")],
        ),
        by=editor,
    )
    services.image_add(post=post, by=editor, image=png(), alt_text="Flags on poles")
    services.post_retract(post=post, by=editor, note="Wrong summit")
    services.event_set_key_points(event=event, points=["Leaders meet"], by=editor)
    services.event_set_status(event=event, status="ended", by=editor)
    today = [json.loads(change.message) for change in EventChange.objects.filter(event=event).order_by("seq")]

    for message in today:
        old = as_logged_before(message)
        assert old != message or message["type"] == "key_points"
        upgraded = migration.upgrade_message(old, event_slug=event.slug)
        assert upgraded == message
        assert list(upgraded.get("post", {})) == list(message.get("post", {}))
        assert_live_frame(upgraded)


def test_the_migration_rewrites_the_stored_log(editor, event, publish):
    publish("Summit opens")
    change = EventChange.objects.get(event=event)
    today = change.message
    change.message = json.dumps(as_logged_before(json.loads(today)), separators=(",", ":"), ensure_ascii=False)
    change.save()

    migration.rewrite_log(apps, None)

    assert EventChange.objects.get(pk=change.pk).message == today
