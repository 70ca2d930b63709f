"""A scheduled post the scheduler may not publish goes back to the drafts through a service:
a new version, a revision saying why, and a note to the newsroom's open screens."""

import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone

from accounts.models import Role
from accounts.services import user_set_role
from liveblog import services
from liveblog.models import EventChange, Post
from newsroom.consumers import NewsroomConsumer


def schedule(event, editor, headline="Orphan"):
    draft = services.post_create_draft(event=event, by=editor, headline=headline)
    at = timezone.now() + timedelta(minutes=5)
    return services.post_schedule(post=draft, by=editor, at=at, expected_version=draft.version), at


@pytest.mark.django_db
def test_a_refused_scheduled_post_returns_to_draft_as_a_new_version_with_its_reason(editor, event):
    scheduled, at = schedule(event, editor)
    user_set_role(user=editor, role=Role.CONTRIBUTOR, by=None)

    assert services.posts_publish_due(now=at) == []

    post = Post.objects.get(pk=scheduled.pk)
    assert post.status == Post.Status.DRAFT and post.scheduled_for is None
    assert post.version == scheduled.version + 1
    revision = post.revisions.get(version=post.version)
    assert revision.action == "schedule refused" and revision.by is None
    assert revision.snapshot["status"] == "draft" and revision.snapshot["scheduled_for"] is None
    assert not EventChange.objects.filter(event=event, post=post).exists(), "a draft reaches no reader"


@pytest.mark.django_db
def test_refusing_a_post_that_is_no_longer_scheduled_changes_nothing(editor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="Plain draft")

    with pytest.raises(ValidationError, match="This post is not scheduled."):
        services.post_schedule_refuse(post=draft, expected_version=draft.version)

    assert Post.objects.get(pk=draft.pk).version == draft.version


@pytest.mark.django_db(transaction=True)
async def test_the_newsroom_hears_that_the_scheduler_sent_a_post_back(editor, event):
    scheduled, at = await sync_to_async(schedule)(event, editor)
    await sync_to_async(user_set_role)(user=editor, role=Role.CONTRIBUTOR, by=None)
    screen = WebsocketCommunicator(NewsroomConsumer.as_asgi(), f"/ws/newsroom/{event.pk}/")
    screen.scope["user"] = editor
    screen.scope["url_route"] = {"kwargs": {"event_id": event.pk}}
    assert (await screen.connect(timeout=5))[0]

    await sync_to_async(services.posts_publish_due)(now=at)

    note = json.loads(await screen.receive_from(timeout=5))
    assert note == {"type": "newsroom.change", "post_id": scheduled.pk, "action": "schedule refused", "by": ""}
    assert await screen.receive_nothing(timeout=0.3)
    await screen.disconnect()
    await sync_to_async(connections.close_all)()
