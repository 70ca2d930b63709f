"""How a change looks to readers: the JSON state and the HTML fragment, built once per change.

The JSON is the post's public representation (liveblog/representation.py);
the socket adds the live page's own markup beside it.
"""

from django.template.loader import render_to_string

from liveblog.models import Event, Post
from liveblog.representation import event_public, post_public, post_tombstone


def post_fragment(post: Post) -> str:
    """The post's HTML exactly as the live page shows it."""
    return render_to_string("liveblog/_post.html", {"post": post, "event": post.event})


def key_points_fragment(event: Event, key_points) -> str:
    return render_to_string("liveblog/_key_points.html", {"event": event, "key_points": key_points})


def post_state(post: Post) -> dict:
    """Everything a reader's page needs to show (or remove) one post: a tombstone once retracted."""
    if post.status == Post.Status.RETRACTED:
        return post_tombstone(post)
    return {**post_public(post), "html": post_fragment(post)}


def event_state(event: Event) -> dict:
    return event_public(event)
