"""Speaker services: people who can be quoted in any event."""

from django.db import transaction

from liveblog import permissions
from liveblog.models import Speaker
from liveblog.permissions import Action
from liveblog.services.slugs import unique_slug


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

    Pages rendered from the database show it at once; live pages and the
    change log show it with each post's next change.
    """
    permissions.require(by, Action.EDIT_SPEAKER)
    speaker = Speaker.objects.select_for_update().get(pk=speaker.pk)
    for field, value in (("name", name), ("role", role), ("organisation", organisation), ("bio", bio)):
        if value is not None:
            setattr(speaker, field, value.strip())
    speaker.full_clean()
    speaker.save()
    return speaker
