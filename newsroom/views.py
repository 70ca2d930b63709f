"""The newsroom screens: an event's compose form and stream, post editing, history and event settings.

Thin views over liveblog.services. Each submit runs in one transaction, so a
post whose quote or picture is refused is not created at all; permissions,
versions and the live push are the services' business.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import slugify
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import is_newsroom_member
from accounts.services import user_has_byline, user_set_byline
from liveblog import services
from liveblog.markup import render_body
from liveblog.models import Byline, Event, Post, PostImage, Quote, Revision, Speaker
from liveblog.permissions import Action, EventPolicy, PostPolicy
from liveblog.rendering import post_fragment
from liveblog.sanitize import html_to_text
from liveblog.selectors import events_for_index, posts_with_relations
from liveblog.services import StaleVersionError
from newsroom.forms import (
    BylineForm,
    ComposeForm,
    EditForm,
    EventForm,
    ImageAddForm,
    KeyPointsForm,
    PostForm,
    QuoteAddForm,
    QuoteFormSet,
    RetractForm,
    VersionForm,
)

# The stream shows every draft and scheduled post and this many of the latest public ones;
# older posts stay on the live page and in the admin's post list.
STREAM_PUBLIC_LIMIT = 100

# Fields a conflict message shows with their current values.
CONFLICT_FIELDS = ("headline", "body", "kind", "correction_note", "status", "is_pinned", "is_key_event", "scheduled_for")

# The stream's one-click buttons and the policy action each needs.
POST_ACTIONS = {
    "publish": Action.PUBLISH,
    "pin": Action.PIN,
    "unpin": Action.PIN,
    "key-event": Action.MARK_KEY_EVENT,
    "not-key-event": Action.MARK_KEY_EVENT,
    "retract": Action.RETRACT,
    "unschedule": Action.UNSCHEDULE,
}


def _newsroom_member(user) -> None:
    if not is_newsroom_member(user):
        raise PermissionDenied("The newsroom is for journalists with a contributor or editor role.")


def _event_for(request, event_id: int) -> Event:
    _newsroom_member(request.user)
    event = get_object_or_404(Event, pk=event_id)
    # Forms read and show times in the event's zone, as readers see them.
    timezone.activate(event.time_zone)
    return event


def _post_for(event: Event, post_id: int) -> Post:
    return get_object_or_404(posts_with_relations(Post.objects.filter(event=event)), pk=post_id)


def _context(request, event: Event, title: str, **extra) -> dict:
    return {
        **admin.site.each_context(request),
        "title": title,
        "event": event,
        "may": EventPolicy(request.user, event).allowed(),
        **extra,
    }


def _newsroom_url(event: Event, post: Post | None = None) -> str:
    url = reverse("admin:newsroom:event", args=[event.pk])
    return f"{url}#newsroom-post-{post.pk}" if post is not None else url


def _messages_of(error: ValidationError) -> list[str]:
    return list(error.messages)


def _byline_first(request):
    """Send a journalist without a display name to set one (and a job title) before writing,
    so no byline ever shows a username; None when their byline is complete."""
    if user_has_byline(request.user):
        return None
    messages.info(request, "Before your first post: the name and job title readers will see in your bylines.")
    profile = reverse("admin:newsroom-byline")
    return HttpResponseRedirect(f"{profile}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}")


# The event list and the journalist's byline ------------------------------------------------------


@require_GET
def event_list(request):
    """Where signing in lands: every event, live ones first, each a click from its newsroom."""
    _newsroom_member(request.user)
    context = {
        **admin.site.each_context(request),
        "title": "Newsroom",
        "events": list(events_for_index()),
        "may_add_event": EventPolicy(request.user).can(Action.MANAGE_EVENTS),
    }
    return render(request, "newsroom/event_list.html", context)


@require_http_methods(["GET", "POST"])
def byline(request):
    """The journalist's own name and job title, as their bylines show them."""
    _newsroom_member(request.user)
    user = request.user
    next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = reverse("admin:newsroom-events")
    form = BylineForm(request.POST or None,
                      initial={"display_name": user.display_name, "job_title": user.job_title})
    if request.method == "POST" and form.is_valid():
        try:
            user_set_byline(user=user, by=user, **form.cleaned_data)
        except ValidationError as refused:
            form.add_error(None, _messages_of(refused))
        else:
            messages.success(request, f"Your bylines now read: {user.display_name}, {user.job_title}.")
            return HttpResponseRedirect(next_url)
    context = {**admin.site.each_context(request), "title": "Your byline", "form": form, "next_url": next_url}
    return render(request, "newsroom/byline.html", context, status=400 if form.errors else 200)


