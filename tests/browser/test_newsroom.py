"""The newsroom in a real browser: a journalist posts, a reader's open page shows it, and
colleagues' newsroom screens follow without reloading."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from liveblog import services

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "deadline in five minutes"


def give_real_password(user) -> None:
    # The test process hashes with MD5 for speed; the server subprocess only knows the real hashers.
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "browsertestsalt")
    user.save(update_fields=["password"])


async def open_newsroom(browser, live_server_url, event, username):
    context = await browser.new_context(viewport={"width": 1280, "height": 1000})
    desk = await context.new_page()
    await desk.goto(f"{live_server_url}/admin/login/?next=/admin/liveblog/event/{event.pk}/newsroom/")
    await desk.fill("#id_username", username)
    await desk.fill("#id_password", PASSWORD)
    await desk.click("input[type=submit]")
    await desk.wait_for_function("window.liveblogNewsroom && window.liveblogNewsroom.isConnected()", timeout=10000)
    return desk


async def test_journalist_posts_a_quote_from_a_new_speaker_and_the_reader_sees_it_live(
    browser, page, live_server_url, in_thread, editor, event
):
    await in_thread(give_real_password, editor)
    await page.goto(f"{live_server_url}/live/{event.slug}/")
    await page.wait_for_function("window.liveblog && window.liveblog.isConnected()", timeout=10000)
    await page.evaluate("window.sameDocument = true")

    desk = await open_newsroom(browser, live_server_url, event, "editor")
    await desk.fill("#id_headline", "Stubb: too early for troops")
    await desk.fill("#id_body", "Finland's president spoke *after* the call.")
    await desk.click("summary:has-text('Quotes')")
    await desk.fill("#id_quotes-0-new_speaker_name", "Alexander Stubb")
    await desk.fill("#id_quotes-0-new_speaker_role", "President")
    await desk.fill("#id_quotes-0-new_speaker_organisation", "Finland")
    await desk.fill("#id_quotes-0-text", "It is too early to talk about troops.")
    await desk.fill("#id_quotes-0-context", "told reporters")
    await desk.click("button[name=intent][value=publish]")
    await desk.wait_for_selector("text=Published: Stubb: too early for troops", timeout=10000)

    post = page.locator("#stream-posts article.post", has_text="Stubb: too early for troops")
    await post.wait_for(timeout=5000)
    text = await post.inner_text()
    assert "Finland's president spoke after the call." in text
    assert "It is too early to talk about troops." in text
    assert "Alexander Stubb" in text and "President, Finland" in text and "told reporters" in text
    assert await page.evaluate("window.sameDocument") is True  # arrived over the socket, no reload
    await desk.context.close()


async def test_newsroom_stream_shows_a_colleagues_draft_and_publish_without_reloading(
    browser, live_server_url, in_thread, editor, contributor, event
):
    await in_thread(give_real_password, contributor)
    desk = await open_newsroom(browser, live_server_url, event, "contributor")
    await desk.evaluate("window.sameDocument = true")

    draft = await in_thread(services.post_create_draft, event=event, by=editor, headline="Colleague's draft")
    await desk.locator("#newsroom-stream .nr-item--draft", has_text="Colleague's draft").wait_for(timeout=5000)
    await in_thread(services.post_publish, post=draft, by=editor)
    await desk.locator("#newsroom-stream .nr-item--published", has_text="Colleague's draft").wait_for(timeout=5000)

    assert await desk.evaluate("window.sameDocument") is True
    # A contributor's screen offers no publish, pin or retract buttons.
    assert await desk.locator("#newsroom-stream [data-action=publish]").count() == 0
    await desk.context.close()
