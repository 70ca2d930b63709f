"""A live page a cache kept for a while: the copy is at seq N-k, and its script catches up.

A CDN or Varnish may hand a reader a copy of the live page up to max-age old. The
page carries the seq it was rendered at (data-seq), so its script resumes from
there and ends where a fresh load is: nothing published in between is lost.
"""

import pytest

from liveblog import services
from tests.browser.test_live_page import shown_posts
from tests.helpers import publish

pytestmark = pytest.mark.django_db(transaction=True)


def post_texts(page):
    """Each post's whole text, without the relative time the script keeps ticking."""
    return page.eval_on_selector_all(
        "#stream-posts > article.post",
        """els => els.map(el => {
            const copy = el.cloneNode(true);
            copy.querySelectorAll('.post__ago').forEach(ago => ago.remove());
            return copy.textContent.replace(/\\s+/g, ' ').trim();
        })""",
    )


async def test_a_page_cached_k_changes_ago_converges_to_a_fresh_load(
    page, browser, live_server_url, in_thread, editor, event, speaker
):
    opened = await in_thread(publish, event, editor, "Summit opens")
    quoted = await in_thread(
        publish, event, editor, "Leaders arrive", quotes=[services.QuoteInput(speaker, "We are ready")]
    )
    live_url = f"{live_server_url}/live/{event.slug}/"
    cached = await page.request.get(live_url)
    assert cached.ok
    stale_html = await cached.text()
    await in_thread(event.refresh_from_db)
    cached_at = event.seq
    assert f'data-seq="{cached_at}"' in stale_html

    # k changes after the cache took its copy: new posts, an edit, a pin, a speaker's correction.
    talks = await in_thread(publish, event, editor, "Talks begin")
    await in_thread(services.post_edit, post=opened, by=editor, expected_version=opened.version,
                    headline="Summit opened in Lancaster House")
    await in_thread(services.post_set_pinned, post=talks, by=editor, is_pinned=True)
    await in_thread(services.speaker_update, speaker=speaker, by=editor, name="Sir Keir Starmer")
    await in_thread(publish, event, editor, "Communique agreed")
    await in_thread(event.refresh_from_db)
    assert event.seq > cached_at + 4

    # The reader's browser is handed the old copy, as a cache in front would.
    async def from_the_cache(route):
        await route.fulfill(status=200, body=stale_html, content_type="text/html; charset=utf-8")

    assert "Communique agreed" not in stale_html
    await page.route(live_url, from_the_cache)
    await page.goto(live_url)
    await page.unroute(live_url)

    await page.wait_for_function(f"window.liveblog && window.liveblog.lastSeq() === {event.seq}", timeout=10000)
    # A reader arriving now, with nothing in their browser's cache.
    fresh = await (await browser.new_context()).new_page()
    await fresh.goto(live_url)
    assert await shown_posts(page) == await shown_posts(fresh)
    assert await post_texts(page) == await post_texts(fresh)
    assert "Sir Keir Starmer" in await page.locator(f"#post-{quoted.pk}").inner_text()
