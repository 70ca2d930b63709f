"""A bare 304 for an unchanged poll of an event's posts, before Django's stack is entered.

Partners poll `GET /api/v1/events/<slug>/posts/` (and `?after=`) with the
ETag they last saw; almost every answer is "not modified". Going through
Django costs a thread, a database connection and a query for what is, in
the end, a comparison of two strings (BENCHMARKS.md). This ASGI wrapper makes
that comparison with the seq kept in Redis (liveblog/seqcache.py) and the
same ETag function the view uses. The rest of its headers come from Django
itself: the header middleware of settings.MIDDLEWARE run once over a bare 304
(tests/liveblog/api/test_fastpath_headers.py compares the two answers).
Anything it is not sure of goes to Django:
other paths and methods, journalists' tokens and partner keys not checked
lately, requests from a browser (cookies, CORS), hosts Django would refuse,
an unknown event, a different ETag, or Redis not answering.
"""

import functools
import re

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponseNotModified, QueryDict
from django.http.request import split_domain_port, validate_host
from django.utils.http import http_date, parse_etags
from django.utils.module_loading import import_string

from accounts.keycache import api_key_vouched
from accounts.services import api_key_hash
from liveblog.api.caching import LIVE, etag_for
from liveblog.api.views import EventPosts
from liveblog.seqcache import seq_lookup

POSTS_PATH = re.compile(r"^/api/v1/events/(?P<slug>[-a-zA-Z0-9_]+)/posts/$")

# The middleware that only add headers to a response like this one (security, CORS, framing).
HEADER_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)


@functools.cache
def django_headers(*, secure: bool) -> list[tuple[bytes, bytes]] | None:
    """The headers Django's stack adds to the view's 304, or None if Django would not answer 304.

    The request is a stand-in: an anonymous poll without Origin or cookies, the
    only kind the fast path answers, over HTTPS or not.
    """
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = "/api/v1/events/-/posts/"
    # The host was checked against ALLOWED_HOSTS already; the scheme was read as Django reads it.
    request.get_host = lambda: "fastpath.invalid"
    request.is_secure = lambda: secure

    def view(request):
        # What the DRF view adds to its own 304 (APIView.finalize_response).
        posts = EventPosts()
        posts.setup(request)
        response = HttpResponseNotModified()
        response["Allow"] = ", ".join(posts.allowed_methods)
        return response

    handler = view
    for path in reversed([path for path in settings.MIDDLEWARE if path in HEADER_MIDDLEWARE]):
        handler = import_string(path)(handler)
    response = handler(request)
    if response.status_code != 304:
        return None  # e.g. SECURE_SSL_REDIRECT on plain HTTP: Django answers that one
    # Django's ASGI handler adds the empty body's length.
    return [(b"content-length", b"0"), *((k.lower().encode(), v.encode()) for k, v in response.items())]


def _forget_django_headers(*, setting, **kwargs):
    django_headers.cache_clear()


setting_changed.connect(_forget_django_headers)


class NotModifiedFastPath:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and (answer := await self.not_modified(scope)) is not None:
            await send({"type": "http.response.start", "status": 304, "headers": answer})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)

    async def not_modified(self, scope) -> list[tuple[bytes, bytes]] | None:
        """The 304's headers if this request is an unchanged poll we can vouch for, else None."""
        if scope["method"] not in ("GET", "HEAD") or scope.get("root_path"):
            return None
        match = POSTS_PATH.match(scope["path"])
        if match is None:
            return None
        headers = dict(scope["headers"])  # the last of a repeated header is enough to decide
        if b"origin" in headers or b"cookie" in headers:
            return None  # a browser (CORS, a session): Django decides
        if b"authorization" in headers and not await self.vouched_partner_key(headers[b"authorization"]):
            return None  # a journalist's token, or a key not checked lately: Django decides
        if_none_match = headers.get(b"if-none-match", b"").decode("latin1")
        host = headers.get(b"host", b"").decode("latin1")
        if not if_none_match or not host or not validate_host(split_domain_port(host)[0], settings.ALLOWED_HOSTS):
            return None
        try:
            query = QueryDict(scope.get("query_string", b"").decode())
        except UnicodeDecodeError:
            return None  # Django answers that one
        state = await seq_lookup(match["slug"])
        if state is None:
            return None
        event_id, seq, changed_at = state
        etag = etag_for(
            scheme=self.scheme(scope, headers),
            host=host,
            path=scope["path"],
            query=query,
            state=(event_id, seq),
            label=f"{seq}-",
        )
        theirs = {tag.removeprefix("W/") for tag in parse_etags(if_none_match)}
        if etag.removeprefix("W/") not in theirs:
            return None
        added = django_headers(secure=self.scheme(scope, headers) == "https")
        if added is None:
            return None
        answer = [(b"etag", etag.encode()), (b"cache-control", str(LIVE).encode()), *added]
        if changed_at is not None:
            answer.append((b"last-modified", http_date(changed_at).encode()))
        return answer

    @staticmethod
    async def vouched_partner_key(authorization: bytes) -> bool:
        words = authorization.split()
        if len(words) != 2 or words[0].lower() != b"api-key":
            return False
        return await api_key_vouched(api_key_hash(words[1].decode("latin1")))

    @staticmethod
    def scheme(scope, headers) -> str:
        # As Django's request.scheme: the proxy's header when one is configured, else the connection's.
        if settings.SECURE_PROXY_SSL_HEADER:
            name, value = settings.SECURE_PROXY_SSL_HEADER
            sent = headers.get(name.removeprefix("HTTP_").replace("_", "-").lower().encode())
            if sent is not None:
                return "https" if sent.decode("latin1").split(",", 1)[0].strip() == value else "http"
        return scope.get("scheme") or "http"
