"""Editing after publishing, history and restore, and two people on one post."""

import re

import pytest

from liveblog import services
from liveblog.models import Post, PostImage, Quote, Revision
from tests.helpers import html_element, html_elements, html_text, png
from tests.newsroom.conftest import newsroom_url, signed_in

pytestmark = pytest.mark.django_db


def edit_data(post, **fields):
    data = {"headline": post.headline, "kind": post.kind, "body": post.body, "version": post.version,
            "correction_note": post.correction_note, "intent": "save"}
    data.update(fields)
    return data


def test_edit_after_publishing_shows_updated_time_and_correction_to_readers(as_editor, publish, client, event):
    post = publish("Stubb says no", body="Finland's president said no.")

    response = as_editor.post(newsroom_url(event, "post-edit", post.pk), edit_data(
        post, body="Finland's president said not yet.", correction_note="An earlier version misquoted the president.",
    ))

    post.refresh_from_db()
    page = client.get(f"/live/{event.slug}/").content.decode()
    assert response.status_code == 302
    assert post.body_html == "<p>Finland's president said not yet.</p>\n" and post.updated_at
    assert "An earlier version misquoted the president." in page
    updated = html_element(page, "p", class_="post__updated")
    assert updated.children[0] == "Updated" and updated.children[1].name == "time"
    assert re.match(r"\d\d:\d\d", html_text(updated.children[1]))


def test_edit_page_carries_the_version_started_from(as_editor, publish, event):
    post = publish("Versioned")

    page = as_editor.get(newsroom_url(event, "post-edit", post.pk)).content.decode()

    assert html_elements(page, "input", type="hidden", name="version", value=str(post.version)) != []


def test_stale_save_is_refused_showing_what_the_colleague_changed(as_editor, editor, publish, event):
    post = publish("Original headline", body="Original body")
    colleague = signed_in(editor)
    mine = edit_data(post, headline="My headline")
    theirs = edit_data(post, body="Their better body")

    assert colleague.post(newsroom_url(event, "post-edit", post.pk), theirs).status_code == 302
    response = as_editor.post(newsroom_url(event, "post-edit", post.pk), mine)

    post.refresh_from_db()
    page = response.content.decode()
    assert response.status_code == 409
    assert post.headline == "Original headline" and post.body == "Their better body"
    assert "Someone else changed this post" in page
    assert "Ada Editor" in page and "changed: body" in page and "Their better body" in page
    # My text is kept in the form, now based on their version: saving again is a deliberate choice.
    assert html_elements(page, "input", name="headline", value="My headline") != []
    assert html_elements(page, "input", type="hidden", name="version", value=str(post.version)) != []


def test_stale_save_of_a_contributor_is_refused_too(as_contributor, contributor, editor, event):
    draft = services.post_create_draft(event=event, by=contributor, headline="Mine")
    seen = draft.version
    services.post_edit(post=draft, by=editor, expected_version=seen, headline="Editor's")

    response = as_contributor.post(newsroom_url(event, "post-edit", draft.pk), edit_data(draft, headline="Again"))

    draft.refresh_from_db()
    assert response.status_code == 409 and draft.headline == "Editor's"


def test_save_and_publish_a_draft_from_the_edit_page(as_editor, editor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="Draft")

    as_editor.post(newsroom_url(event, "post-edit", draft.pk), edit_data(draft, headline="Final", intent="publish"))

    draft.refresh_from_db()
    assert (draft.headline, draft.status) == ("Final", Post.Status.PUBLISHED)


def test_every_change_is_a_revision_viewable_and_restorable(as_editor, publish, event):
    post = publish("First words")
    as_editor.post(newsroom_url(event, "post-edit", post.pk), edit_data(post, headline="Second words"))
    post.refresh_from_db()

    history = as_editor.get(newsroom_url(event, "post-revisions", post.pk)).content.decode()
    assert "Second words" in history and "First words" in history and "Ada Editor" in history
    assert "headline" in history

    first = Revision.objects.get(post=post, action="create")
    response = as_editor.post(newsroom_url(event, "revision-restore", post.pk, first.pk), {"version": post.version})

    post.refresh_from_db()
    assert response.status_code == 302
    assert post.headline == "First words" and post.status == Post.Status.PUBLISHED
    assert Revision.objects.filter(post=post).order_by("-version").first().action == f"restore v{first.version}"


def test_restore_from_a_stale_page_is_refused(as_editor, editor, publish, event):
    post = publish("One")
    seen = post.version
    services.post_edit(post=post, by=editor, expected_version=seen, headline="Two")
    first = Revision.objects.get(post=post, action="create")

    response = as_editor.post(newsroom_url(event, "revision-restore", post.pk, first.pk), {"version": seen})

    post.refresh_from_db()
    assert response.status_code == 409 and post.headline == "Two"


