"""A reader's page in a real browser: posts arrive by themselves and a dropped
socket catches up to exactly what a fresh load shows."""

import re

import pytest

from liveblog import services
from tests.helpers import publish

pytestmark = pytest.mark.django_db(transaction=True)

POSTS = "#stream-posts > article.post"


async def shown_posts(page):
    """What the reader sees: each post's id and headline, in page order."""
    return await page.eval_on_selector_all(
        POSTS, "els => els.map(el => [el.id, el.querySelector('h3') ? el.querySelector('h3').textContent : ''])"
    )


async def headlines(page):
    return [headline for _, headline in await shown_posts(page)]


async def open_live_page(page, live_server_url, event):
    await page.goto(f"{live_server_url}/live/{event.slug}/")
    await page.wait_for_function("window.liveblog && window.liveblog.isConnected()", timeout=10000)


async def test_published_post_appears_without_reload(page, live_server_url, in_thread, editor, event, speaker):
    await in_thread(publish, event, editor, "Before the reader came")
    await open_live_page(page, live_server_url, event)

    post = await in_thread(
        publish, event, editor, "Summit under way",
        quotes=[services.QuoteInput(speaker, "sooner or later", context="told leaders")],
    )

    # Within 2 seconds of the commit the post is on screen, quote and speaker included.
    await page.wait_for_selector(f"#post-{post.pk}", timeout=2000)
    text = await page.locator(f"#post-{post.pk}").inner_text()
    assert "sooner or later" in text and "Keir Starmer" in text
    assert await headlines(page) == ["Summit under way", "Before the reader came"]
    assert await page.locator("#live-announcer").inner_text() == "New post: Summit under way"
    # The script keeps a relative time beside the absolute one.
    assert await page.locator(f"#post-{post.pk} .post__ago").inner_text() == "just now"


async def test_page_catches_up_after_the_socket_was_cut(page, browser, live_server_url, in_thread, editor, event):
    first = await in_thread(publish, event, editor, "First")
    second = await in_thread(publish, event, editor, "Second")
    await open_live_page(page, live_server_url, event)

    await page.evaluate("window.liveblog.pause()")
    assert not await page.evaluate("window.liveblog.isConnected()")
    await in_thread(publish, event, editor, "Missed one")
    await in_thread(publish, event, editor, "Missed two")
    third = await in_thread(publish, event, editor, "Missed three")
    await in_thread(services.post_edit, post=first, by=editor, expected_version=first.version, headline="First, fixed")
    await in_thread(services.post_retract, post=second, by=editor)
    await in_thread(services.post_set_pinned, post=third, by=editor, is_pinned=True)
    await in_thread(event.refresh_from_db)

    await page.evaluate("window.liveblog.resume()")
    await page.wait_for_function(f"window.liveblog.lastSeq() === {event.seq}", timeout=5000)

    fresh = await page.context.new_page()
    await fresh.goto(f"{live_server_url}/live/{event.slug}/")
    assert await shown_posts(page) == await shown_posts(fresh)
    assert await headlines(page) == ["Missed three", "Missed two", "Missed one", "First, fixed"]
    ids = [post_id for post_id, _ in await shown_posts(page)]
    assert len(ids) == len(set(ids))


async def test_page_reconnects_by_itself_after_the_connection_drops(page, live_server_url, in_thread, editor, event):
    network = {"up": True, "open": []}

    async def through_network(socket):
        # Every socket the page opens passes here; while the network is "down" it is refused.
        if not network["up"]:
            await socket.close(code=1006, reason="network down")
            return
        socket.connect_to_server()
        network["open"].append(socket)

    await page.route_web_socket(re.compile(r"/ws/events/"), through_network)
    first = await in_thread(publish, event, editor, "Before the drop")
    await open_live_page(page, live_server_url, event)

    network["up"] = False
    for socket in network["open"]:
        await socket.close(code=1006, reason="network down")
    await page.wait_for_function("!window.liveblog.isConnected()", timeout=5000)
    await in_thread(publish, event, editor, "While offline")
    await in_thread(services.post_edit, post=first, by=editor, expected_version=first.version, headline="Edited offline")
    network["up"] = True

    # The script retries with backoff (at most a few seconds here) and resumes after its last seq.
    await page.wait_for_selector("text=While offline", timeout=20000)
    await page.wait_for_selector("text=Edited offline", timeout=5000)
    assert await headlines(page) == ["While offline", "Edited offline"]


async def test_reader_scrolled_down_gets_a_new_posts_button(page, live_server_url, in_thread, editor, event):
    for i in range(8):
        await in_thread(publish, event, editor, f"Earlier {i}", body="<p>" + "Long paragraph. " * 60 + "</p>")
    await open_live_page(page, live_server_url, event)
    await page.mouse.wheel(0, 3000)
    await page.wait_for_function("window.scrollY > 1000")

    await in_thread(publish, event, editor, "Fresh news")
    button = page.locator("#new-posts")
    await button.wait_for(state="visible", timeout=2000)
    assert await button.inner_text() == "1 new post"
    assert await page.locator("text=Fresh news").count() == 0

    await button.click()
    await page.wait_for_selector("text=Fresh news", timeout=2000)
    assert (await headlines(page))[0] == "Fresh news"
    assert await button.is_hidden()
