"""A journalist's byline is shown on every post they are credited on: correcting it is a public change."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import user_byline_update
from liveblog import services
from liveblog.models import Event, EventChange, Post

pytestmark = pytest.mark.django_db


def changes_since(event, seq):
    return list(EventChange.objects.filter(event=event, seq__gt=seq).order_by("seq"))


def test_a_byline_correction_is_a_public_change_of_every_published_post_crediting_them(
    editor, contributor, event, publish
):
    first = publish("Leaders arrive")
    second = publish("Talks begin")
    draft = services.post_create_draft(event=event, by=editor, headline="Not yet")
    by_someone_else = services.post_create_draft(event=event, by=contributor, headline="Theirs")
    by_someone_else = services.post_publish(post=by_someone_else, by=editor)
    seq_before = Event.objects.get(pk=event.pk).seq

    user_byline_update(user=editor, by=editor, display_name="Ada Lovelace", job_title="Politics editor")

    changes = changes_since(event, seq_before)
    assert [(c.post_id, c.action) for c in changes] == [(first.pk, "post_edited"), (second.pk, "post_edited")]
    for change in changes:
        authors = json.loads(change.message)["post"]["authors"]
        assert authors == [{"name": "Ada Lovelace", "job_title": "Politics editor"}]
    assert Post.objects.get(pk=first.pk).version == first.version
    assert Post.objects.get(pk=draft.pk).seq is None
    assert Post.objects.get(pk=by_someone_else.pk).seq == by_someone_else.seq


def test_saving_a_byline_unchanged_changes_no_seq(editor, event, publish):
    publish("Leaders arrive")
    seq_before = Event.objects.get(pk=event.pk).seq
    user_byline_update(user=editor, by=editor, display_name="  Ada Editor ", job_title="Live editor")
    assert Event.objects.get(pk=event.pk).seq == seq_before


def test_only_an_admin_may_correct_someone_elses_byline(editor, contributor, event, publish):
    publish("Leaders arrive")
    seq_before = Event.objects.get(pk=event.pk).seq
    with pytest.raises(PermissionDenied, match="manage users"):
        user_byline_update(user=editor, by=contributor, display_name="Someone else")
    assert User.objects.get(pk=editor.pk).display_name == "Ada Editor"
    assert Event.objects.get(pk=event.pk).seq == seq_before


def test_a_byline_corrected_in_the_admin_reaches_readers(editor, event, publish):
    post = publish("Leaders arrive")
    boss = User.objects.create_superuser(username="boss", password="x" * 20)
    client = Client()
    client.force_login(boss)
    seq_before = Event.objects.get(pk=event.pk).seq
    editor.refresh_from_db()

    response = client.post(reverse("admin:accounts_user_change", args=[editor.pk]), {
        "username": editor.username, "first_name": "", "last_name": "", "email": "",
        "is_active": "on", "date_joined_0": editor.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": editor.date_joined.strftime("%H:%M:%S"),
        "newsroom_role": "editor", "display_name": "Ada Lovelace", "job_title": "Live editor",
    })

    assert response.status_code == 302, response.content.decode()[:2000]
    [change] = changes_since(event, seq_before)
    assert change.post_id == post.pk
    assert json.loads(change.message)["post"]["authors"][0]["name"] == "Ada Lovelace"