# The stream ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StreamItem:
    post: Post
    actions: frozenset[str]

    @property
    def excerpt(self) -> str:
        return html_to_text(self.post.body_html).replace("\n", " ")


def _post_actions(user, post: Post) -> frozenset[str]:
    """The stream's buttons for `post`: exactly what its policy allows now (pin and key event
    are toggles, shown as what pressing them would do)."""
    # The policy reads the prefetched bylines: no query per post.
    allowed = PostPolicy(user, post).allowed()
    buttons = {"edit", "publish", "unschedule", "retract"} & {str(action) for action in allowed}
    if Action.PIN in allowed:
        buttons.add("unpin" if post.is_pinned else "pin")
    if Action.MARK_KEY_EVENT in allowed:
        buttons.add("not-key-event" if post.is_key_event else "key-event")
    return frozenset(buttons)


def _stream(request, event: Event) -> dict:
    """Drafts and scheduled posts, then the latest public ones: a fixed number of queries."""
    base = posts_with_relations(Post.objects.filter(event=event)).select_related("created_by")
    unpublished = list(
        base.filter(status__in=[Post.Status.DRAFT, Post.Status.SCHEDULED]).order_by("-created_at", "-id")
    )
    public = list(
        base.filter(status__in=Post.PUBLIC_STATUSES).order_by("-is_pinned", "-published_at", "-id")[
            :STREAM_PUBLIC_LIMIT
        ]
    )
    user = request.user
    return {
        "unpublished": [StreamItem(post, _post_actions(user, post)) for post in unpublished],
        "public": [StreamItem(post, _post_actions(user, post)) for post in public],
        "public_limit": STREAM_PUBLIC_LIMIT,
    }


@require_GET
def stream(request, event_id: int):
    """The stream alone, which newsroom.js refetches when a colleague changes something."""
    event = _event_for(request, event_id)
    return render(request, "newsroom/_stream.html", {"event": event, **_stream(request, event)})


# Compose -------------------------------------------------------------------------------------


def _quote_inputs(quote_forms, *, by) -> list[services.QuoteInput]:
    """The quotes to attach, creating new speakers on the way (inside the caller's transaction)."""
    inputs = []
    for form in quote_forms:
        data = form.cleaned_data
        speaker = data.get("speaker") or services.speaker_create(
            name=data["new_speaker_name"],
            role=data.get("new_speaker_role", ""),
            organisation=data.get("new_speaker_organisation", ""),
            by=by,
        )
        inputs.append(services.QuoteInput(speaker, data["text"], data.get("said_at"), data.get("context", "")))
    return inputs


def _compose(request, event: Event, form: ComposeForm, quotes) -> Post:
    """Create the post, its quotes and picture, then publish or schedule it: all or nothing."""
    data, by = form.cleaned_data, request.user
    with transaction.atomic():
        post = services.post_create_draft(
            event=event,
            by=by,
            headline=data["headline"],
            body=data["body"],
            kind=data["kind"],
            authors=list(data["authors"]) or [by],
            quotes=_quote_inputs(quotes.filled(), by=by),
        )
        if data.get("image"):
            services.image_add(
                post=post, by=by, image=data["image"], alt_text=data["image_alt_text"],
                caption=data["image_caption"], credit=data["image_credit"],
            )
            post.refresh_from_db(fields=["version"])
        if data["intent"] == "publish":
            post = services.post_publish(post=post, by=by, expected_version=post.version)
        elif data["intent"] == "schedule":
            post = services.post_schedule(post=post, by=by, at=data["scheduled_for"], expected_version=post.version)
    return post


