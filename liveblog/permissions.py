"""Who may do what. The services call `require`, so the admin, the API and commands share one rulebook.

Roles are auth groups: contributors write drafts and edit their own drafts;
editors publish and change anything in an event; superusers also manage users
and partner keys.
"""

from django.core.exceptions import PermissionDenied

from accounts.models import Role

CONTRIBUTOR_ACTIONS = frozenset({"create_draft", "edit_draft", "create_speaker"})
EDITOR_ACTIONS = CONTRIBUTOR_ACTIONS | frozenset(
    {
        "publish",
        "edit_published",
        "edit_any_draft",
        "pin",
        "mark_key_event",
        "retract",
        "set_key_points",
        "manage_events",
        "edit_speaker",
    }
)
ADMIN_ACTIONS = frozenset({"manage_users", "manage_api_keys"})


def user_roles(user) -> frozenset[str]:
    # Cached on the user object: one query per request, however many checks it makes.
    if not hasattr(user, "_liveblog_roles"):
        user._liveblog_roles = frozenset(
            user.groups.filter(name__in=Role.values).values_list("name", flat=True)
        )
    return user._liveblog_roles


def forget_roles(user) -> None:
    """Drop the cached roles after they change."""
    user.__dict__.pop("_liveblog_roles", None)


def user_actions(user) -> frozenset[str]:
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return EDITOR_ACTIONS | ADMIN_ACTIONS
    roles = user_roles(user)
    if Role.EDITOR in roles:
        return EDITOR_ACTIONS
    if Role.CONTRIBUTOR in roles:
        return CONTRIBUTOR_ACTIONS
    return frozenset()


def can(user, action: str, post=None) -> bool:
    """Whether `user` may do `action` (on `post`, for post edits)."""
    actions = user_actions(user)
    if action == "edit" and post is not None:
        if post.is_public:
            return "edit_published" in actions
        if "edit_any_draft" in actions:
            return True
        return "edit_draft" in actions and _is_own(user, post)
    return action in actions


def require(user, action: str, post=None) -> None:
    if not can(user, action, post):
        raise PermissionDenied(f"You are not allowed to {action.replace('_', ' ')}.")


def _is_own(user, post) -> bool:
    # bylines.all() uses the prefetched bylines where a list view has them: no query per post.
    return post.created_by_id == user.pk or any(byline.author_id == user.pk for byline in post.bylines.all())
