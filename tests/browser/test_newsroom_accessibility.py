"""The newsroom screens in a real browser: signing in lands on the event list, compose and
stream sit side by side at 1280×900, the preview shows the whole post, and axe-core finds
no violation on any newsroom screen."""

from datetime import timedelta

import pytest
from axe_playwright_python.async_playwright import Axe
from django.utils import timezone

from accounts.models import User
from liveblog import services
from tests.browser.test_accessibility import violations
from tests.browser.test_newsroom import PASSWORD, give_real_password
from tests.helpers import publish

pytestmark = pytest.mark.django_db(transaction=True)

LONG_BODY = "\n\n".join(f"Paragraph {n}: the leaders spoke about the ceasefire line, again." for n in range(1, 16))


async def sign_in(browser, live_server_url, username, viewport=None):
    context = await browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    desk = await context.new_page()
    await desk.goto(f"{live_server_url}/admin/login/")
    await desk.fill("#id_username", username)
    await desk.fill("#id_password", PASSWORD)
    await desk.click("input[type=submit]")
    await desk.wait_for_load_state()
    return desk


def _newsroom_world(editor, event):
    """A stream with a post in every state and flag the newsroom shows."""
    give_real_password(editor)
    published = publish(event, editor, "Leaders arrive", body="The first leaders are on screen.")
    services.post_create_draft(event=event, by=editor, headline="Draft on troops", body="Notes")
    later = services.post_create_draft(event=event, by=editor, headline="Scheduled recap", body="Recap")
    services.post_schedule(post=later, by=editor, at=timezone.now() + timedelta(hours=2))
    pinned = publish(event, editor, "Pinned summary", body="What we know.")
    services.post_set_pinned(post=pinned, by=editor, is_pinned=True)
    key = publish(event, editor, "Ceasefire agreed", body="Key moment.", kind="breaking")
    services.post_set_key_event(post=key, by=editor, is_key_event=True)
    wrong = publish(event, editor, "Posted in error", body="Oops.")
    services.post_retract(post=wrong, by=editor, note="Wrong event")
    services.event_set_key_points(event=event, points=["Leaders meet"], by=editor)
    return published


async def test_sign_in_lands_on_the_event_list_and_compose_sits_beside_the_stream(
    browser, live_server_url, in_thread, editor, event
):
    await in_thread(_newsroom_world, editor, event)

    desk = await sign_in(browser, live_server_url, "editor")
    assert desk.url == f"{live_server_url}/admin/newsroom/"
    await desk.click(f"a[href='/admin/liveblog/event/{event.pk}/newsroom/'] >> nth=0")
    await desk.wait_for_function("window.liveblogNewsroom && window.liveblogNewsroom.isConnected()", timeout=10000)

    compose = await desk.locator("section.nr-compose").bounding_box()
    stream = await desk.locator("section.nr-stream").bounding_box()
    first_item = await desk.locator("#newsroom-stream .nr-item >> nth=0").bounding_box()
    assert stream["x"] >= compose["x"] + compose["width"]  # beside, not below
    assert first_item["y"] + 40 < 900  # the stream's first post starts above the fold
    await desk.context.close()


async def test_preview_shows_the_whole_post(browser, live_server_url, in_thread, editor, event):
    await in_thread(_newsroom_world, editor, event)
    desk = await sign_in(browser, live_server_url, "editor")
    await desk.goto(f"{live_server_url}/admin/liveblog/event/{event.pk}/newsroom/")

    await desk.fill("#id_headline", "A long analysis")
    await desk.fill("#id_body", LONG_BODY)
    await desk.click("button[data-preview]")
    preview = desk.frame(name="newsroom-preview")
    await preview.wait_for_selector("text=Paragraph 15", timeout=5000)

    await desk.wait_for_function(
        """() => {
          const frame = document.querySelector('iframe.nr-preview');
          const post = frame.contentDocument.documentElement.getBoundingClientRect().height;
          return frame.getBoundingClientRect().height >= post;
        }""", timeout=3000,
    )
    assert await preview.evaluate("document.documentElement.scrollHeight <= innerHeight")
    await desk.context.close()


def _fresh_superuser():
    user = User.objects.create_superuser(username="ada", password="x" * 20)
    give_real_password(user)


async def test_every_newsroom_screen_has_no_accessibility_violations(
    browser, live_server_url, in_thread, editor, event
):
    post = await in_thread(_newsroom_world, editor, event)
    await in_thread(_fresh_superuser)
    newsroom = f"/admin/liveblog/event/{event.pk}/newsroom/"
    screens = ["/admin/newsroom/", newsroom, f"{newsroom}posts/{post.pk}/", f"{newsroom}posts/{post.pk}/history/",
               f"{newsroom}settings/"]
    found = {}

    desk = await sign_in(browser, live_server_url, "editor")
    for path in screens:
        await desk.goto(live_server_url + path)
        found[path] = violations(await Axe().run(desk))
    # The compose form with every section open, after a publish (its message) and with an error.
    await desk.goto(live_server_url + newsroom)
    await desk.fill("#id_headline", "Fresh post")
    await desk.click("button[name=intent][value=publish]")
    await desk.wait_for_selector(".messagelist")
    await desk.eval_on_selector_all("details", "els => els.forEach(el => el.open = true)")
    found["newsroom after publishing, all open"] = violations(await Axe().run(desk))
    await desk.fill("#id_scheduled_for", "2030-01-01T10:00")
    await desk.click("button[name=intent][value=publish]")
    await desk.wait_for_selector(".errorlist")
    found["compose with an error"] = violations(await Axe().run(desk))
    # A refused action (a stale version) has a screen of its own.
    await desk.goto(live_server_url + newsroom)
    await desk.evaluate("document.querySelector('form[action$=\"/pin/\"] input[name=version]').value = '999'")
    await desk.click("form[action$='/pin/'] button")
    await desk.wait_for_selector(".nr-conflict, .nr-errors")
    found["refused action"] = violations(await Axe().run(desk))
    await desk.context.close()

    # The byline form, where a fresh superuser is sent before their first post.
    newcomer = await sign_in(browser, live_server_url, "ada")
    await newcomer.goto(live_server_url + newsroom)
    assert "/admin/newsroom/byline/" in newcomer.url
    found["byline"] = violations(await Axe().run(newcomer))
    await newcomer.context.close()

    problems = {screen: found_there for screen, found_there in found.items() if found_there}
    assert not problems, "\n".join(f"{screen}: {found_there}" for screen, found_there in problems.items())
