"""Pages for readers: thin views over the selectors, each rendered once per change (pagecache)."""

from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_safe

from liveblog import pagecache, seo
from liveblog.api import caching
from liveblog.feeds import event_feed_response
from liveblog.models import Event, Post
from liveblog.representation import post_public
from liveblog.selectors import (
    StreamCursor,
    StreamPage,
    event_key_events,
    event_key_posts,
    event_last_change_at,
    event_post_public,
    event_stream_page,
    events_for_index,
    post_page_state,
    post_stream_cursor,
    speaker_published_quotes,
    speaker_with_page_state,
)

# The only query parameters the live page reads; any other (a tracking tag) shares its copy.
LIVE_PAGE_PARAMETERS = ("before", "filter")


def _feed_url(event: Event) -> str:
    return reverse("liveblog:event-feed", kwargs={"slug": event.slug})


KEY_EVENTS_FILTER = "key-events"


def _bad_request(request, event: Event, message: str):
    return render(
        request,
        "400.html",
        {
            "message": message,
            "back_url": event.get_absolute_url(),
            "back_label": f"Go to the latest updates on {event.title}",
        },
        status=400,
    )


@require_safe
def event_index(request):
    return render(
        request,
        "liveblog/event_index.html",
        {"events": events_for_index(), "share_description": seo.SITE_DESCRIPTION},
    )


@require_safe
def event_live(request, slug: str):
    event = get_object_or_404(Event, slug=slug)
    return pagecache.respond(
        request,
        state=(event.pk, event.seq),
        label=f"{event.seq}-",
        query={name: request.GET.get(name) for name in LIVE_PAGE_PARAMETERS},
        render=lambda: _event_live_render(request, event),
    )


def _event_live_render(request, event: Event):
    live_path = event.get_absolute_url()
    live_url = request.build_absolute_uri(live_path)
    only = request.GET.get("filter")
    if only is not None and only != KEY_EVENTS_FILTER:
        return _bad_request(request, event, "This page can only be filtered to key events.")
    before = request.GET.get("before")
    try:
        cursor = None if before is None else StreamCursor.parse(before)
    except ValueError:
        return _bad_request(request, event, "This link to older posts is not valid.")
    if only == KEY_EVENTS_FILTER:
        # Key events and summaries only, all on one page (a bounded list), followed live.
        key_posts = list(event_key_posts(event=event))
        page = StreamPage(posts=key_posts, is_first=True, older=None, newer=None)
    else:
        page = event_stream_page(event=event, before=cursor)
        key_posts = list(event_key_events(event=event)) if page.is_first else []
    context = {
        "event": event,
        "page": page,
        "posts": page.posts,
        "only_key_events": only == KEY_EVENTS_FILTER,
        "key_posts": key_posts,
        "last_updated": event_last_change_at(event=event) if page.is_first else None,
        "feed_url": _feed_url(event),
        "share_title": event.title,
        "share_description": seo.event_summary(event),
        "share_image": seo.event_image(event, absolute=request.build_absolute_uri),
    }
    if only == KEY_EVENTS_FILTER:
        context["canonical_url"] = f"{live_url}?filter={KEY_EVENTS_FILTER}"
    elif page.is_first:
        context["key_points"] = list(event.key_points.all())
        context["canonical_url"] = live_url
        context["json_ld"] = seo.json_ld(
            seo.live_blog_posting(event=event, posts=page.posts, url=live_url, absolute=request.build_absolute_uri)
        )
    else:
        context["canonical_url"] = f"{live_url}?before={cursor}"
    return render(request, "liveblog/event_live.html", context)


@require_safe
def post_detail(request, slug: str, pk: int):
    """One post on a page of its own: a stable link to share, whichever page of the stream it is on."""
    state = post_page_state(event_slug=slug, post_id=pk)
    if state is None:
        raise Http404("No such post in this event.")
    return pagecache.respond(
        request, state=(pk, *state), label=f"{state[1]}-", query={},
        render=lambda: _post_detail_render(request, slug, pk),
    )


def _post_detail_render(request, slug: str, pk: int):
    try:
        post = event_post_public(event_slug=slug, post_id=pk)
    except Post.DoesNotExist:
        raise Http404("No such post in this event.") from None
    event = post.event
    context = {"event": event, "post": post, "feed_url": _feed_url(event)}
    if post.status == Post.Status.RETRACTED:
        # Gone, not missing: the post existed and readers may hold links to it.
        return render(request, "liveblog/post_retracted.html", context, status=410)
    cursor = post_stream_cursor(post=post)
    stream_path = event.get_absolute_url() + (f"?before={cursor}" if cursor else "")
    public = post_public(post)
    title = seo.post_title(public)
    context.update(
        title=title,
        stream_url=f"{stream_path}#{post.anchor}",
        canonical_url=request.build_absolute_uri(request.path),
        share_title=title,
        share_description=seo.post_summary(public) or seo.event_summary(event),
        share_image=seo.post_image(public, event, absolute=request.build_absolute_uri),
    )
    return render(request, "liveblog/post_detail.html", context)


@require_safe
def speaker_detail(request, slug: str):
    speaker = speaker_with_page_state(slug=slug)
    if speaker is None:
        raise Http404("No such speaker.")
    return pagecache.respond(
        request,
        state=(caching.row_state(speaker), speaker.quote_count, speaker.quote_event_seq_sum),
        policy=caching.REFERENCE,
        query={},
        render=lambda: render(
            request,
            "liveblog/speaker_detail.html",
            {
                "speaker": speaker,
                "quotes": speaker_published_quotes(speaker=speaker),
                "canonical_url": request.build_absolute_uri(request.path),
                "share_title": speaker.name,
                "share_description": speaker.description or speaker.bio,
            },
        ),
    )


@require_safe
def event_feed(request, slug: str):
    """The event's Atom feed: feed readers poll it, so it is rendered once per change too."""
    event = get_object_or_404(Event, slug=slug)
    return pagecache.respond(
        request, state=(event.pk, event.seq), label=f"{event.seq}-", query={},
        render=lambda: event_feed_response(request, event),
    )


@require_safe
def favicon(request):
    """Browsers and crawlers ask for /favicon.ico whatever the page links: send them to the static file
    (looked up per request, so the hashed name of the collected file is the one linked)."""
    return HttpResponsePermanentRedirect(static("liveblog/favicon.ico"))
