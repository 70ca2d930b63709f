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
