"""A reader's page in a real browser: posts arrive by themselves and a dropped
socket catches up to exactly what a fresh load shows."""

import re

import pytest

from liveblog import services
from tests.helpers import png, publish

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

    # A reader arriving now, with nothing in their browser's cache.
    fresh = await (await browser.new_context()).new_page()
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


async def test_paused_page_queues_changes_and_applies_them_in_order_on_resume(
    page, live_server_url, in_thread, editor, event
):
    first = await in_thread(publish, event, editor, "Before the pause")
    await open_live_page(page, live_server_url, event)
    await page.click("#live-pause")
    assert await page.get_attribute("#live-pause", "aria-pressed") == "true"

    await in_thread(publish, event, editor, "Queued one")
    await in_thread(publish, event, editor, "Queued two")
    await in_thread(services.post_edit, post=first, by=editor, expected_version=first.version, headline="Edited while paused")
    await page.wait_for_function(
        "document.getElementById('live-queued').textContent === '3 updates waiting'", timeout=3000
    )
    # Nothing moved while paused (WCAG 2.2.2).
    assert await headlines(page) == ["Before the pause"]

    await page.click("#live-pause")
    assert await headlines(page) == ["Queued two", "Queued one", "Edited while paused"]
    assert await page.locator("#live-queued").inner_text() == ""
    assert await page.inner_text("#live-pause") == "Pause live updates"


async def test_retracted_post_is_replaced_in_place_by_a_notice(page, live_server_url, in_thread, editor, event):
    await in_thread(publish, event, editor, "Older")
    wrong = await in_thread(publish, event, editor, "Wrong minister named")
    await in_thread(publish, event, editor, "Newer")
    await open_live_page(page, live_server_url, event)

    await in_thread(services.post_retract, post=wrong, by=editor, note="This post named the wrong minister.")

    notice = page.locator(f"#post-{wrong.pk}.retracted")
    await notice.wait_for(timeout=2000)
    assert "This post was retracted at" in await notice.inner_text()
    assert "This post named the wrong minister." in await notice.inner_text()
    order = await page.eval_on_selector_all("#stream-posts > *", "els => els.map(el => el.className.split(' ')[0])")
    assert order == ["post", "retracted", "post"]
    assert await headlines(page) == ["Newer", "Older"]


