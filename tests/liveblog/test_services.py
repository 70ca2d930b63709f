"""The services are the one door for changes: numbering, drafts, edits, pins, retractions, quotes."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from liveblog import services
from liveblog.models import Event, EventChange, KeyPoint, Post, Revision
from liveblog.services import QuoteInput, StaleVersionError
from tests.helpers import html_elements


def changes(event):
    return list(EventChange.objects.filter(event=event).order_by("seq"))


def test_draft_is_neither_numbered_nor_visible(editor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="Not yet")
    event.refresh_from_db()
    assert draft.status == Post.Status.DRAFT
    assert draft.seq is None
    assert event.seq == 0
    assert changes(event) == []


def test_editing_a_draft_does_not_consume_a_public_number(editor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="Draft")
    services.post_edit(post=draft, by=editor, expected_version=draft.version, headline="Draft two")
    event.refresh_from_db()
    assert event.seq == 0


def test_publishing_takes_the_next_seq_and_logs_the_change(editor, event, publish):
    first = publish("First")
    second = publish("Second")
    event.refresh_from_db()
    assert (first.seq, second.seq, event.seq) == (1, 2, 2)
    logged = changes(event)
    assert [(c.seq, c.action, c.post_id) for c in logged] == [
        (1, "post_published", first.pk),
        (2, "post_published", second.pk),
    ]
    message = json.loads(logged[1].message)
    assert message["seq"] == 2
    assert message["type"] == "post"
    assert message["post"]["headline"] == "Second"
    assert html_elements(message["post"]["html"], "article", id=f"post-{second.pk}") != []


def test_publish_records_who_did_it(editor, publish):
    post = publish("Signed")
    assert EventChange.objects.get(post=post).by == editor
    assert list(Revision.objects.filter(post=post).values_list("action", "by")) == [
        ("create", editor.pk),
        ("publish", editor.pk),
    ]


def test_publishing_twice_is_refused(editor, publish):
    post = publish()
    with pytest.raises(ValidationError, match="Only a draft can be published; this post is published"):
        services.post_publish(post=post, by=editor)
    assert_unchanged(post)
    assert len(changes(post.event)) == 1


def test_empty_post_cannot_be_published(editor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="  ", body="<script></script>")
    with pytest.raises(ValidationError, match="An empty post cannot be published"):
        services.post_publish(post=draft, by=editor)
    draft.refresh_from_db()
    assert draft.status == Post.Status.DRAFT
    assert_unchanged(draft)


def test_editing_a_published_post_marks_it_updated_and_pushes_the_new_state(editor, event, publish):
    post = publish("Typo hre")
    edited = services.post_edit(post=post, by=editor, expected_version=post.version, headline="Typo here")
    assert edited.updated_at is not None
    assert edited.seq == post.seq + 1
    last = json.loads(changes(event)[-1].message)
    assert last["action"] == "post_edited"
    assert last["post"]["headline"] == "Typo here"
    assert "Updated" in last["post"]["html"]


def test_stale_edit_is_refused_and_overwrites_nothing(editor, event, publish):
    post = publish("Original")
    services.post_edit(post=post, by=editor, expected_version=post.version, headline="Colleague's fix")
    colleagues = Post.objects.get(pk=post.pk)
    with pytest.raises(StaleVersionError, match="changed by Ada Editor while you were editing it") as refused:
        services.post_edit(post=post, by=editor, expected_version=post.version, headline="Mine")
    assert refused.value.current.headline == "Colleague's fix"
    post.refresh_from_db()
    assert post.headline == "Colleague's fix"
    assert_unchanged(colleagues)


def test_pinning_a_post_unpins_the_previous_one(editor, event, publish):
    first, second = publish("First"), publish("Second")
    services.post_set_pinned(post=first, by=editor, is_pinned=True)
    services.post_set_pinned(post=second, by=editor, is_pinned=True)
    assert list(Post.objects.filter(event=event, is_pinned=True)) == [second]
    assert [c.action for c in changes(event)][-3:] == ["post_pinned", "post_unpinned", "post_pinned"]


def test_unpinning_is_a_public_change(editor, event, publish):
    post = services.post_set_pinned(post=publish(), by=editor, is_pinned=True)
    unpinned = services.post_set_pinned(post=post, by=editor, is_pinned=False)
    assert not unpinned.is_pinned
    assert changes(event)[-1].action == "post_unpinned"


def test_only_published_posts_can_be_pinned(editor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="Draft")
    with pytest.raises(ValidationError, match="Only a published post can be pinned"):
        services.post_set_pinned(post=draft, by=editor, is_pinned=True)
    assert_unchanged(draft)
    assert not Post.objects.get(pk=draft.pk).is_pinned


def test_marking_a_key_event_is_pushed(editor, event, publish):
    post = services.post_set_key_event(post=publish(), by=editor, is_key_event=True)
    assert post.is_key_event
    message = json.loads(changes(event)[-1].message)
    assert message["post"]["is_key_event"] is True
    assert "Key event" in message["post"]["html"]


def test_retraction_becomes_a_tombstone(editor, event, publish):
    post = services.post_set_pinned(post=publish("Wrong"), by=editor, is_pinned=True)
    retracted = services.post_retract(post=post, by=editor, note="Published in error")
    assert retracted.status == Post.Status.RETRACTED
    assert not retracted.is_pinned
    message = json.loads(changes(event)[-1].message)
    assert message["post"] == {
        "id": post.pk,
        "seq": retracted.seq,
        "status": "retracted",
        "retracted_at": retracted.retracted_at.isoformat().replace("+00:00", "Z"),
        "retraction_note": "Published in error",
    }


def test_retracted_post_cannot_be_edited(editor, publish):
    post = services.post_retract(post=publish(), by=editor)
    with pytest.raises(ValidationError, match="A retracted post cannot be edited"):
        services.post_edit(post=post, by=editor, expected_version=post.version, headline="Back")
    assert_unchanged(post)
    assert Post.objects.get(pk=post.pk).headline == "An update"


def test_key_points_replace_the_list_in_order(editor, event):
    services.event_set_key_points(event=event, points=["One", "Two"], by=editor)
    services.event_set_key_points(event=event, points=["Three", "  ", "Four"], by=editor)
    assert list(KeyPoint.objects.filter(event=event).values_list("text", flat=True)) == ["Three", "Four"]
    message = json.loads(changes(event)[-1].message)
    assert message == {**message, "seq": 2, "type": "key_points", "key_points": ["Three", "Four"]}


def test_too_many_key_points_are_refused_and_the_old_ones_kept(editor, event):
    services.event_set_key_points(event=event, points=["Kept"], by=editor)
    with pytest.raises(ValidationError, match="An event has at most 12 key points"):
        services.event_set_key_points(event=event, points=[f"Point {i}" for i in range(20)], by=editor)
    assert list(KeyPoint.objects.filter(event=event).values_list("text", flat=True)) == ["Kept"]
    assert [change.seq for change in changes(event)] == [1]


def test_event_status_change_is_a_public_change(editor, event):
    ended = services.event_set_status(event=event, status="ended", by=editor)
    assert ended.ends_at is not None
    message = json.loads(changes(event)[-1].message)
    assert message["type"] == "event"
    assert message["event"]["status"] == "ended"


def test_quote_on_a_published_post_reaches_readers(editor, event, speaker, publish):
    post = publish("Starmer speaks")
    services.quote_add(post=post, speaker=speaker, text="  sooner or later  ", by=editor, context="told leaders")
    message = json.loads(changes(event)[-1].message)
    assert message["post"]["quotes"][0]["text"] == "sooner or later"
    assert message["post"]["quotes"][0]["speaker"]["role"] == "Prime Minister"
    assert "Keir Starmer" in message["post"]["html"]


def test_blank_quote_is_refused_and_the_post_is_not_created(editor, event, speaker):
    with pytest.raises(ValidationError, match="This field cannot be blank") as refused:
        services.post_create_draft(
            event=event, by=editor, headline="Quotes", quotes=[QuoteInput(speaker, "ok"), QuoteInput(speaker, "   ")]
        )
    assert list(refused.value.message_dict) == ["text"]
    assert not Post.objects.filter(headline="Quotes").exists()
    assert not speaker.quotes.exists()
    assert not Revision.objects.exists()


def test_one_speaker_is_quoted_across_events(editor, speaker):
    other_event = services.event_create(title="Another summit", by=editor)
    for target in (services.event_create(title="First summit", by=editor), other_event):
        services.post_create_draft(event=target, by=editor, quotes=[QuoteInput(speaker, "maximum pressure")])
    assert speaker.quotes.values("post__event").distinct().count() == 2


def test_body_is_sanitized_before_it_is_stored_for_readers(editor, event):
    post = services.post_create_draft(
        event=event, by=editor, body='<p onclick="steal()">Hi<script>alert(1)</script></p>'
    )
    assert post.body_html == "<p>Hi</p>"
    assert "onclick" in post.body  # the journalist's source is kept as written


def test_speaker_and_event_slugs_stay_unique(editor):
    first = services.speaker_create(name="Emmanuel Macron", by=editor)
    second = services.speaker_create(name="Emmanuel Macron", by=editor)
    assert first.slug != second.slug
    assert services.event_create(title="Summit", by=editor).slug != services.event_create(title="Summit", by=editor).slug


@pytest.mark.parametrize(("bad_zone", "message"), [("Mars/Olympus", "not a known time zone"), ("", "cannot be blank")])
def test_unknown_time_zone_is_refused(editor, bad_zone, message):
    with pytest.raises(ValidationError, match=message) as refused:
        services.event_create(title="Somewhere", by=editor, time_zone=bad_zone)
    assert list(refused.value.message_dict) == ["time_zone"]
    assert not Event.objects.filter(title="Somewhere").exists()


# Permissions ------------------------------------------------------------------------------------


def test_contributor_drafts_but_cannot_publish(contributor, event):
    draft = services.post_create_draft(event=event, by=contributor, headline="Mine")
    with pytest.raises(PermissionDenied, match="not allowed to publish"):
        services.post_publish(post=draft, by=contributor)
    draft.refresh_from_db()
    assert draft.status == Post.Status.DRAFT
    assert_unchanged(draft)


def test_contributor_edits_own_draft_but_not_a_colleagues(contributor, editor, event):
    own = services.post_create_draft(event=event, by=contributor, headline="Mine")
    services.post_edit(post=own, by=contributor, expected_version=own.version, headline="Mine, fixed")
    colleague = services.post_create_draft(event=event, by=editor, headline="Theirs")
    with pytest.raises(PermissionDenied, match="Contributors edit only their own drafts"):
        services.post_edit(post=colleague, by=contributor, expected_version=colleague.version, headline="x")
    assert_unchanged(colleague)
    assert Post.objects.get(pk=colleague.pk).headline == "Theirs"


def test_contributor_cannot_edit_published_post(contributor, event, editor):
    draft = services.post_create_draft(event=event, by=contributor, headline="Mine")
    post = services.post_publish(post=draft, by=editor)
    with pytest.raises(PermissionDenied, match="Contributors edit only their own drafts"):
        services.post_edit(post=post, by=contributor, expected_version=post.version, headline="Sneaky")
    assert_unchanged(post)
    assert Post.objects.get(pk=post.pk).headline == "Mine"


@pytest.mark.parametrize(
    "action",
    [
        lambda post, user: services.post_set_pinned(post=post, by=user, is_pinned=True),
        lambda post, user: services.post_set_key_event(post=post, by=user, is_key_event=True),
        lambda post, user: services.post_retract(post=post, by=user),
        lambda post, user: services.event_set_key_points(event=post.event, points=["x"], by=user),
        lambda post, user: services.event_set_status(event=post.event, status="ended", by=user),
    ],
    ids=["pin", "key-event", "retract", "key-points", "status"],
)
def test_editor_only_actions_are_refused_to_contributors_and_readers(contributor, reader, publish, action):
    post = publish()
    for user in (contributor, reader):
        with pytest.raises(PermissionDenied, match="You are not allowed to "):
            action(post, user)
    assert EventChange.objects.filter(event=post.event).count() == 1
    assert_unchanged(post)
    stored = Post.objects.get(pk=post.pk)
    assert (stored.status, stored.is_pinned, stored.is_key_event) == (Post.Status.PUBLISHED, False, False)
    assert (stored.event.status, stored.event.key_points.count()) == ("live", 0)


def test_user_without_role_cannot_draft(reader, event):
    with pytest.raises(PermissionDenied, match="not allowed to write posts"):
        services.post_create_draft(event=event, by=reader, headline="Hi")
    assert not Post.objects.exists()


def assert_unchanged(post):
    """A refused change left the post, its revisions and its event's numbering as they were."""
    stored = Post.objects.select_related("event").get(pk=post.pk)
    assert (stored.version, stored.seq, stored.status) == (post.version, post.seq, post.status)
    assert stored.revisions.count() == post.version
    assert stored.event.seq == EventChange.objects.filter(event=stored.event).count()


