"""The reader pages pass an axe-core accessibility audit in a real browser."""

import pytest
from axe_playwright_python.async_playwright import Axe

from liveblog.demo import demo_load

pytestmark = pytest.mark.django_db(transaction=True)


def violations(results) -> list[str]:
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("path", ["/", "/live/{slug}/", "/speakers/keir-starmer/"])
async def test_reader_pages_have_no_accessibility_violations(page, live_server_url, in_thread, path):
    event, _ = await in_thread(demo_load)
    await page.goto(live_server_url + path.format(slug=event.slug))
    results = await Axe().run(page)
    assert violations(results) == []


async def test_post_permalink_and_older_pages_have_no_accessibility_violations(page, live_server_url, in_thread):
    event, _ = await in_thread(demo_load)
    await page.goto(f"{live_server_url}/live/{event.slug}/")
    await page.click("a.post__permalink >> nth=1")
    assert violations(await Axe().run(page)) == []


async def test_live_page_with_reduced_motion_and_keyboard(page, live_server_url, in_thread):
    event, _ = await in_thread(demo_load)
    await page.emulate_media(reduced_motion="reduce")
    await page.goto(f"{live_server_url}/live/{event.slug}/")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.classList.contains('skip-link')")
    await page.keyboard.press("Enter")
    assert await page.evaluate("location.hash") == "#main"


@pytest.mark.parametrize("width", [390, 1280])
async def test_key_events_view_and_open_panels_have_no_accessibility_violations(browser, live_server_url, in_thread, width):
    event, _ = await in_thread(demo_load)
    context = await browser.new_context(viewport={"width": width, "height": 900})
    reader = await context.new_page()
    await reader.goto(f"{live_server_url}/live/{event.slug}/?filter=key-events")
    assert violations(await Axe().run(reader)) == []
    await reader.goto(f"{live_server_url}/live/{event.slug}/")
    # Wide screens open the panels; on a phone the reader opens them.
    await reader.evaluate("document.querySelectorAll('details.panel').forEach(d => { d.open = true; })")
    await reader.click("#live-pause")
    assert violations(await Axe().run(reader)) == []
    await context.close()
