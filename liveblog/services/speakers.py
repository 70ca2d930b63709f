"""Speaker services: people who can be quoted in any event."""

from django.db import transaction

from liveblog import permissions
from liveblog.models import Post, Speaker
from liveblog.permissions import Action
from liveblog.services.posts import posts_push_again
from liveblog.services.slugs import unique_slug

# What a post's public state carries of a speaker (liveblog/representation.py); the bio is not.
SHOWN_IN_POSTS = ("name", "role", "organisation")


@transaction.atomic
def speaker_create(
    *, name: str, by, role: str = "", organisation: str = "", bio: str = "", slug: str = ""
) -> Speaker:
    """Add a person who can be quoted in any event."""
    permissions.require(by, Action.CREATE_SPEAKER)
    speaker = Speaker(
        name=name.strip(),
        slug=slug or unique_slug(Speaker, name),
        role=role.strip(),
        organisation=organisation.strip(),
        bio=bio.strip(),
    )
    speaker.full_clean()
    speaker.save()
    return speaker


@transaction.atomic
def speaker_update(
    *, speaker: Speaker, by, name: str | None = None, role: str | None = None,
    organisation: str | None = None, bio: str | None = None,
) -> Speaker:
    """Correct a speaker's name, role, organisation or bio (the slug, used in links, stays).

    Every published post quoting them is a public change: it takes its event's next
    seq with the corrected state, so open pages, the changes feed and partners'
    mirrors all show the correction, not just pages loaded afterwards.
    """
    permissions.require(by, Action.EDIT_SPEAKER)
    # NO KEY UPDATE: a quote being added under an event lock only needs KEY SHARE on the
    # speaker, so it never waits for us while we wait for its event (no deadlock).
    speaker = Speaker.objects.select_for_update(no_key=True).get(pk=speaker.pk)
    shown = {field: getattr(speaker, field) for field in SHOWN_IN_POSTS}
    for field, value in (("name", name), ("role", role), ("organisation", organisation), ("bio", bio)):
        if value is not None:
            setattr(speaker, field, value.strip())
    speaker.full_clean()
    speaker.save()
    if shown != {field: getattr(speaker, field) for field in SHOWN_IN_POSTS}:
        posts_push_again(Post.objects.filter(quotes__speaker=speaker), by=by, reason="speaker_update")
    return speaker