def test_a_database_error_while_saving_a_post_is_not_reported_as_a_broken_rule(editor, event, publish):
    post = publish("Not pinned")
    version, seq = post.version, Event.objects.get(pk=event.pk).seq

    gone = []

    def database_gone(execute, sql, params, many, context):
        # PostgreSQL goes away just as the edit is saved.
        if sql.startswith(("SAVEPOINT", "ROLLBACK", "RELEASE")):
            return execute(sql, params, many, context)  # the test's own transaction survives
        if gone or sql.startswith('UPDATE "liveblog_post"'):
            gone.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(database_gone), pytest.raises(OperationalError, match="server closed"):
        services.post_edit(post=post, by=editor, expected_version=version, headline="Edited")
    post.refresh_from_db()
    assert (post.headline, post.version) == ("Not pinned", version)
    assert Event.objects.get(pk=event.pk).seq == seq


def test_a_publish_checks_the_rules_of_a_post_state_without_a_query_for_each(editor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="Talks resume", body="<p>Delegates are back.</p>")
    with CaptureQueriesContext(connection) as publish:
        services.post_publish(post=draft, by=editor)

    assert Post.objects.get(pk=draft.pk).status == Post.Status.PUBLISHED
    assert [q["sql"] for q in publish.captured_queries if '"_check"' in q["sql"]] == []
    assert len(publish.captured_queries) <= 17  # 30 when each rule was a query in a savepoint


def test_postgresql_still_refuses_a_post_state_the_rules_forbid(editor, event, publish):
    post = publish("Talks resume")
    with pytest.raises(IntegrityError, match="post_pinned_only_when_published"), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(is_pinned=True, status=Post.Status.DRAFT, seq=None)
    post.refresh_from_db()
    assert (post.status, post.is_pinned) == (Post.Status.PUBLISHED, False)
