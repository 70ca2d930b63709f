"""Rewrite the change log into the post's one public representation (liveblog/representation.py).

Changes logged before carried `images` where posts now carry `media`, had no
`seq`, `body_text` or `permalink` in the post, and wrote times with `+00:00`.
Resuming readers and the changes feed replay the log as stored, so without
this they would get the old shape for old changes.
"""

import json
from datetime import UTC, datetime

from django.db import migrations

from liveblog.sanitize import html_to_text

POST_FIELDS = (
    "id", "seq", "status", "kind", "headline", "body_html", "body_text", "is_pinned", "is_key_event",
    "published_at", "updated_at", "correction_note", "authors", "quotes", "media", "permalink", "html",
)


def _timestamp(value):
    """As representation.timestamp writes it: UTC with a Z (copied: a migration must not change later)."""
    if not value:
        return value
    return datetime.fromisoformat(value).astimezone(UTC).isoformat().removesuffix("+00:00") + "Z"


def upgrade_message(message: dict, *, event_slug: str) -> dict:
    """One logged change (parsed) in today's shape; a change already in it comes back equal."""
    if "event" in message:
        state = message["event"]
        state["starts_at"], state["ends_at"] = _timestamp(state["starts_at"]), _timestamp(state["ends_at"])
    post = message.get("post")
    if post is None:
        return message
    post["seq"] = message["seq"]
    if post["status"] == "retracted":
        post["retracted_at"] = _timestamp(post["retracted_at"])
        message["post"] = {key: post[key] for key in ("id", "seq", "status", "retracted_at", "retraction_note")}
        return message
    for name in ("published_at", "updated_at"):
        post[name] = _timestamp(post[name])
    for quote in post["quotes"]:
        quote["said_at"] = _timestamp(quote["said_at"])
    if "images" in post:
        post["media"] = [{"type": "image", **image} for image in post.pop("images")]
    post.setdefault("body_text", html_to_text(post["body_html"]))
    post.setdefault("permalink", f"/live/{event_slug}/#post-{post['id']}")
    message["post"] = {key: post[key] for key in POST_FIELDS}
    return message


def rewrite_log(apps, schema_editor):
    EventChange = apps.get_model("liveblog", "EventChange")
    batch = []
    for change in EventChange.objects.select_related("event").order_by("pk").iterator(chunk_size=500):
        message = upgrade_message(json.loads(change.message), event_slug=change.event.slug)
        text = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
        if text != change.message:
            change.message = text
            batch.append(change)
        if len(batch) >= 500:
            EventChange.objects.bulk_update(batch, ["message"])
            batch = []
    EventChange.objects.bulk_update(batch, ["message"])


class Migration(migrations.Migration):
    dependencies = [("liveblog", "0002_post_images_corrections_scheduling")]

    operations = [migrations.RunPython(rewrite_log, migrations.RunPython.noop)]