@require_http_methods(["GET", "POST"])
def newsroom(request, event_id: int):
    """The newsroom of one event: compose beside the stream (above it on narrow screens), live."""
    event = _event_for(request, event_id)
    if (ask := _byline_first(request)) is not None:
        return ask
    if request.method == "POST":
        EventPolicy(request.user, event).require(Action.CREATE_DRAFT)
        form = ComposeForm(request.POST, request.FILES)
        quotes = QuoteFormSet(request.POST, prefix="quotes")
        if form.is_valid() and quotes.is_valid():
            data = form.cleaned_data
            if not (data["headline"] or data["body"].strip() or data.get("image") or quotes.filled()):
                form.add_error(None, "Write a headline, a body or a quote first.")
            else:
                try:
                    post = _compose(request, event, form, quotes)
                except ValidationError as refused:
                    form.add_error(None, _messages_of(refused))
                else:
                    verb = {"publish": "Published", "schedule": "Scheduled"}.get(data["intent"], "Saved as a draft")
                    messages.success(request, f"{verb}: {post}.")
                    return HttpResponseRedirect(_newsroom_url(event, post))
        status = 400
    else:
        form = ComposeForm(initial={"authors": [request.user.pk]})
        quotes = QuoteFormSet(prefix="quotes")
        status = 200
    context = _context(
        request, event, f"Newsroom: {event.title}",
        form=form, quotes=quotes, media=form.media + quotes.media,
        **_stream(request, event),
    )
    return render(request, "newsroom/newsroom.html", context, status=status)


# Preview -------------------------------------------------------------------------------------


def _preview_quotes(quote_forms) -> list[Quote]:
    quotes = []
    for position, form in enumerate(quote_forms):
        data = form.cleaned_data
        speaker = data.get("speaker") or Speaker(
            name=data["new_speaker_name"],
            slug=slugify(data["new_speaker_name"]) or "speaker",
            role=data.get("new_speaker_role", ""),
            organisation=data.get("new_speaker_organisation", ""),
        )
        quotes.append(Quote(speaker=speaker, text=data["text"].strip(), context=data.get("context", "").strip(),
                            said_at=data.get("said_at"), position=position))
    return quotes


def _form_errors(form, quotes) -> list[str]:
    errors = [f"{name}: {error}" if name != "__all__" else error for name, errs in form.errors.items() for error in errs]
    if quotes is not None:
        errors += list(quotes.non_form_errors())
        for number, quote_errors in enumerate(quotes.errors, 1):
            errors += [f"Quote {number}: {error}" for errs in quote_errors.values() for error in errs]
    return errors


@require_POST
@xframe_options_sameorigin
def preview(request, event_id: int, post_id: int | None = None):
    """The post exactly as readers will see it, built in memory from the form: nothing is saved."""
    event = _event_for(request, event_id)
    form_class = PostForm if post_id is None else EditForm
    # The Preview button is not one of the intent buttons; a preview intends nothing.
    data = request.POST.copy()
    data["intent"] = "draft" if post_id is None else "save"
    form = form_class(data)
    quotes = QuoteFormSet(request.POST, prefix="quotes") if post_id is None else None
    valid = form.is_valid() and (quotes is None or quotes.is_valid())
    if not valid:
        return render(request, "newsroom/preview.html", {"event": event, "errors": _form_errors(form, quotes)},
                      status=400)
    data = form.cleaned_data
    if post_id is None:
        post = Post(pk=0, event=event, status=Post.Status.PUBLISHED,
                    published_at=data.get("scheduled_for") or timezone.now())
        post._prefetched_objects_cache = {"images": [], "quotes": _preview_quotes(quotes.filled())}
    else:
        post = _post_for(event, post_id)
        PostPolicy(request.user, post).require_role(Action.EDIT)
        post.published_at = post.published_at or data.get("scheduled_for") or timezone.now()
        post.correction_note = data.get("correction_note", "").strip()
        if post.status == Post.Status.PUBLISHED:
            post.updated_at = timezone.now()
    post.headline = data["headline"].strip()
    post.kind = data["kind"]
    post.body_html = render_body(data["body"])
    authors = list(data["authors"]) or [request.user]
    post._prefetched_objects_cache["bylines"] = [
        Byline(post=post, author=author, position=n) for n, author in enumerate(authors)
    ]
    return render(request, "newsroom/preview.html", {"event": event, "fragment": post_fragment(post)})


# Editing -------------------------------------------------------------------------------------


def _edit_initial(post: Post) -> dict:
    return {
        "headline": post.headline, "kind": post.kind, "body": post.body,
        "authors": [byline.author_id for byline in post.bylines.all()],
        "scheduled_for": post.scheduled_for, "correction_note": post.correction_note,
        "version": post.version,
    }


