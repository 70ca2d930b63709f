"""Who may do what from the newsroom and the admin, for every kind of account.

The services decide (liveblog/permissions.py); these tests prove that no
newsroom or admin URL lets anyone past them.
"""

import pytest
from django.urls import reverse

from liveblog import services
from liveblog.models import Event, Post
from tests.helpers import html_elements, html_text
from tests.newsroom.conftest import compose, newsroom_url, signed_in

pytestmark = pytest.mark.django_db

ROLES = ["contributor", "editor", "superuser", "staff_without_role", "no_role", "anonymous"]
LOGIN = "login"  # redirected to the admin's sign-in page


@pytest.fixture
def world(editor, contributor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="Editor's draft")
    own_draft = services.post_create_draft(event=event, by=contributor, headline="Contributor's draft")
    published = services.post_publish(
        post=services.post_create_draft(event=event, by=editor, headline="Published"), by=editor
    )
    return {"event": event, "draft": draft, "own_draft": own_draft, "published": published}


def edit(post, **fields):
    return {"headline": post.headline, "kind": post.kind, "body": post.body, "version": post.version,
            "intent": "save", **fields}


def act(action, key):
    def request(client, w):
        post = w[key]
        return client.post(newsroom_url(w["event"], "post-action", post.pk, action), {"version": post.version})
    return request


def first_revision(w):
    return w["published"].revisions.order_by("version").first()


SCENARIOS = {
    "open the newsroom": lambda c, w: c.get(newsroom_url(w["event"])),
    "fetch the stream": lambda c, w: c.get(newsroom_url(w["event"], "stream")),
    "preview": lambda c, w: c.post(newsroom_url(w["event"], "preview"), compose(headline="p")),
    "save a draft": lambda c, w: c.post(newsroom_url(w["event"]), compose(headline="New")),
    "publish in one submit": lambda c, w: c.post(newsroom_url(w["event"]), compose(headline="New", intent="publish")),
    "publish a draft": act("publish", "draft"),
    "pin": act("pin", "published"),
    "mark as key event": act("key-event", "published"),
    "retract": act("retract", "published"),
    "edit own draft": lambda c, w: c.post(
        newsroom_url(w["event"], "post-edit", w["own_draft"].pk), edit(w["own_draft"], headline="Mine, edited")),
    "edit someone else's draft": lambda c, w: c.post(
        newsroom_url(w["event"], "post-edit", w["draft"].pk), edit(w["draft"], headline="Edited")),
    "edit a published post": lambda c, w: c.post(
        newsroom_url(w["event"], "post-edit", w["published"].pk), edit(w["published"], headline="Edited")),
    "restore a revision": lambda c, w: c.post(
        newsroom_url(w["event"], "revision-restore", w["published"].pk, first_revision(w).pk),
        {"version": w["published"].version}),
    "view post history": lambda c, w: c.get(newsroom_url(w["event"], "post-revisions", w["published"].pk)),
    "open event settings": lambda c, w: c.get(newsroom_url(w["event"], "event-settings")),
    "set key points": lambda c, w: c.post(
        newsroom_url(w["event"], "event-settings"), {"form": "key_points", "points": "One\nTwo"}),
    "end the event": lambda c, w: c.post(newsroom_url(w["event"], "event-settings"), {
        "form": "event", "title": w["event"].title, "standfirst": "", "status": "ended", "time_zone": "Europe/London"}),
    "create an event in the admin": lambda c, w: c.post(reverse("admin:liveblog_event_add"), {
        "title": "Admin-made", "slug": "", "standfirst": "", "status": "scheduled", "time_zone": "Europe/London"}),
    "list partner API keys": lambda c, w: c.get(reverse("admin:accounts_partnerapikey_changelist")),
    "issue a partner API key": lambda c, w: c.post(
        reverse("admin:accounts_partnerapikey_add"), {"name": "Partner", "rate_limit_per_minute": 60}),
    "list users": lambda c, w: c.get(reverse("admin:accounts_user_changelist")),
}

