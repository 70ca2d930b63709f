"""The Atom feed of an event (RFC 4287): its latest published posts, for feed readers and partners."""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from liveblog import seo
from liveblog.models import Event, Post
from liveblog.representation import absolute_links, post_public
from liveblog.selectors import event_feed_posts

# XML 1.0 forbids these; one pasted into a headline must not turn the feed into an error.
_XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: str) -> str:
    return _XML_FORBIDDEN.sub("", value)


@dataclass(frozen=True)
class FeedEntry:
    """One post of the feed and its public representation, which the entry is written from.
    The times stay datetimes: Django's Atom writer formats them (RFC 3339) itself."""

    post: Post
    public: dict


@dataclass(frozen=True)
class FeedSource:
    """The event a feed is about, and how to make a site path absolute for the requesting host:
    feed readers show entries away from our site, so pictures need full URLs."""

    event: Event
    absolute: Callable[[str], str]


class PostAtomFeed(Atom1Feed):
    """Atom with the post's HTML as <content> and one <author> per byline, not just the first."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name in item["author_names"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.endElement("author")
        handler.addQuickElement("content", item["content_html"], {"type": "html"})


class EventFeed(Feed):
    feed_type = PostAtomFeed

    def get_object(self, request, slug: str) -> FeedSource:
        return FeedSource(event=Event.objects.get(slug=slug), absolute=request.build_absolute_uri)

    def title(self, source: FeedSource) -> str:
        return _xml_text(source.event.title)

    def subtitle(self, source: FeedSource) -> str:
        return _xml_text(seo.event_summary(source.event))

    def link(self, source: FeedSource) -> str:
        return source.event.get_absolute_url()

    def items(self, source: FeedSource) -> list[FeedEntry]:
        return [
            FeedEntry(post=post, public=absolute_links(post_public(post), absolute=source.absolute))
            for post in event_feed_posts(event=source.event)
        ]

    def item_title(self, entry: FeedEntry) -> str:
        # Atom titles are text, escaped once by the XML writer, unlike RSS's double escaping.
        return _xml_text(seo.post_title(entry.public))

    def item_description(self, entry: FeedEntry) -> None:
        """No <summary>: the whole post goes in <content>."""
        return None

    def item_link(self, entry: FeedEntry) -> str:
        return reverse("liveblog:post-detail", kwargs={"slug": entry.post.event.slug, "pk": entry.public["id"]})

    def item_pubdate(self, entry: FeedEntry):
        return entry.post.published_at

    def item_updateddate(self, entry: FeedEntry):
        return seo.post_modified_at(entry.post)

    def item_extra_kwargs(self, entry: FeedEntry) -> dict:
        content = render_to_string("liveblog/_feed_content.html", {"post": entry.public}).strip()
        return {
            "author_names": [_xml_text(author["name"]) for author in entry.public["authors"]],
            "content_html": _xml_text(content),
        }


def event_feed_response(request, event: Event) -> HttpResponse:
    """The feed of an event already looked up (the view found it to key its cached copy)."""
    feed = EventFeed().get_feed(FeedSource(event=event, absolute=request.build_absolute_uri), request)
    response = HttpResponse(content_type=feed.content_type)
    feed.write(response, "utf-8")
    return response
