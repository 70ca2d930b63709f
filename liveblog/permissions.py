"""Who may do what to a post or an event, in its current state: one rulebook for the services,
the newsroom's buttons, the API and the admin.

A policy answers for one user and one post (or event), in the manner of
Wagtail's PagePermissionTester: `PostPolicy(user, post).can(Action.PIN)`.
It joins what the user's role allows at all (accounts/roles.py) with what the
post's state allows now: a draft cannot be retracted, a retracted post
cannot be pinned. `require` refuses the two differently: a role that does not
allow the action is a PermissionDenied (403), a post whose state does not is
a ValidationError (400) that says why.
"""

from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from accounts.roles import Action, user_actions, user_may, user_require
from liveblog.models import Event, Post

__all__ = ["Action", "EventPolicy", "PostPolicy", "can", "require"]

# The actions a post's buttons offer, in the order the newsroom shows them.
POST_ACTIONS = (
    Action.EDIT, Action.PUBLISH, Action.SCHEDULE, Action.UNSCHEDULE, Action.PIN, Action.MARK_KEY_EVENT, Action.RETRACT,
)
EVENT_ACTIONS = (
    Action.CREATE_DRAFT, Action.PUBLISH, Action.SCHEDULE, Action.MANAGE_EVENTS, Action.SET_KEY_POINTS,
)


class PostPolicy:
    """What `user` may do with `post` as it stands (re-asked after the post changes in memory)."""

    def __init__(self, user, post: Post):
        self.user = user
        self.post = post

    def can(self, action: Action) -> bool:
        action = Action(action)
        return self._role_refusal(action) is None and self._state_refusal(action) is None

    def require(self, action: Action) -> None:
        """Refuse `action` with PermissionDenied (the role) or ValidationError (the post's state)."""
        action = Action(action)
        if (refusal := self._role_refusal(action)) is not None:
            raise PermissionDenied(refusal)
        if (refusal := self._state_refusal(action)) is not None:
            raise ValidationError(refusal)

    def require_role(self, action: Action) -> None:
        """Refuse with PermissionDenied only if the role does not allow `action` on this post."""
        if (refusal := self._role_refusal(Action(action))) is not None:
            raise PermissionDenied(refusal)

    def allowed(self) -> frozenset[Action]:
        """Every post action allowed now: the buttons the newsroom shows for this post."""
        return frozenset(action for action in POST_ACTIONS if self.can(action))

    def _role_refusal(self, action: Action) -> str | None:
        granted = user_actions(self.user)
        if action in (Action.VIEW, Action.EDIT):
            if action == Action.VIEW and self.post.is_public:
                return None
            if Action.EDIT_ANY_POST in granted:
                return None
            if Action.EDIT in granted and not self.post.is_public and self._is_own():
                return None
            if action == Action.VIEW:
                return "Only the newsroom sees drafts, and contributors only their own."
            if Action.EDIT in granted:
                return "Contributors edit only their own drafts; an editor can change this post."
            return f"You are not allowed to {action.phrase}."
        if action not in granted:
            return f"You are not allowed to {action.phrase}."
        return None

    def _state_refusal(self, action: Action) -> str | None:
        status = self.post.status
        if action == Action.EDIT and status == Post.Status.RETRACTED:
            return "A retracted post cannot be edited."
        if action == Action.MARK_KEY_EVENT and status == Post.Status.RETRACTED:
            return "A retracted post cannot be changed."
        if action == Action.PUBLISH and status not in (Post.Status.DRAFT, Post.Status.SCHEDULED):
            return f"Only a draft can be published; this post is {self.post.get_status_display().lower()}."
        if action == Action.SCHEDULE and status not in (Post.Status.DRAFT, Post.Status.SCHEDULED):
            return "Only a draft can be scheduled."
        if action == Action.UNSCHEDULE and status != Post.Status.SCHEDULED:
            return "This post is not scheduled."
        if action == Action.PIN and status != Post.Status.PUBLISHED:
            return "Only a published post can be pinned."
        if action == Action.RETRACT and status != Post.Status.PUBLISHED:
            return "Only a published post can be retracted."
        return None

    def _is_own(self) -> bool:
        # bylines.all() uses the prefetched bylines where a list view has them: no query per post.
        user_id = self.user.pk
        return self.post.created_by_id == user_id or any(byline.author_id == user_id for byline in self.post.bylines.all())


class EventPolicy:
    """What `user` may do in `event` (None: an event not created yet)."""

    def __init__(self, user, event: Event | None = None):
        self.user = user
        self.event = event

    def can(self, action: Action) -> bool:
        return user_may(self.user, action)

    def require(self, action: Action) -> None:
        user_require(self.user, action)

    def allowed(self) -> frozenset[Action]:
        """Every event action allowed: the newsroom's compose buttons and settings forms."""
        return frozenset(action for action in EVENT_ACTIONS if self.can(action))


def can(user, action: Action) -> bool:
    """For actions on no post or event (speakers, users, partner keys): whether the role allows it."""
    return user_may(user, action)


def require(user, action: Action) -> None:
    """Refuse with PermissionDenied unless the role allows `action` (speakers, users, partner keys)."""
    user_require(user, action)


# The model permissions that let each role's members use the admin's lists of our models.
ROLE_MODEL_PERMISSIONS = {
    Role.CONTRIBUTOR: [
        "view_event", "view_post", "add_post", "change_post",
        "view_speaker", "add_speaker", "view_quote", "add_quote", "change_quote",
    ],
    Role.EDITOR: [
        "view_event", "add_event", "change_event", "view_post", "add_post", "change_post",
        "view_speaker", "add_speaker", "change_speaker", "view_quote", "add_quote", "change_quote",
        "delete_quote", "view_keypoint", "add_keypoint", "change_keypoint", "delete_keypoint",
    ],
}


def role_model_permissions_sync(**kwargs) -> None:
    """Give the role groups their model permissions (a post_migrate receiver of this app)."""
    from django.contrib.auth.models import Group, Permission

    for role, codenames in ROLE_MODEL_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(Permission.objects.filter(content_type__app_label="liveblog", codename__in=codenames))
