"""Services the newsroom relies on under deadline: scheduling, corrections, revisions, images."""

import io
import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from liveblog import services
from liveblog.models import Event, EventChange, Post, PostImage
from liveblog.services import StaleVersionError
from tests.helpers import html_attributes, html_element, png


def last_message(event):
    return json.loads(EventChange.objects.filter(event=event).latest("seq").message)


def test_scheduled_post_is_published_when_due_and_not_before(editor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="At noon")
    at = timezone.now() + timedelta(minutes=10)
    services.post_schedule(post=draft, by=editor, at=at)

    assert services.posts_publish_due(now=at - timedelta(seconds=1)) == []
    assert Post.objects.get(pk=draft.pk).status == Post.Status.SCHEDULED

    published = services.posts_publish_due(now=at)
    assert [post.pk for post in published] == [draft.pk]
    post = Post.objects.get(pk=draft.pk)
    assert post.status == Post.Status.PUBLISHED and post.seq == 1
    assert last_message(event)["post"]["headline"] == "At noon"


def test_scheduling_in_the_past_is_refused(editor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="Late")
    with pytest.raises(ValidationError, match="Choose a time in the future, or publish now"):
        services.post_schedule(post=draft, by=editor, at=timezone.now() - timedelta(minutes=1))
    assert_still_a_draft(draft)


def test_contributor_cannot_schedule(contributor, event):
    draft = services.post_create_draft(event=event, by=contributor, headline="Mine")
    with pytest.raises(PermissionDenied, match="not allowed to schedule posts"):
        services.post_schedule(post=draft, by=contributor, at=timezone.now() + timedelta(hours=1))
    assert_still_a_draft(draft)


def test_unscheduled_post_is_left_alone_by_the_scheduler(editor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="Changed my mind")
    at = timezone.now() + timedelta(minutes=5)
    scheduled = services.post_schedule(post=draft, by=editor, at=at)
    services.post_unschedule(post=scheduled, by=editor)
    assert services.posts_publish_due(now=at + timedelta(minutes=1)) == []
    assert Post.objects.get(pk=draft.pk).status == Post.Status.DRAFT


def test_scheduled_post_whose_scheduler_lost_the_role_goes_back_to_draft(editor, event):
    from accounts.models import Role
    from accounts.services import user_set_role

    draft = services.post_create_draft(event=event, by=editor, headline="Orphan")
    at = timezone.now() + timedelta(minutes=5)
    services.post_schedule(post=draft, by=editor, at=at)
    user_set_role(user=editor, role=Role.CONTRIBUTOR, by=None)

    assert services.posts_publish_due(now=at) == []
    assert Post.objects.get(pk=draft.pk).status == Post.Status.DRAFT


def test_run_scheduler_once_publishes_due_posts(editor, event):
    from django.core.management import call_command

    draft = services.post_create_draft(event=event, by=editor, headline="Due")
    services.post_schedule(post=draft, by=editor, at=timezone.now() + timedelta(milliseconds=200))
    Post.objects.filter(pk=draft.pk).update(scheduled_for=timezone.now() - timedelta(seconds=1))
    out = io.StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert "Published 1 scheduled post(s)." in out.getvalue()
    assert Post.objects.get(pk=draft.pk).status == Post.Status.PUBLISHED


def test_correction_note_is_shown_with_the_edited_post(editor, event, publish):
    post = publish("Stubb says", body="Finland's prime minister spoke.")
    services.post_edit(
        post=post, by=editor, expected_version=post.version, body="Finland's president spoke.",
        correction_note="An earlier version called Alexander Stubb Finland's prime minister.",
    )
    message = last_message(event)
    assert message["post"]["correction_note"].startswith("An earlier version")
    assert "Correction:" in message["post"]["html"]


def test_stale_save_says_who_changed_what(editor, contributor, event):
    draft = services.post_create_draft(event=event, by=contributor, headline="Draft")
    started_from = draft.version
    services.post_edit(post=draft, by=editor, expected_version=started_from, headline="Editor's headline")
    with pytest.raises(StaleVersionError, match="changed by Ada Editor while you were editing it") as refused:
        services.post_edit(post=draft, by=contributor, expected_version=started_from, body="My body")
    assert refused.value.changes == [
        {**refused.value.changes[0], "by": "Ada Editor", "action": "edit", "fields": ["headline"]}
    ]
    assert "Ada Editor" in str(refused.value)
    assert Post.objects.get(pk=draft.pk).body == ""
    assert Post.objects.get(pk=draft.pk).version == started_from + 1


def test_restoring_a_revision_is_a_new_public_change(editor, event, publish):
    post = publish("Original headline", body="Original body")
    original = post.revisions.get(action="publish")
    edited = services.post_edit(post=post, by=editor, expected_version=post.version, headline="Bad edit")
    restored = services.post_restore_revision(
        post=edited, revision=original, by=editor, expected_version=edited.version
    )
    assert restored.headline == "Original headline"
    assert restored.seq == edited.seq + 1
    assert restored.revisions.latest("version").action == f"restore v{original.version}"


def test_image_with_alt_text_reaches_readers(editor, event, publish):
    post = publish("Leaders on screen")
    services.image_add(post=post, by=editor, image=png(), alt_text="Leaders on a video call", credit="Pool")
    image = PostImage.objects.get(post=post)
    assert (image.width, image.height) == (40, 30)
    message = last_message(event)
    assert message["post"]["media"][0]["alt_text"] == "Leaders on a video call"
    picture = html_element(message["post"]["html"], "img", alt="Leaders on a video call")
    assert (html_attributes(picture)["width"], html_attributes(picture)["height"]) == ("40", "30")