def _has_changes(post: Post, data: dict) -> bool:
    before = _edit_initial(post)
    after = {**data, "authors": [author.pk for author in data["authors"]] or before["authors"]}
    return any(before[name] != after[name] for name in ("headline", "kind", "body", "authors", "correction_note"))


def _conflict(stale: StaleVersionError) -> dict:
    """What the colleague changed, for the journalist to see before deciding what to keep."""
    current = stale.current
    changes = [{**change, "at": datetime.fromisoformat(change["at"])} for change in stale.changes]
    changed = {field for change in changes for field in change["fields"]}
    values = [
        (field.replace("_", " "), getattr(current, field)) for field in CONFLICT_FIELDS if field in changed
    ]
    if "authors" in changed:
        names = Byline.objects.filter(post=current).select_related("author").order_by("position")
        values.append(("authors", ", ".join(byline.author.byline_name for byline in names)))
    return {"message": str(stale), "changes": changes, "values": values, "version": current.version}


def _post_page(request, event, post, *, form, status=200, conflict=None, quote_form=None, image_form=None):
    policy = PostPolicy(request.user, post)
    context = _context(
        request, event, f"Edit post: {post}",
        post=post, form=form, conflict=conflict,
        may_edit=policy.can(Action.EDIT), post_may=policy.allowed(),
        quote_form=quote_form or QuoteAddForm(prefix="quote", initial={"version": post.version}),
        image_form=image_form or ImageAddForm(prefix="image", initial={"version": post.version}),
        preview_srcdoc=render_to_string("newsroom/preview.html", {
            "event": event, "fragment": post_fragment(post) if post.status != Post.Status.RETRACTED else "",
        }),
    )
    context["media"] = context["form"].media + context["quote_form"].media
    return render(request, "newsroom/post_edit.html", context, status=status)


def _edit_save(request, post: Post, data: dict) -> Post:
    by, version = request.user, data["version"]
    with transaction.atomic():
        if _has_changes(post, data):
            post = services.post_edit(
                post=post, by=by, expected_version=version,
                headline=data["headline"], body=data["body"], kind=data["kind"],
                authors=list(data["authors"]) or None,
                correction_note=data["correction_note"] if post.status == Post.Status.PUBLISHED else None,
            )
            version = post.version
        if data["intent"] == "publish":
            post = services.post_publish(post=post, by=by, expected_version=version)
        elif data["intent"] == "schedule":
            post = services.post_schedule(post=post, by=by, at=data["scheduled_for"], expected_version=version)
    return post


@require_http_methods(["GET", "POST"])
def post_edit(request, event_id: int, post_id: int):
    event = _event_for(request, event_id)
    if (ask := _byline_first(request)) is not None:
        return ask
    post = _post_for(event, post_id)
    if request.method == "GET":
        return _post_page(request, event, post, form=EditForm(initial=_edit_initial(post)))
    PostPolicy(request.user, post).require_role(Action.EDIT)
    form = EditForm(request.POST)
    if not form.is_valid():
        return _post_page(request, event, post, form=form, status=400)
    try:
        saved = _edit_save(request, post, form.cleaned_data)
    except StaleVersionError as stale:
        conflict = _conflict(stale)
        # Their work is shown above the form; saving again now knowingly replaces it.
        form = EditForm({**request.POST.dict(), "version": conflict["version"]})
        form.is_valid()
        return _post_page(request, event, _post_for(event, post_id), form=form, status=409, conflict=conflict)
    except ValidationError as refused:
        form.add_error(None, _messages_of(refused))
        return _post_page(request, event, post, form=form, status=400)
    messages.success(request, f"Saved: {saved}.")
    return HttpResponseRedirect(_newsroom_url(event, saved))


@require_POST
def quote_add(request, event_id: int, post_id: int):
    event = _event_for(request, event_id)
    post = _post_for(event, post_id)
    PostPolicy(request.user, post).require_role(Action.EDIT)
    form = QuoteAddForm(request.POST, prefix="quote")
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                (quote,) = _quote_inputs([form], by=request.user)
                services.quote_add(
                    post=post, speaker=quote.speaker, text=quote.text, said_at=quote.said_at,
                    context=quote.context, by=request.user, expected_version=data["version"],
                )
        except StaleVersionError as stale:
            return _post_page(request, event, post, form=EditForm(initial=_edit_initial(post)),
                              quote_form=form, status=409, conflict=_conflict(stale))
        except ValidationError as refused:
            form.add_error(None, _messages_of(refused))
        else:
            messages.success(request, f"Quote added to {post}.")
            return HttpResponseRedirect(reverse("admin:newsroom:post-edit", args=[event.pk, post.pk]))
    return _post_page(request, event, post, form=EditForm(initial=_edit_initial(post)), quote_form=form, status=400)