def test_quote_added_to_a_published_post_reaches_readers(as_editor, publish, speaker, client, event):
    post = publish("Reaction")

    response = as_editor.post(newsroom_url(event, "quote-add", post.pk), {
        "quote-version": post.version, "quote-speaker": speaker.pk, "quote-text": "We stand ready",
        "quote-context": "in a statement",
    })

    assert response.status_code == 302
    assert Quote.objects.get(post=post).text == "We stand ready"
    assert "We stand ready" in client.get(f"/live/{event.slug}/").content.decode()


def test_quote_added_on_a_stale_version_is_refused(as_editor, editor, publish, speaker, event):
    post = publish("Reaction")
    seen = post.version
    services.post_edit(post=post, by=editor, expected_version=seen, headline="Changed")

    response = as_editor.post(newsroom_url(event, "quote-add", post.pk), {
        "quote-version": seen, "quote-new_speaker_name": "New Person", "quote-text": "Words",
    })

    assert response.status_code == 409
    assert not Quote.objects.exists()
    # The new speaker was part of the refused submit, so it is not kept either.
    assert not post.quotes.exists() and Quote.objects.count() == 0


def test_picture_added_and_removed_from_the_edit_page(as_editor, publish, event):
    post = publish("Pictures")

    added = as_editor.post(newsroom_url(event, "image-add", post.pk), {
        "image-version": post.version, "image-image": png(), "image-alt_text": "A harbour",
        "image-caption": "Odesa", "image-credit": "Reuters",
    })
    image = PostImage.objects.get(post=post)
    post.refresh_from_db()
    removed = as_editor.post(newsroom_url(event, "image-remove", post.pk, image.pk), {"version": post.version})

    assert added.status_code == removed.status_code == 302
    assert not PostImage.objects.exists()


def test_picture_added_to_a_post_a_colleague_changed_meanwhile_is_refused(as_editor, editor, publish, event):
    post = publish("Pictures")
    seen = post.version
    services.post_edit(post=post, by=editor, expected_version=seen, headline="Pictures, retitled")

    response = as_editor.post(newsroom_url(event, "image-add", post.pk), {
        "image-version": seen, "image-image": png(), "image-alt_text": "A harbour",
    })

    assert response.status_code == 409
    assert "headline" in response.content.decode()
    assert not PostImage.objects.exists()


def test_removing_a_picture_from_an_outdated_page_is_refused(as_editor, editor, publish, event):
    post = publish("Pictures")
    services.image_add(post=post, by=editor, image=png(), alt_text="A harbour")
    image = PostImage.objects.get(post=post)
    stale_version = post.version  # the page was loaded before the picture was added

    response = as_editor.post(newsroom_url(event, "image-remove", post.pk, image.pk), {"version": stale_version})

    assert response.status_code == 409
    assert PostImage.objects.filter(pk=image.pk).exists()


def test_picture_without_alt_text_on_the_edit_page_is_a_form_error(as_editor, publish, event):
    post = publish("Pictures")

    response = as_editor.post(
        newsroom_url(event, "image-add", post.pk), {"image-version": post.version, "image-image": png()}
    )

    assert response.status_code == 400 and not PostImage.objects.exists()


def test_retracted_post_cannot_be_edited(as_editor, editor, publish, event):
    post = services.post_retract(post=publish("Gone"), by=editor)

    response = as_editor.post(newsroom_url(event, "post-edit", post.pk), edit_data(post, headline="Back?"))

    assert response.status_code == 400
    assert "A retracted post cannot be edited." in response.content.decode()


def test_edit_preview_shows_the_unsaved_changes_only(as_editor, publish, event):
    post = publish("Saved headline")

    response = as_editor.post(newsroom_url(event, "post-preview", post.pk), edit_data(post, headline="Unsaved headline"))

    post.refresh_from_db()
    assert response.status_code == 200 and "Unsaved headline" in response.content.decode()
    assert post.headline == "Saved headline"


def test_edit_page_shows_the_saved_post_as_readers_see_it_in_an_escaped_frame(as_editor, publish, event):
    post = publish('Quote "marks" & <angles>', body="Body")

    page = as_editor.get(newsroom_url(event, "post-edit", post.pk)).content.decode()

    frame = page.split('srcdoc="')[1].split('"></iframe>')[0]
    assert frame.startswith("&lt;!doctype html&gt;")
    assert '"' not in frame and "<" not in frame
    assert "Quote &amp;quot;marks&amp;quot; &amp;amp; &amp;lt;angles&amp;gt;" in frame