@pytest.mark.parametrize(
    ("upload", "alt", "message"),
    [
        (SimpleUploadedFile("fake.png", b"<script>not an image</script>", content_type="image/png"), "Alt",
         "This file is not an image we can show"),
        (png(), "   ", "'alt_text': \\['This field cannot be blank"),
    ],
    ids=["not-an-image", "no-alt-text"],
)
def test_bad_image_is_refused_and_nothing_is_saved(editor, event, publish, upload, alt, message):
    post = publish("Photo")
    with pytest.raises(ValidationError, match=message):
        services.image_add(post=post, by=editor, image=upload, alt_text=alt)
    assert not PostImage.objects.exists()
    assert Post.objects.get(pk=post.pk).version == post.version
    event.refresh_from_db()
    assert event.seq == post.seq


def test_event_title_change_reaches_readers(editor, event):
    services.event_update(event=event, by=editor, title="Summit: leaders agree next steps")
    assert last_message(event)["event"]["title"] == "Summit: leaders agree next steps"


def test_contributor_cannot_change_the_event(contributor, event):
    with pytest.raises(PermissionDenied, match="not allowed to manage events"):
        services.event_update(event=event, by=contributor, title="Mine now")
    stored = Event.objects.get(pk=event.pk)
    assert (stored.title, stored.seq) == ("Coalition summit", event.seq)
    assert not EventChange.objects.filter(event=event).exists()


def test_editor_corrects_a_speaker_everywhere_they_are_quoted(client, editor, event, speaker, publish):
    from liveblog.services import QuoteInput

    publish("Starmer speaks", quotes=[QuoteInput(speaker, "sooner or later")])
    services.speaker_update(speaker=speaker, by=editor, role="Prime Minister of the United Kingdom")
    page = client.get(f"/live/{event.slug}/").content.decode()
    assert "Prime Minister of the United Kingdom" in page
    assert client.get(f"/speakers/{speaker.slug}/").status_code == 200  # the slug stays


def test_contributor_cannot_change_a_speaker_and_a_blank_name_is_refused(contributor, editor, speaker):
    with pytest.raises(PermissionDenied, match="not allowed to change speakers"):
        services.speaker_update(speaker=speaker, by=contributor, name="Someone else")
    with pytest.raises(ValidationError, match="'name': \\['This field cannot be blank"):
        services.speaker_update(speaker=speaker, by=editor, name="   ")
    speaker.refresh_from_db()
    assert (speaker.name, speaker.slug, speaker.role) == ("Keir Starmer", "keir-starmer", "Prime Minister")


def test_editor_changes_a_speaker_from_the_admin(client, editor, speaker):
    client.force_login(editor)
    response = client.post(
        f"/admin/liveblog/speaker/{speaker.pk}/change/",
        {"name": "Sir Keir Starmer", "role": "Prime Minister", "organisation": "United Kingdom", "bio": ""},
    )
    assert response.status_code == 302
    speaker.refresh_from_db()
    assert speaker.name == "Sir Keir Starmer"


def assert_still_a_draft(draft):
    """A refused schedule left the draft as it was: unscheduled, unnumbered, no new version."""
    stored = Post.objects.get(pk=draft.pk)
    assert (stored.status, stored.scheduled_for, stored.seq) == (Post.Status.DRAFT, None, None)
    assert stored.version == draft.version


def test_a_speaker_correction_is_a_public_change_of_every_published_post_quoting_them(
    editor, event, speaker, publish
):
    from liveblog.services import QuoteInput

    first = publish("Starmer speaks", quotes=[QuoteInput(speaker, "sooner or later")])
    second = publish("Starmer again", quotes=[QuoteInput(speaker, "we stand ready")])
    unrelated = publish("Nobody quoted")
    draft = services.post_create_draft(event=event, by=editor, headline="Draft",
                                       quotes=[QuoteInput(speaker, "not yet public")])
    seq_before = Event.objects.get(pk=event.pk).seq

    services.speaker_update(speaker=speaker, by=editor, name="Sir Keir Starmer")

    event.refresh_from_db()
    assert event.seq == seq_before + 2  # one change per published post quoting them
    changes = list(EventChange.objects.filter(event=event, seq__gt=seq_before).order_by("seq"))
    assert [(c.post_id, c.action) for c in changes] == [(first.pk, "post_edited"), (second.pk, "post_edited")]
    for change in changes:
        message = json.loads(change.message)
        assert message["post"]["quotes"][0]["speaker"]["name"] == "Sir Keir Starmer"
        assert message["post"]["seq"] == change.seq
    # The posts' own content and version are untouched; the draft and the unrelated post too.
    assert Post.objects.get(pk=first.pk).version == first.version
    assert Post.objects.get(pk=unrelated.pk).seq == unrelated.seq
    assert Post.objects.get(pk=draft.pk).seq is None


def test_a_speakers_bio_is_not_shown_in_posts_so_correcting_it_changes_no_seq(editor, event, speaker, publish):
    from liveblog.services import QuoteInput

    publish("Starmer speaks", quotes=[QuoteInput(speaker, "sooner or later")])
    seq_before = Event.objects.get(pk=event.pk).seq
    services.speaker_update(speaker=speaker, by=editor, bio="Leader of the Labour Party since 2020.")
    assert Event.objects.get(pk=event.pk).seq == seq_before