@require_POST
def image_add(request, event_id: int, post_id: int):
    event = _event_for(request, event_id)
    post = _post_for(event, post_id)
    PostPolicy(request.user, post).require_role(Action.EDIT)
    form = ImageAddForm(request.POST, request.FILES, prefix="image")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.image_add(post=post, by=request.user, image=data["image"], alt_text=data["alt_text"],
                               caption=data["caption"], credit=data["credit"], expected_version=data["version"])
        except StaleVersionError as stale:
            return _post_page(request, event, post, form=EditForm(initial=_edit_initial(post)),
                              image_form=form, status=409, conflict=_conflict(stale))
        except ValidationError as refused:
            form.add_error("image", _messages_of(refused))
        else:
            messages.success(request, f"Picture added to {post}.")
            return HttpResponseRedirect(reverse("admin:newsroom:post-edit", args=[event.pk, post.pk]))
    return _post_page(request, event, post, form=EditForm(initial=_edit_initial(post)), image_form=form, status=400)


@require_POST
def image_remove(request, event_id: int, post_id: int, image_id: int):
    event = _event_for(request, event_id)
    post = _post_for(event, post_id)
    image = get_object_or_404(PostImage.objects.select_related("post"), pk=image_id, post=post)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _action_refused(request, event, post, message="The page was out of date; reload it.", status=400)
    try:
        services.image_remove(image=image, by=request.user, expected_version=form.cleaned_data["version"])
    except StaleVersionError as stale:
        return _action_refused(request, event, post, message=str(stale), status=409, conflict=_conflict(stale))
    messages.success(request, f"Picture removed from {post}.")
    return HttpResponseRedirect(reverse("admin:newsroom:post-edit", args=[event.pk, post.pk]))


# One-click actions ---------------------------------------------------------------------------


def _action_refused(request, event, post, *, message, status, conflict=None):
    context = _context(request, event, "Not done", post=post, message=message, conflict=conflict)
    return render(request, "newsroom/action_refused.html", context, status=status)


@require_POST
def post_action(request, event_id: int, post_id: int, action: str):
    """Publish, pin, unpin, mark as key event, retract or unschedule, from the stream."""
    event = _event_for(request, event_id)
    if action not in POST_ACTIONS:
        return _action_refused(request, event, None, message=f"There is no action {action!r}.", status=404)
    post = _post_for(event, post_id)
    PostPolicy(request.user, post).require_role(POST_ACTIONS[action])
    form = (RetractForm if action == "retract" else VersionForm)(request.POST)
    if not form.is_valid():
        return _action_refused(request, event, post, status=400,
                               message="This button's form was incomplete or altered; reload the newsroom and try again.")
    by, version = request.user, form.cleaned_data["version"]
    try:
        if action == "publish":
            post = services.post_publish(post=post, by=by, expected_version=version)
        elif action in ("pin", "unpin"):
            post = services.post_set_pinned(post=post, by=by, is_pinned=action == "pin", expected_version=version)
        elif action in ("key-event", "not-key-event"):
            post = services.post_set_key_event(
                post=post, by=by, is_key_event=action == "key-event", expected_version=version
            )
        elif action == "retract":
            post = services.post_retract(post=post, by=by, note=form.cleaned_data["note"], expected_version=version)
        else:
            post = services.post_unschedule(post=post, by=by, expected_version=version)
    except StaleVersionError as stale:
        return _action_refused(request, event, post, message=str(stale), status=409, conflict=_conflict(stale))
    except ValidationError as refused:
        return _action_refused(request, event, post, message=" ".join(_messages_of(refused)), status=400)
    done = {
        "publish": "Published", "pin": "Pinned", "unpin": "Unpinned", "key-event": "Marked as key event",
        "not-key-event": "No longer a key event", "retract": "Retracted", "unschedule": "Back to draft",
    }[action]
    messages.success(request, f"{done}: {post}.")
    return HttpResponseRedirect(_newsroom_url(event, post))


# History -------------------------------------------------------------------------------------


