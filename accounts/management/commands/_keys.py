"""What the partner-key commands share: who the change is recorded as, and finding a key."""

from django.core.management.base import CommandError

from accounts.models import PartnerApiKey, User
from accounts.services import KEY_PREFIX_LENGTH


def acting_admin(username: str | None) -> User:
    """The superuser the change is recorded as: the one named, else the first one created."""
    admins = User.objects.filter(is_superuser=True, is_active=True)
    if username:
        admin = admins.filter(username=username).first()
        if admin is None:
            raise CommandError(f"No active superuser is called {username!r}.")
        return admin
    admin = admins.order_by("pk").first()
    if admin is None:
        raise CommandError("Partner keys are managed by a superuser: create one (manage.py createsuperuser) first.")
    return admin


def key_find(identifier: str) -> PartnerApiKey:
    """A key by the prefix the admin lists (a whole key works too) or by its id."""
    keys = PartnerApiKey.objects.filter(prefix=identifier[:KEY_PREFIX_LENGTH])
    if identifier.isdigit():
        keys = keys | PartnerApiKey.objects.filter(pk=int(identifier))
    found = list(keys[:2])
    if len(found) != 1:
        raise CommandError(f"No single partner key has the prefix or id {identifier!r}; see manage.py api_key_list.")
    return found[0]
