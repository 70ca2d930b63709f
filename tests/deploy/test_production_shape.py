"""The smoke test of `make prod`: through nginx only, what a reader, a partner and a journalist
get from the production shape (issue 11). `.ci/run` calls it as `make test-prod`."""

import asyncio
import gzip
import html
import http.client
import http.cookies
import io
import json
import os
import re
import signal
import socket
import time
import uuid
from pathlib import Path

import pytest
import websockets
from PIL import Image

pytestmark = pytest.mark.timeout(600)


def request(shape, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None):
    """One request through the proxy, no redirect followed: (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", shape.http_port, timeout=20)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def live_page(shape) -> str:
    status, headers, body = request(shape, "GET", f"/live/{shape.slug}/", headers={"Accept-Encoding": "gzip"})
    assert status == 200
    return html.unescape(gzip.decompress(body).decode())


def test_the_live_page_arrives_from_the_proxy_compressed_with_cache_headers(prod):
    status, headers, body = request(prod, "GET", f"/live/{prod.slug}/", headers={"Accept-Encoding": "gzip"})

    assert status == 200
    assert headers["Server"] == "nginx"
    assert headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in headers["Vary"]
    assert headers["Cache-Control"]
    assert "coalition of the willing" in gzip.decompress(body).decode()


def test_demo_pictures_are_served_as_images_that_browsers_must_not_sniff(prod):
    pictures = re.findall(r'src="(/media/posts/[^"]+\.jpg)"', live_page(prod))
    status, _, speaker = request(prod, "GET", "/api/v1/speakers/keir-starmer/")
    assert status == 200
    photo = json.loads(speaker)["photo"]
    assert photo.startswith(prod.base_url + "/media/speakers/"), "the API's photo link goes through the proxy"

    for path, kind in [(pictures[0], "image/jpeg"), (photo.removeprefix(prod.base_url), "image/png")]:
        status, headers, body = request(prod, "GET", path)
        assert status == 200
        assert headers["Content-Type"] == kind
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Disposition"] == "inline"
        with Image.open(io.BytesIO(body)) as picture:
            assert picture.width > 100


def test_a_file_in_media_that_is_not_a_picture_downloads_instead_of_running(prod):
    # However it got there (an old upload, an operator's copy), HTML or SVG under /media/
    # must not run as a page of the site.
    (prod.media_root / "note.html").write_text("<script>alert(document.cookie)</script>")
    (prod.media_root / "drawing.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>')

    for name in ("note.html", "drawing.svg"):
        status, headers, _ = request(prod, "GET", f"/media/{name}")
        assert status == 200
        assert headers["Content-Type"] == "application/octet-stream"
        assert headers["Content-Disposition"] == "attachment"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in headers["Content-Security-Policy"]


def test_static_files_have_hashed_names_and_are_cached_for_good_precompressed(prod):
    script = re.search(r'src="(/static/liveblog/live\.[0-9a-f]{12}\.js)"', live_page(prod))
    assert script, "the live page names its script by a hash of its content"

    status, headers, body = request(prod, "GET", script.group(1), headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Server"] == "nginx"
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"] and "max-age=315360000" in headers["Cache-Control"]
    assert b"WebSocket" in gzip.decompress(body)

    # The unhashed name may change content on the next deploy: it is cached briefly only.
    status, headers, _ = request(prod, "GET", "/static/liveblog/live.js")
    assert status == 200 and "immutable" not in headers["Cache-Control"]


async def test_a_post_published_through_the_api_reaches_a_reader_connected_through_the_proxy(prod):
    seq = int(re.search(r'data-seq="(\d+)"', live_page(prod)).group(1))
    headline = f"Through the proxy {uuid.uuid4().hex[:8]}"
    url = f"ws://127.0.0.1:{prod.http_port}/ws/events/{prod.slug}/?after={seq}"
    async with websockets.connect(url, origin=prod.base_url, open_timeout=10) as reader:
        status, _, body = await asyncio.to_thread(
            request, prod, "POST", f"/api/v1/events/{prod.slug}/posts/",
            body=json.dumps({"headline": headline, "body": "<p>Sent by a partner.</p>", "status": "published"}).encode(),
            headers={"Authorization": f"Token {prod.token}", "Content-Type": "application/json"},
        )
        assert status == 201, body
        received = []
        while not received or received[-1]["seq"] < seq + 1:
            frame = json.loads(await asyncio.wait_for(reader.recv(), timeout=15))
            if frame["type"] != "heartbeat":
                received.append(frame)

        assert [(frame["seq"], frame["type"], frame["post"]["headline"]) for frame in received] == [
            (seq + 1, "post", headline)
        ]


def test_a_client_dribbling_its_headers_is_cut_off(prod):
    clients = []
    for _ in range(20):
        client = socket.create_connection(("127.0.0.1", prod.http_port), timeout=5)
        client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        clients.append(client)
    started = time.monotonic()
    open_clients = list(clients)
    # One header byte a second each, as a slow-loris client sends; nginx allows 10 s for them all.
    while open_clients and time.monotonic() - started < 40:
        time.sleep(1)
        for client in list(open_clients):
            try:
                client.sendall(b"X")
                client.setblocking(False)
                if client.recv(1024) == b"":
                    open_clients.remove(client)
            except BlockingIOError:
                pass
            except OSError:  # reset: nginx dropped it (reset_timedout_connection)
                open_clients.remove(client)
            finally:
                client.setblocking(True)
    cut_after = time.monotonic() - started
    for client in clients:
        client.close()

    assert not open_clients, f"{len(open_clients)} slow clients still connected after {cut_after:.0f} s"
    assert cut_after < 25


def test_a_request_body_over_the_upload_limit_is_refused_by_the_proxy(prod):
    status, _, _ = request(prod, "POST", f"/api/v1/events/{prod.slug}/posts/", body=b"x" * (11 * 1024 * 1024),
                           headers={"Authorization": f"Token {prod.token}", "Content-Type": "application/json"})
    assert status == 413


class Browser:
    """Just enough of a browser for the admin: cookies (Secure ones included, as browsers send
    them to http://127.0.0.1) and the Origin header of the page a form was posted from."""

    def __init__(self, shape):
        self.shape = shape
        self.cookies: dict[str, str] = {}
        self.spoofed: str | None = None  # an X-Forwarded-For of the client's own invention

    def go(self, method: str, path: str, fields: dict | None = None, *, files: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Accept-Encoding": "gzip"}
        body = None
        if self.spoofed:
            headers["X-Forwarded-For"] = self.spoofed
        if method == "POST":
            headers["Origin"] = self.shape.base_url
            headers["Referer"] = self.shape.base_url + path
            body, headers["Content-Type"] = multipart(fields or {}, files or {})
        status, response_headers, content = request(self.shape, method, path, body=body, headers=headers)
        for line in response_headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(line).items():
                self.cookies[name] = morsel.value
        if response_headers["Content-Encoding"] == "gzip":
            content = gzip.decompress(content)
        return status, response_headers, content.decode(errors="replace")

    def form_token(self, page: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    for name, (filename, content, kind) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {kind}\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_a_journalist_signs_in_to_the_admin_and_publishes_a_picture_through_the_proxy(prod):
    browser = Browser(prod)
    status, headers, page = browser.go("GET", "/admin/login/?next=/admin/")
    assert status == 200
    assert headers["Content-Encoding"] is None, "admin pages are never compressed (BREACH)"

    status, headers, _ = browser.go("POST", "/admin/login/?next=/admin/", {
        "csrfmiddlewaretoken": browser.form_token(page), "username": "smoke.editor",
        "password": "smoke-test-password-7351", "next": "/admin/",
    })
    assert status == 302 and headers["Location"] == "/admin/", "signed in (CSRF accepted the proxied Origin)"

    newsroom = f"/admin/liveblog/event/{prod.event_id}/newsroom/"
    status, _, page = browser.go("GET", newsroom)
    assert status == 200
    # Noise does not compress: about 700 KB, so nginx buffers the upload on disk on its way.
    picture = io.BytesIO()
    Image.frombytes("RGB", (640, 360), os.urandom(640 * 360 * 3)).save(picture, format="PNG")
    assert picture.tell() > 500_000
    headline = f"From the newsroom {uuid.uuid4().hex[:8]}"
    status, headers, _ = browser.go("POST", newsroom, {
        "csrfmiddlewaretoken": browser.form_token(page), "headline": headline, "kind": "update",
        "body": "Filed through nginx.", "intent": "publish",
        "image_alt_text": "Coloured noise", "quotes-TOTAL_FORMS": "0", "quotes-INITIAL_FORMS": "0",
    }, files={"image": ("noise.png", picture.getvalue(), "image/png")})
    assert status == 302, "published"

    page = live_page(prod)
    assert headline in page
    uploaded = re.search(r'src="(/media/posts/[^"]+/noise[^"]*\.png)"[^>]*alt="Coloured noise"', page)
    assert uploaded, "the uploaded picture is on the live page"
    status, headers, _ = request(prod, "GET", uploaded.group(1))
    assert status == 200 and headers["Content-Type"] == "image/png"


def test_a_client_cannot_choose_its_address_by_sending_x_forwarded_for(prod):
    # After this test 127.0.0.1 may not sign in for 15 minutes: it runs after the admin test.
    # nginx replaces the header with the connecting address, so five failed sign-ins, each
    # claiming another address, still count against this one client.
    for attempt in range(5):
        browser = Browser(prod)
        _, _, page = browser.go("GET", "/admin/login/")
        browser.spoofed = f"203.0.113.{attempt + 1}"
        status, _, page = browser.go("POST", "/admin/login/", {
            "csrfmiddlewaretoken": browser.form_token(page), "username": f"guess{attempt}", "password": "wrong",
        })
        assert status == 200 and "Please enter the correct username and password" in page

    browser = Browser(prod)
    _, _, page = browser.go("GET", "/admin/login/")
    browser.spoofed = "198.51.100.77"
    status, _, page = browser.go("POST", "/admin/login/", {
        "csrfmiddlewaretoken": browser.form_token(page), "username": "guess-again", "password": "wrong",
    })
    assert "Too many failed sign-in attempts" in page


def session_processes(session_id: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session_id:  # field 6 of stat, the session id
            pids.append(int(stat.parent.name))
    return pids


def port_answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def test_ctrl_c_stops_everything_make_prod_started(prod):
    # Last in this module: it stops the shape the tests above used. Ctrl-C in a terminal sends
    # SIGINT to the whole foreground group, the supervisor and its children alike.
    app_port = int(prod.env["LIVEBLOG_APP_PORT"])
    assert len(session_processes(prod.process.pid)) >= 5, "supervisor, nginx, uvicorn and its workers, scheduler"
    os.killpg(prod.process.pid, signal.SIGINT)

    assert prod.process.wait(timeout=30) == 0
    assert "prod: stopping" in prod.output()
    assert not port_answers(prod.http_port) and not port_answers(app_port)
    deadline = time.monotonic() + 10
    while session_processes(prod.process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert session_processes(prod.process.pid) == []
