"""The embeddable live blog: /embed.js for partner pages, and the page it frames.

The embed page is the same HTML for every viewer and every partner, so the render
cache and a CDN may share it; only its Content-Security-Policy says where it may be
framed: our own pages and every origin an active partner key lists.
"""

from functools import cache

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from accounts.services import embed_origins_listed
from liveblog import pagecache
from liveblog.models import Event
from liveblog.selectors import event_stream_page

# Partners reference /embed.js by a fixed address, so it cannot be hashed and cached for
# ever like our other static files; an hour lets a fix reach every partner page the same day.
EMBED_SCRIPT_MAX_AGE = 3600


def frame_ancestors() -> str:
    return " ".join(["'self'", *sorted(embed_origins_listed())])


@require_safe
@xframe_options_exempt  # the CSP below says who may frame it; X-Frame-Options cannot list sites
def event_embed(request, slug: str):
    """The event's latest posts, kept live by live.js, sized and themed for an iframe."""
    event = get_object_or_404(Event, slug=slug)
    response = pagecache.respond(
        request, state=(event.pk, event.seq), label=f"{event.seq}-", query={},
        render=lambda: _event_embed_render(request, event),
    )
    # Outside the stored copy: which sites may frame it changes with partner keys, not the event.
    response["Content-Security-Policy"] = f"frame-ancestors {frame_ancestors()}"
    return response


def _event_embed_render(request, event: Event) -> HttpResponse:
    page = event_stream_page(event=event, before=None)
    return render(request, "liveblog/event_embed.html", {"event": event, "posts": page.posts, "page": page})


@cache
def _embed_script() -> bytes:
    with open(finders.find("liveblog/embed.js"), "rb") as script:
        return script.read()


@require_safe
def embed_script(request):
    """The script partner pages include; it makes the iframe and keeps it as tall as the blog."""
    response = HttpResponse(_embed_script(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={EMBED_SCRIPT_MAX_AGE}"
    return response
