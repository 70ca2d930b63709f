"""The newsroom roles: the actions there are, what each role may do at all, and the role groups.

Roles are auth groups: contributors write drafts and edit their own drafts;
editors publish and change anything in an event; superusers also manage users
and partner keys. Whether a role's grant holds for one post in its current
state is the post policy's call (liveblog/permissions.py builds on this).
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied

from accounts.models import Role


class Action(StrEnum):
    """Everything a journalist can be allowed to do. An enum, so a misspelt action fails loudly."""

    VIEW = "view"
    CREATE_DRAFT = "create_draft"
    EDIT = "edit"
    # A grant, not a post action: edit drafts by anyone and published posts, not only one's own drafts.
    EDIT_ANY_POST = "edit_any_post"
    PUBLISH = "publish"
    SCHEDULE = "schedule"
    UNSCHEDULE = "unschedule"
    PIN = "pin"
    MARK_KEY_EVENT = "mark_key_event"
    RETRACT = "retract"
    SET_KEY_POINTS = "set_key_points"
    MANAGE_EVENTS = "manage_events"
    CREATE_SPEAKER = "create_speaker"
    EDIT_SPEAKER = "edit_speaker"
    MANAGE_USERS = "manage_users"
    MANAGE_API_KEYS = "manage_api_keys"

    @property
    def phrase(self) -> str:
        """The action as a sentence ends: "You may not publish posts"."""
        return ACTION_PHRASES.get(self, self.value.replace("_", " "))


ACTION_PHRASES = {
    Action.VIEW: "see this post",
    Action.CREATE_DRAFT: "write posts",
    Action.EDIT: "edit this post",
    Action.EDIT_ANY_POST: "edit colleagues' posts",
    Action.PUBLISH: "publish posts",
    Action.SCHEDULE: "schedule posts",
    Action.UNSCHEDULE: "unschedule posts",
    Action.PIN: "pin posts",
    Action.MARK_KEY_EVENT: "mark key events",
    Action.RETRACT: "retract posts",
    Action.SET_KEY_POINTS: "set an event's key points",
    Action.MANAGE_EVENTS: "manage events",
    Action.CREATE_SPEAKER: "add speakers",
    Action.EDIT_SPEAKER: "change speakers",
    Action.MANAGE_USERS: "manage users",
    Action.MANAGE_API_KEYS: "manage partner API keys",
}

CONTRIBUTOR_ACTIONS = frozenset({Action.CREATE_DRAFT, Action.EDIT, Action.CREATE_SPEAKER})
EDITOR_ACTIONS = CONTRIBUTOR_ACTIONS | frozenset(
    {
        Action.EDIT_ANY_POST,
        Action.PUBLISH,
        Action.SCHEDULE,
        Action.UNSCHEDULE,
        Action.PIN,
        Action.MARK_KEY_EVENT,
        Action.RETRACT,
        Action.SET_KEY_POINTS,
        Action.MANAGE_EVENTS,
        Action.EDIT_SPEAKER,
    }
)
ADMIN_ACTIONS = frozenset({Action.MANAGE_USERS, Action.MANAGE_API_KEYS})
ROLE_ACTIONS = {Role.CONTRIBUTOR: CONTRIBUTOR_ACTIONS, Role.EDITOR: EDITOR_ACTIONS}


def user_roles(user) -> frozenset[str]:
    # Cached on the user object: one query per request, however many checks it makes.
    if not hasattr(user, "_newsroom_roles"):
        user._newsroom_roles = frozenset(
            user.groups.filter(name__in=Role.values).values_list("name", flat=True)
        )
    return user._newsroom_roles


def forget_roles(user) -> None:
    """Drop the cached roles after they change."""
    user.__dict__.pop("_newsroom_roles", None)


def user_role(user) -> Role | None:
    """The one newsroom role `user` holds (the stronger one, should two ever be stored)."""
    roles = user_roles(user)
    return next((role for role in (Role.EDITOR, Role.CONTRIBUTOR) if role in roles), None)


def user_actions(user) -> frozenset[Action]:
    """What `user`'s role allows at all, before any post or event is considered."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return EDITOR_ACTIONS | ADMIN_ACTIONS
    role = user_role(user)
    return ROLE_ACTIONS[role] if role is not None else frozenset()


def is_newsroom_member(user) -> bool:
    """Whether `user` holds a newsroom role (or is a superuser): who may use the newsroom."""
    return bool(user_actions(user))


def user_may(user, action: Action) -> bool:
    """Whether `user`'s role allows `action` (for actions on no particular post or event)."""
    return Action(action) in user_actions(user)


def user_require(user, action: Action) -> None:
    """Refuse with PermissionDenied unless `user`'s role allows `action`."""
    if not user_may(user, action):
        raise PermissionDenied(f"You are not allowed to {Action(action).phrase}.")


def roles_sync(**kwargs) -> None:
    """Create the role groups (a post_migrate receiver).

    Running after every migrate (and after a test database flush) means a new
    install, an upgrade and a test run all see the same roles. The model
    permissions that let the groups into the admin are given by the app whose
    models they are.
    """
    from django.contrib.auth.models import Group

    for role in Role:
        Group.objects.get_or_create(name=role)