async def test_title_counts_updates_while_the_tab_is_hidden(page, live_server_url, in_thread, editor, event):
    await in_thread(publish, event, editor, "Seen")
    await open_live_page(page, live_server_url, event)
    title = await page.title()
    await page.evaluate(
        "Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    await in_thread(publish, event, editor, "While away 1")
    await in_thread(publish, event, editor, "While away 2")
    await page.wait_for_function(f"document.title === {('(2) ' + title)!r}", timeout=3000)
    assert await page.locator("#jump-unread").is_visible()

    await page.evaluate(
        "Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    await page.wait_for_function(f"document.title === {title!r}", timeout=2000)


async def test_scrolled_reader_sees_a_count_and_jumps_to_the_first_unread(page, live_server_url, in_thread, editor, event):
    for i in range(6):
        await in_thread(publish, event, editor, f"Earlier {i}", body="<p>" + "Long paragraph. " * 60 + "</p>")
    await open_live_page(page, live_server_url, event)
    title = await page.title()
    await page.mouse.wheel(0, 3000)
    await page.wait_for_function("window.scrollY > 1000")

    first_unread = await in_thread(publish, event, editor, "Unread one")
    await in_thread(publish, event, editor, "Unread two")
    await page.wait_for_function(f"document.title === {('(2) ' + title)!r}", timeout=3000)

    await page.click("#jump-unread")
    await page.wait_for_function(f"document.activeElement && document.activeElement.id === 'post-{first_unread.pk}'")
    assert (await headlines(page))[:2] == ["Unread two", "Unread one"]
    assert await page.title() == title


async def test_key_events_list_follows_live_changes(page, live_server_url, in_thread, editor, event):
    post = await in_thread(publish, event, editor, "Talks begin")
    await open_live_page(page, live_server_url, event)
    assert await page.locator("#key-events").is_hidden()

    post = await in_thread(services.post_set_key_event, post=post, by=editor, is_key_event=True)
    entry = page.locator(f'#key-events-list li[data-post-id="{post.pk}"] a')
    await entry.wait_for(state="attached", timeout=2000)
    assert await entry.get_attribute("href") == f"#post-{post.pk}"
    summary = await in_thread(publish, event, editor, "What we know so far", kind="summary")
    await page.wait_for_function("document.querySelectorAll('#key-events-list li').length === 2", timeout=2000)
    titles = await page.eval_on_selector_all("#key-events-list .key-events__title", "els => els.map(el => el.textContent)")
    assert titles == ["What we know so far", "Talks begin"]
    assert await page.inner_text("#key-events-count") == "(2)"

    await in_thread(services.post_set_key_event, post=post, by=editor, is_key_event=False)
    await in_thread(services.post_retract, post=summary, by=editor)
    await page.wait_for_function("document.querySelectorAll('#key-events-list li').length === 0", timeout=2000)
    assert await page.locator("#key-events").is_hidden()


async def test_key_events_view_follows_live_and_leaves_other_posts_out(page, live_server_url, in_thread, editor, event):
    key = await in_thread(publish, event, editor, "Deal struck")
    key = await in_thread(services.post_set_key_event, post=key, by=editor, is_key_event=True)
    await page.goto(f"{live_server_url}/live/{event.slug}/?filter=key-events")
    await page.wait_for_function("window.liveblog && window.liveblog.isConnected()", timeout=10000)

    await in_thread(publish, event, editor, "Just an update")
    later = await in_thread(publish, event, editor, "Later development")
    await in_thread(services.post_set_key_event, post=later, by=editor, is_key_event=True)
    await page.wait_for_selector(f"#post-{later.pk}", timeout=2000)
    assert await headlines(page) == ["Later development", "Deal struck"]

    await in_thread(services.post_set_key_event, post=key, by=editor, is_key_event=False)
    await page.wait_for_selector(f"#post-{key.pk}", state="detached", timeout=2000)
    assert await headlines(page) == ["Later development"]


async def test_page_marks_what_is_new_since_the_last_visit(page, live_server_url, in_thread, editor, event):
    seen = await in_thread(publish, event, editor, "Read last time")
    await open_live_page(page, live_server_url, event)
    await page.goto("about:blank")
    fresh = await in_thread(publish, event, editor, "Published since")

    await open_live_page(page, live_server_url, event)

    assert await page.locator(f"#post-{fresh.pk}.post--new").count() == 1
    assert await page.locator(f"#post-{seen.pk}.post--new").count() == 0
    assert await page.text_content(f"#post-{fresh.pk} .label--new") == "New since your last visit"
    assert await page.locator("#jump-unread").is_visible()


async def test_date_shows_only_on_posts_not_from_today_in_the_event_zone(page, live_server_url, in_thread, editor, event):
    from datetime import timedelta

    from django.utils import timezone

    old = await in_thread(publish, event, editor, "Two days ago", at=timezone.now() - timedelta(days=2))
    today = await in_thread(publish, event, editor, "Just now")
    await open_live_page(page, live_server_url, event)
    assert await page.locator(f"#post-{old.pk} .post__date").is_visible()
    assert await page.locator(f"#post-{today.pk} .post__date").is_hidden()


async def test_on_a_phone_the_first_update_starts_on_the_first_screen(browser, live_server_url, in_thread):
    from liveblog.demo import demo_load

    event, _ = await in_thread(demo_load)
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    phone = await context.new_page()
    await phone.goto(f"{live_server_url}/live/{event.slug}/")
    top = await phone.evaluate("document.querySelector('#stream-posts > article.post').getBoundingClientRect().top")
    assert top < 844
    # Key points and key events are there, collapsed.
    assert await phone.evaluate("!document.getElementById('key-points').open && !document.getElementById('key-events').open")
    await context.close()


async def test_event_title_standfirst_and_end_follow_live(page, live_server_url, in_thread, editor, event):
    # The event starts with no standfirst: the page keeps an empty, hidden one for later.
    await open_live_page(page, live_server_url, event)
    standfirst = page.locator("[data-event-standfirst]")
    assert await standfirst.is_hidden()

    await in_thread(
        services.event_update, event=event, by=editor, title="Coalition summit: day two",
        standfirst="Leaders return to the table after a night of talks.",
    )
    await page.wait_for_function(
        "document.querySelector('[data-event-title]').textContent === 'Coalition summit: day two'", timeout=2000
    )
    assert await standfirst.is_visible()
    assert await standfirst.inner_text() == "Leaders return to the table after a night of talks."

    await in_thread(services.event_update, event=event, by=editor, standfirst="")
    await page.wait_for_function("document.querySelector('[data-event-standfirst]').hidden", timeout=2000)

    await in_thread(services.event_set_status, event=event, status="ended", by=editor)
    await page.wait_for_selector("#event-ended", state="visible", timeout=2000)
    assert await page.locator("[data-event-status]").text_content() == "Ended"


async def test_a_lead_image_set_after_the_page_loaded_appears_without_reload(
    page, live_server_url, in_thread, editor, event
):
    await open_live_page(page, live_server_url, event)
    assert await page.locator(".event__lead").count() == 0

    await in_thread(
        services.event_set_lead_image, event=event, by=editor, image=png("table.png", size=(64, 48)),
        alt_text="Leaders at the negotiating table",
    )
    picture = page.locator(".event__lead img")
    await picture.wait_for(timeout=2000)
    assert await picture.get_attribute("alt") == "Leaders at the negotiating table"
    assert (await picture.get_attribute("width"), await picture.get_attribute("height")) == ("64", "48")
    # The same picture a fresh load shows.
    fresh = await page.context.new_page()
    await fresh.goto(f"{live_server_url}/live/{event.slug}/")
    fresh_picture = fresh.locator(".event__lead img")
    assert re.search(r"/media/events/.+\.png$", await fresh_picture.get_attribute("src"))
    assert await picture.evaluate("img => img.src") == await fresh_picture.evaluate("img => img.src")
    assert await fresh_picture.get_attribute("alt") == "Leaders at the negotiating table"