# Expected status per role, in ROLES order. 302 is success after a form; LOGIN is the sign-in page.
MATRIX = {
    "open the newsroom":            [200, 200, 200, 403, LOGIN, LOGIN],
    "fetch the stream":             [200, 200, 200, 403, LOGIN, LOGIN],
    "preview":                      [200, 200, 200, 403, LOGIN, LOGIN],
    "save a draft":                 [302, 302, 302, 403, LOGIN, LOGIN],
    "publish in one submit":        [403, 302, 302, 403, LOGIN, LOGIN],
    "publish a draft":              [403, 302, 302, 403, LOGIN, LOGIN],
    "pin":                          [403, 302, 302, 403, LOGIN, LOGIN],
    "mark as key event":            [403, 302, 302, 403, LOGIN, LOGIN],
    "retract":                      [403, 302, 302, 403, LOGIN, LOGIN],
    "edit own draft":               [302, 302, 302, 403, LOGIN, LOGIN],
    "edit someone else's draft":    [403, 302, 302, 403, LOGIN, LOGIN],
    "edit a published post":        [403, 302, 302, 403, LOGIN, LOGIN],
    "restore a revision":           [403, 302, 302, 403, LOGIN, LOGIN],
    "view post history":            [200, 200, 200, 403, LOGIN, LOGIN],
    "open event settings":          [403, 200, 200, 403, LOGIN, LOGIN],
    "set key points":               [403, 302, 302, 403, LOGIN, LOGIN],
    "end the event":                [403, 302, 302, 403, LOGIN, LOGIN],
    "create an event in the admin": [403, 302, 302, 403, LOGIN, LOGIN],
    "list partner API keys":        [403, 403, 200, 403, LOGIN, LOGIN],
    "issue a partner API key":      [403, 403, 200, 403, LOGIN, LOGIN],
    "list users":                   [403, 403, 200, 403, LOGIN, LOGIN],
}


def state(w) -> tuple:
    """Everything the scenarios could change."""
    posts = tuple(Post.objects.order_by("pk").values_list("pk", "headline", "status", "is_pinned", "is_key_event", "version"))
    event = Event.objects.get(pk=w["event"].pk)
    return posts, event.status, event.seq, tuple(event.key_points.values_list("text", flat=True)), Event.objects.count()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_permission_matrix(scenario, role, accounts, world):
    expected = MATRIX[scenario][ROLES.index(role)]
    before = state(world)

    response = SCENARIOS[scenario](signed_in(accounts[role]), world)

    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    else:
        assert response.status_code == expected, response.content.decode()[:500]
    if expected in (403, LOGIN):
        assert state(world) == before, "a refused request changed something"


def test_contributor_cannot_publish_through_any_admin_url(as_contributor, world):
    draft = world["own_draft"]
    attempts = [
        as_contributor.post(reverse("admin:liveblog_post_change", args=[draft.pk]), {"status": "published"}),
        as_contributor.post(reverse("admin:liveblog_post_add"), {"event": world["event"].pk, "status": "published"}),
        as_contributor.post(reverse("admin:liveblog_post_changelist"),
                            {"action": "delete_selected", "_selected_action": [draft.pk]}),
        as_contributor.post(reverse("admin:liveblog_event_change", args=[world["event"].pk]), {"status": "ended"}),
        as_contributor.post(newsroom_url(world["event"], "post-edit", draft.pk), edit(draft, intent="publish")),
        as_contributor.post(newsroom_url(world["event"], "post-edit", draft.pk),
                            edit(draft, intent="schedule", scheduled_for="2099-01-01T10:00")),
    ]

    draft.refresh_from_db()
    assert [response.status_code for response in attempts] == [302, 403, 200, 302, 403, 403]  # 200: the list, no action run
    assert draft.status == Post.Status.DRAFT and draft.headline == "Contributor's draft"
    assert Post.objects.filter(status=Post.Status.PUBLISHED).count() == 1


def test_admin_model_pages_never_save_posts_or_quotes_directly(as_editor, world):
    published = world["published"]

    change = as_editor.get(reverse("admin:liveblog_post_change", args=[published.pk]))
    add = as_editor.get(reverse("admin:liveblog_post_add"))
    quote_add = as_editor.get(reverse("admin:liveblog_quote_add"))

    assert change.status_code == 302
    assert change["Location"] == newsroom_url(world["event"], "post-edit", published.pk)
    assert add.status_code == quote_add.status_code == 403


def test_journalist_sees_only_the_buttons_their_role_allows(as_contributor, as_editor, world):
    contributor_view = as_contributor.get(newsroom_url(world["event"], "stream")).content.decode()
    editor_view = as_editor.get(newsroom_url(world["event"], "stream")).content.decode()

    assert html_elements(contributor_view, None, data_action="publish") == [] and "Retract" not in contributor_view
    assert len(edit_links(contributor_view)) == 1  # their own draft only
    assert html_elements(editor_view, None, data_action="publish") != [] and "Retract" in editor_view
    assert len(edit_links(editor_view)) == 3


def edit_links(page):
    return [link for link in html_elements(page, "a") if html_text(link) == "Edit"]
