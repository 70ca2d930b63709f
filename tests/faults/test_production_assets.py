"""In the production shape, what a reader downloads is compressed and cacheable: the live page
and the API are gzipped (brotli where the browser accepts it), static files carry their
content's hash in their names and are served precompressed with a far-future Cache-Control."""

import gzip
import re
import urllib.request

import brotli


def fetch(app, path: str, encoding: str = "gzip"):
    request = urllib.request.Request(app.base_url + path, headers={"Accept-Encoding": encoding})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our loopback URL
        return response.headers, response.read()


def test_pages_and_api_are_compressed_and_static_files_hashed_and_long_cached(production):
    status, _ = production.api("POST", f"/api/v1/events/{production.slug}/posts/", token=production.token,
                               body={"headline": "Compressed", "body": "<p>Words. </p>" * 40, "status": "published"})
    assert status == 201
    headers, body = fetch(production, f"/live/{production.slug}/")
    assert headers["Content-Encoding"] == "gzip"
    page = gzip.decompress(body).decode()
    assert "Fault drill" in page
    # Brotli too, for browsers that ask for it: compressed once per change, with the stored copy.
    headers, body = fetch(production, f"/live/{production.slug}/", "gzip, deflate, br")
    assert headers["Content-Encoding"] == "br"
    assert brotli.decompress(body).decode() == page

    headers, body = fetch(production, f"/api/v1/events/{production.slug}/posts/")
    assert headers["Content-Encoding"] == "gzip"
    assert b'"headline":"Compressed"' in gzip.decompress(body)

    script = re.search(r'src="(/static/liveblog/live\.[0-9a-f]{12}\.js)"', page)
    assert script, "the live page names its script by a hash of its content"
    for encoding in ("br", "gzip"):
        headers, _ = fetch(production, script.group(1), encoding)
        assert headers["Content-Encoding"] == encoding
        assert "immutable" in headers["Cache-Control"] and "max-age=315360000" in headers["Cache-Control"]


def test_the_admin_is_not_compressed(production):
    # Its pages carry the CSRF token beside reflected text: compressing them invites BREACH.
    headers, _ = fetch(production, "/admin/login/")
    assert headers["Content-Encoding"] is None
