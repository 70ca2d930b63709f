"""Images reach partners as `media`, in a page of posts and in the changes feed alike."""

from liveblog import services
from tests.helpers import png


def test_post_images_are_listed_as_media_with_absolute_urls(client, editor, event, publish):
    post = publish("Leaders on screen")
    services.image_add(post=post, by=editor, image=png(size=(64, 48)), alt_text="Leaders on a call", caption="The call", credit="Pool")

    page = client.get(f"/api/v1/events/{event.slug}/posts/").json()
    feed = client.get(f"/api/v1/events/{event.slug}/posts/?after=1").json()

    listed = page["results"][0]["media"]
    replayed = feed["changes"][-1]["post"]["media"]
    assert listed == replayed
    assert listed[0] | {"url": "…"} == {
        "type": "image", "url": "…", "width": 64, "height": 48,
        "alt_text": "Leaders on a call", "caption": "The call", "credit": "Pool",
    }
    assert listed[0]["url"].startswith("http://testserver/media/posts/")
