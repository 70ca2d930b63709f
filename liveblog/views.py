"""Pages for readers: thin views over the selectors."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from liveblog.models import Event
from liveblog.selectors import event_published_posts, events_for_index


@require_safe
def event_index(request):
    return render(request, "liveblog/event_index.html", {"events": events_for_index()})


@require_safe
def event_live(request, slug: str):
    event = get_object_or_404(Event, slug=slug)
    return render(
        request,
        "liveblog/event_live.html",
        {
            "event": event,
            "key_points": list(event.key_points.all()),
            "posts": event_published_posts(event=event),
        },
    )