@require_GET
def revisions(request, event_id: int, post_id: int):
    """Every saved version of the post: who, when, what changed; earlier ones can be restored."""
    event = _event_for(request, event_id)
    post = _post_for(event, post_id)
    history, before = [], {}
    for revision in Revision.objects.filter(post=post).select_related("by").order_by("version"):
        changed = sorted(key for key, value in revision.snapshot.items() if before.get(key) != value)
        history.append({"revision": revision, "changed": changed if before else ["created"]})
        before = revision.snapshot
    history.reverse()
    context = _context(
        request, event, f"History: {post}", post=post, history=history,
        may_restore=PostPolicy(request.user, post).can(Action.EDIT),
    )
    return render(request, "newsroom/revisions.html", context)


@require_POST
def revision_restore(request, event_id: int, post_id: int, revision_id: int):
    event = _event_for(request, event_id)
    post = _post_for(event, post_id)
    revision = get_object_or_404(Revision, pk=revision_id, post=post)
    PostPolicy(request.user, post).require_role(Action.EDIT)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _action_refused(request, event, post, status=400,
                               message="This button's form was incomplete or altered; reload and try again.")
    try:
        post = services.post_restore_revision(
            post=post, revision=revision, by=request.user, expected_version=form.cleaned_data["version"]
        )
    except StaleVersionError as stale:
        return _action_refused(request, event, post, message=str(stale), status=409, conflict=_conflict(stale))
    except ValidationError as refused:
        return _action_refused(request, event, post, message=" ".join(_messages_of(refused)), status=400)
    messages.success(request, f"Version {revision.version} restored as version {post.version}.")
    return HttpResponseRedirect(reverse("admin:newsroom:post-revisions", args=[event.pk, post.pk]))


# The event -----------------------------------------------------------------------------------


def _event_initial(event: Event) -> dict:
    return {"title": event.title, "standfirst": event.standfirst, "status": event.status,
            "time_zone": event.time_zone, "lead_image_alt": event.lead_image_alt}


@require_http_methods(["GET", "POST"])
def event_settings(request, event_id: int):
    """Title, standfirst, status, time zone and key points: each save is a public change."""
    event = _event_for(request, event_id)
    policy = EventPolicy(request.user, event)
    if not (policy.can(Action.MANAGE_EVENTS) or policy.can(Action.SET_KEY_POINTS)):
        raise PermissionDenied("Only editors manage events.")
    key_points = [point.text for point in event.key_points.all()]
    event_form = EventForm(initial=_event_initial(event))
    points_form = KeyPointsForm(initial={"points": "\n".join(key_points)})
    status = 200
    if request.method == "POST" and request.POST.get("form") == "key_points":
        policy.require(Action.SET_KEY_POINTS)
        points_form = KeyPointsForm(request.POST)
        if points_form.is_valid():
            try:
                services.event_set_key_points(event=event, points=points_form.cleaned_data["points"], by=request.user)
            except ValidationError as refused:
                points_form.add_error(None, _messages_of(refused))
            else:
                messages.success(request, "Key points saved; readers see them now.")
                return HttpResponseRedirect(reverse("admin:newsroom:event-settings", args=[event.pk]))
        status = 400
    elif request.method == "POST":
        policy.require(Action.MANAGE_EVENTS)
        event_form = EventForm(request.POST, request.FILES)
        if event_form.is_valid():
            try:
                _event_save(request, event, event_form.cleaned_data)
            except ValidationError as refused:
                event_form.add_error(None, _messages_of(refused))
            else:
                messages.success(request, "Event saved; readers see the change now.")
                return HttpResponseRedirect(reverse("admin:newsroom:event-settings", args=[event.pk]))
        status = 400
    context = _context(request, event, f"Event: {event.title}", event_form=event_form, points_form=points_form)
    return render(request, "newsroom/event_settings.html", context, status=status)


def _event_save(request, event: Event, data: dict) -> None:
    by = request.user
    with transaction.atomic():
        details = {name: data[name] for name in ("title", "standfirst", "time_zone")}
        # Each call is a public change: make one only for what really changed.
        if any(getattr(event, name) != value.strip() for name, value in details.items()):
            event = services.event_update(event=event, by=by, **details)
        if data["status"] != event.status:
            event = services.event_set_status(event=event, status=data["status"], by=by)
        if data.get("lead_image"):
            services.event_set_lead_image(event=event, by=by, image=data["lead_image"], alt_text=data["lead_image_alt"])

