"""Every API write carries the version it started from, and one PATCH is one change:
one new version, one revision and at most one public seq for the post."""

import pytest

from liveblog import services
from liveblog.models import Event, EventChange, Post, Revision
from tests.liveblog.api.conftest import post_url


def counts(post) -> tuple[int, int, int]:
    """The post's version, its revisions and its event's public seq, as stored now."""
    stored = Post.objects.get(pk=post.pk)
    return stored.version, Revision.objects.filter(post=post).count(), Event.objects.get(pk=post.event_id).seq


def test_publishing_editing_marking_and_pinning_in_one_patch_is_one_change(api, as_editor, editor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="Draft")
    version, revisions, seq = counts(draft)

    response = as_editor.patch(
        post_url(draft),
        {"headline": "Final", "status": "published", "is_key_event": True, "is_pinned": True, "version": version},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["headline"], body["status"], body["is_key_event"], body["is_pinned"]) == ("Final", "published", True, True)
    assert body["version"] == version + 1
    assert counts(draft) == (version + 1, revisions + 1, seq + 1)
    feed = api.get(f"/api/v1/events/{event.slug}/posts/", {"after": seq}).json()
    assert [(change["action"], change["post"]["id"]) for change in feed["changes"]] == [("post_published", draft.pk)]
    assert Revision.objects.filter(post=draft).latest("version").action == "publish"


def test_pinning_unpins_the_post_pinned_before_as_that_posts_own_change(api, as_editor, editor, publish):
    earlier = services.post_set_pinned(post=publish("Pinned first"), by=editor, is_pinned=True)
    post = publish("Pinned next")
    version, revisions, seq = counts(post)

    response = as_editor.patch(post_url(post), {"is_pinned": True, "is_key_event": True, "version": version},
                               format="json")

    assert response.status_code == 200, response.content
    assert counts(post) == (version + 1, revisions + 1, seq + 2)
    assert Post.objects.get(pk=earlier.pk).version == earlier.version + 1
    changes = EventChange.objects.filter(event=post.event, seq__gt=seq).order_by("seq")
    assert [(change.post_id, change.action) for change in changes] == [
        (earlier.pk, "post_unpinned"), (post.pk, "post_edited"),
    ]


def test_a_patch_that_changes_nothing_makes_no_version_and_no_public_change(as_editor, publish):
    post = publish("As it was")
    before = counts(post)

    response = as_editor.patch(post_url(post), {"is_pinned": False, "version": post.version}, format="json")

    assert response.status_code == 200
    assert counts(post) == before


def test_a_refused_step_of_a_patch_leaves_the_whole_post_unchanged(as_editor, editor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="Draft")
    before = counts(draft)

    response = as_editor.patch(post_url(draft), {"headline": "Changed", "is_pinned": True, "version": draft.version},
                               format="json")

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Only a published post can be pinned."
    assert counts(draft) == before and Post.objects.get(pk=draft.pk).headline == "Draft"


def test_delete_without_if_match_is_428_and_retracts_nothing(as_editor, publish):
    post = publish("Still here")
    before = counts(post)

    response = as_editor.delete(post_url(post))

    assert response.status_code == 428
    assert response.json() == {"error": {
        "status": 428, "code": "precondition_required",
        "message": 'Send the version you are retracting in an If-Match header, e.g. If-Match: "7".',
    }}
    assert counts(post) == before and Post.objects.get(pk=post.pk).status == Post.Status.PUBLISHED


def test_delete_on_a_stale_version_is_409_with_the_current_post(as_editor, editor, publish):
    post = publish("Original")
    services.post_edit(post=post, by=editor, expected_version=post.version, headline="A colleague's fix")
    before = counts(post)

    response = as_editor.delete(post_url(post), HTTP_IF_MATCH=f'"{post.version}"')

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "stale_version" and error["current"]["headline"] == "A colleague's fix"
    assert counts(post) == before and Post.objects.get(pk=post.pk).status == Post.Status.PUBLISHED


def test_delete_with_the_current_version_retracts_as_one_change(as_editor, publish):
    post = publish("Wrong")
    version, revisions, seq = counts(post)

    response = as_editor.delete(post_url(post), HTTP_IF_MATCH=f'"{version}"')

    assert response.status_code == 200
    assert response.json()["status"] == "retracted"
    assert counts(post) == (version + 1, revisions + 1, seq + 1)


def test_a_contributor_is_refused_a_delete_before_being_asked_for_a_version(as_contributor, publish):
    post = publish("Not theirs to retract")

    response = as_contributor.delete(post_url(post))

    assert response.status_code == 403
    assert Post.objects.get(pk=post.pk).status == Post.Status.PUBLISHED


@pytest.mark.django_db
def test_post_update_publishes_and_pins_a_draft_as_one_revision(editor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="Draft")

    post = services.post_update(post=draft, by=editor, expected_version=draft.version, body="Now with a body",
                                status=Post.Status.PUBLISHED, is_pinned=True)

    assert (post.status, post.is_pinned, post.version, post.seq) == (Post.Status.PUBLISHED, True, draft.version + 1, 1)
    assert list(post.revisions.values_list("version", "action")) == [(1, "create"), (2, "publish")]
