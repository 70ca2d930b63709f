"""The embeddable live blog in a real browser: a partner page on another origin includes
/embed.js, and the blog shows, sized, themed, isolated and live; a site no partner key
lists cannot frame it."""

import threading
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from axe_playwright_python.async_playwright import Axe

from accounts.models import User
from accounts.services import api_key_create
from tests.browser.test_accessibility import violations
from tests.helpers import publish

pytestmark = pytest.mark.django_db(transaction=True)

# The host page's own styles, which must not reach the embedded blog.
PARTNER_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner Daily</title>
<style>body {{ font-family: monospace; }} article, p, h1, h3 {{ color: rgb(255, 0, 0) !important; }}</style></head>
<body><h1>Partner Daily</h1><div id="container" style="width: 600px">
<script src="{live}/embed.js" data-event="{slug}" data-accent="#123456" data-font="Verdana" async></script>
</div></body></html>"""


class PartnerSite:
    """A partner's web server on a port of its own, i.e. another origin, serving one page."""

    def __init__(self):
        self.page = ""
        handler = partial(_PartnerHandler, site=self)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class _PartnerHandler(BaseHTTPRequestHandler):
    def __init__(self, *args, site, **kwargs):
        self.site = site
        super().__init__(*args, **kwargs)

    def do_GET(self):  # noqa: N802 - the name http.server calls
        body = self.site.page.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def partner_sites():
    # Module-wide, so each origin stays the same while the server caches the embed origins.
    allowed, stranger = PartnerSite(), PartnerSite()
    yield allowed, stranger
    allowed.close()
    stranger.close()


def _allow(origin: str) -> None:
    admin = User.objects.create_superuser(username="keys", password="x" * 20)
    api_key_create(name="Partner Daily", by=admin, embed_origins=[origin])


async def embed_frame(page):
    handle = await page.wait_for_selector("iframe.liveblog-embed", timeout=10000)
    return handle, await handle.content_frame()


async def test_partner_page_embeds_the_event_and_shows_a_post_published_afterwards(
    page, live_server_url, in_thread, editor, event, partner_sites
):
    allowed, _ = partner_sites
    await in_thread(_allow, allowed.origin)
    await in_thread(publish, event, editor, "Before the embed loaded")
    allowed.page = PARTNER_PAGE.format(live=live_server_url, slug=event.slug)

    await page.goto(allowed.origin + "/")
    iframe, frame = await embed_frame(page)
    await frame.wait_for_function("window.liveblog && window.liveblog.isConnected()", timeout=10000)
    post = await in_thread(publish, event, editor, "Published while embedded")

    await frame.wait_for_selector(f"#post-{post.pk}", timeout=3000)
    assert await frame.eval_on_selector_all(
        "#stream-posts > article.post h3", "els => els.map(el => el.textContent)"
    ) == ["Published while embedded", "Before the embed loaded"]
    # Isolated: the host page's red never reaches the posts; themed: the partner's accent and font.
    assert await frame.eval_on_selector("#stream-posts h3", "el => getComputedStyle(el).color") != "rgb(255, 0, 0)"
    assert await frame.eval_on_selector(".status--live", "el => getComputedStyle(el).backgroundColor") == \
        "rgb(18, 52, 86)"
    assert "Verdana" in await frame.evaluate("getComputedStyle(document.body).fontFamily")
    # Sized to its container: the container's width, and tall enough that the blog needs no scrollbar.
    box = await iframe.bounding_box()
    content_height = await frame.evaluate("document.documentElement.getBoundingClientRect().height")
    assert box["width"] == 600
    await page.wait_for_function(
        "h => document.querySelector('iframe.liveblog-embed').getBoundingClientRect().height >= h - 1",
        arg=content_height, timeout=3000,
    )


async def test_a_site_no_partner_key_lists_is_refused_framing(
    page, live_server_url, in_thread, editor, event, partner_sites
):
    allowed, stranger = partner_sites
    await in_thread(_allow, allowed.origin)
    await in_thread(publish, event, editor, "Only for partners")
    stranger.page = PARTNER_PAGE.format(live=live_server_url, slug=event.slug)

    # Chromium reports the refusal on the console once it has the embed page's headers.
    async with page.expect_console_message(lambda message: "frame-ancestors" in message.text, timeout=10000):
        await page.goto(stranger.origin + "/")
    _, frame = await embed_frame(page)

    assert await frame.query_selector("#event") is None
    assert "Only for partners" not in await frame.content()


async def test_embed_page_has_no_accessibility_violations(page, live_server_url, in_thread, editor, event):
    await in_thread(publish, event, editor, "Leaders arrive", body="The first leaders are on screen.")

    await page.goto(f"{live_server_url}/live/{event.slug}/embed/#accent=%23123456")

    assert violations(await Axe().run(page)) == []
