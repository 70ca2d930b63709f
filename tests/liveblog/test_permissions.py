"""The post and event policies: what each role may do with a post in each of its states,
and the newsroom showing exactly the buttons the policy allows."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from liveblog import services
from liveblog.models import Post
from liveblog.permissions import Action, EventPolicy, PostPolicy

pytestmark = pytest.mark.django_db

STATES = ["draft", "scheduled", "published", "pinned", "retracted"]


@pytest.fixture
def posts(editor, event, publish):
    """One post of the editor's in every state."""
    scheduled = services.post_create_draft(event=event, by=editor, headline="Scheduled")
    scheduled = services.post_schedule(post=scheduled, by=editor, at=timezone.now() + timedelta(hours=1))
    pinned = services.post_set_pinned(post=publish("Pinned"), by=editor, is_pinned=True)
    return {
        "draft": services.post_create_draft(event=event, by=editor, headline="Draft"),
        "scheduled": scheduled,
        "published": publish("Published"),
        "pinned": pinned,
        "retracted": services.post_retract(post=publish("Retracted"), by=editor),
    }


EDITOR_MAY = {
    "draft":     {Action.EDIT, Action.PUBLISH, Action.SCHEDULE, Action.MARK_KEY_EVENT},
    "scheduled": {Action.EDIT, Action.PUBLISH, Action.SCHEDULE, Action.UNSCHEDULE, Action.MARK_KEY_EVENT},
    "published": {Action.EDIT, Action.PIN, Action.MARK_KEY_EVENT, Action.RETRACT},
    "pinned":    {Action.EDIT, Action.PIN, Action.MARK_KEY_EVENT, Action.RETRACT},
    "retracted": set(),
}


@pytest.mark.parametrize("state", STATES)
def test_an_editor_may_do_what_the_posts_state_allows(editor, posts, state):
    assert PostPolicy(editor, posts[state]).allowed() == EDITOR_MAY[state]


@pytest.mark.parametrize("state", STATES)
def test_a_contributor_may_only_edit_their_own_drafts(contributor, event, posts, state):
    own = services.post_create_draft(event=event, by=contributor, headline="Mine")

    assert PostPolicy(contributor, own).allowed() == {Action.EDIT}
    assert PostPolicy(contributor, posts[state]).allowed() == set()


@pytest.mark.parametrize("state", STATES)
def test_nobody_without_a_role_may_do_anything_but_see_what_is_public(reader, posts, state):
    post = posts[state]

    assert PostPolicy(reader, post).allowed() == set()
    assert PostPolicy(reader, post).can(Action.VIEW) is post.is_public


@pytest.mark.parametrize(
    "state, action, message",
    [
        ("retracted", Action.PIN, "Only a published post can be pinned."),
        ("draft", Action.RETRACT, "Only a published post can be retracted."),
        ("published", Action.PUBLISH, "Only a draft can be published; this post is published."),
        ("draft", Action.UNSCHEDULE, "This post is not scheduled."),
        ("retracted", Action.EDIT, "A retracted post cannot be edited."),
    ],
)
def test_require_says_why_the_posts_state_refuses(editor, posts, state, action, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        PostPolicy(editor, posts[state]).require(action)


def test_require_refuses_a_role_before_looking_at_the_state(contributor, posts):
    with pytest.raises(PermissionDenied, match="You are not allowed to retract posts."):
        PostPolicy(contributor, posts["draft"]).require(Action.RETRACT)
    with pytest.raises(PermissionDenied, match="Contributors edit only their own drafts"):
        PostPolicy(contributor, posts["draft"]).require(Action.EDIT)


def test_a_misspelt_action_fails_loudly_instead_of_denying(editor, posts):
    with pytest.raises(ValueError, match="'pubish' is not a valid Action"):
        PostPolicy(editor, posts["draft"]).can("pubish")


def test_event_policy_follows_the_role(editor, contributor, reader, event):
    assert EventPolicy(editor, event).allowed() == {
        Action.CREATE_DRAFT, Action.PUBLISH, Action.SCHEDULE, Action.MANAGE_EVENTS, Action.SET_KEY_POINTS,
    }
    assert EventPolicy(contributor, event).allowed() == {Action.CREATE_DRAFT}
    assert EventPolicy(reader, event).allowed() == set()
    with pytest.raises(PermissionDenied, match="You are not allowed to manage events."):
        EventPolicy(contributor, event).require(Action.MANAGE_EVENTS)


BUTTONS = {
    # newsroom button -> (policy action, shown when the post's flag is)
    "publish": (Action.PUBLISH, None), "unschedule": (Action.UNSCHEDULE, None), "retract": (Action.RETRACT, None),
    "pin": (Action.PIN, False), "unpin": (Action.PIN, True),
    "key-event": (Action.MARK_KEY_EVENT, False), "not-key-event": (Action.MARK_KEY_EVENT, True),
}


def shown_buttons(page: str, post: Post) -> set[str]:
    item = re.search(rf'<li class="nr-item[^"]*" id="newsroom-post-{post.pk}".*?</li>', page, re.S).group(0)
    shown = set(re.findall(r'/posts/\d+/([a-z-]+)/"', item)) & set(BUTTONS)
    if ">Edit</a>" in item:
        shown.add("edit")
    return shown


def expected_buttons(user, post: Post) -> set[str]:
    allowed = PostPolicy(user, post).allowed()
    expected = {"edit"} if Action.EDIT in allowed else set()
    for button, (action, flag) in BUTTONS.items():
        flag_now = post.is_pinned if action == Action.PIN else post.is_key_event
        if action in allowed and (flag is None or flag == flag_now):
            expected.add(button)
    return expected


@pytest.mark.parametrize("role", ["editor", "contributor"])
def test_the_stream_shows_exactly_the_buttons_the_policy_allows(role, editor, contributor, event, posts):
    user = {"editor": editor, "contributor": contributor}[role]
    services.post_create_draft(event=event, by=contributor, headline="Contributor's own")
    client = Client()
    client.force_login(user)

    page = client.get(reverse("admin:newsroom:stream", args=[event.pk])).content.decode()

    user = User.objects.get(pk=user.pk)
    for post in Post.objects.filter(event=event):
        assert shown_buttons(page, post) == expected_buttons(user, post), post.headline
