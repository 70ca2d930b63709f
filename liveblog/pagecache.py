"""Render once per change: what every reader of a URL shares is rendered once and kept in the
shared cache (Redis in production) until what it shows changes.

Each view first finds the state its output depends on with one query (an event's
seq, which every public change moves). That state, the address and this build of the
code give the ETag, and the ETag is the cache key. So a hit costs that one query and
a read from the cache: no template rendering, no serialization. A matching
If-None-Match gets a 304 without reading the cache at all. If the cache is away,
each request renders afresh: slower, never wrong.

Compression is done once per change too: the stored copy holds the body gzipped and
in brotli beside the plain one, and a reader gets the one it accepts, so a hit does no
compressing (gzip alone was about 8 ms of a worker per 50 KB live page).
"""

import gzip
import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

import brotli
from django.apps import apps
from django.conf import settings
from django.core.cache import cache as shared_cache
from django.http import HttpResponse, QueryDict
from django.utils.cache import patch_vary_headers

from liveblog.api import caching

logger = logging.getLogger(__name__)

# Gone (a retracted post's permalink) is as shareable as found.
STORED_STATUSES = frozenset({200, 410})
# Keys move with every change, so nothing expires for being stale; this only bounds how
# long the copy of a page nobody reads any more stays in Redis.
STORED_SECONDS = 600
# A whole live page is about 50 KB; anything far bigger is rendered per request rather than
# pushing the cache's memory around.
STORED_MAX_BYTES = 2 * 1024 * 1024
# Below this, compressing costs more than it saves (Django's GZipMiddleware uses the same).
COMPRESS_MIN_BYTES = 200
# Brotli's 11 costs several times 9's CPU for a few per cent; 9 is still paid once per change.
BROTLI_QUALITY = 9
# Accept-Encoding tokens, refused when given q=0 ("br;q=0").
ACCEPTS = {name: re.compile(rf"\b{name}\b(?!\s*;\s*q=0(?:\.0*)?\s*(?:,|$))") for name in ("br", "gzip")}


@cache
def build_id() -> str:
    """What this deploy renders with: templates and the static manifest (hashed asset names).

    Part of every key, so a deploy never serves pages rendered by the old code, whose
    asset names may be gone.
    """
    digest = hashlib.blake2b(digest_size=8)
    ours = Path(settings.BASE_DIR).resolve()
    template_dirs = [Path(d) for options in settings.TEMPLATES for d in options.get("DIRS", ())]
    template_dirs += [
        Path(config.path) / "templates" for config in apps.get_app_configs() if ours in Path(config.path).parents
    ]
    for path in sorted(_files(template_dirs)):
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    manifest = Path(settings.STATIC_ROOT or "", "staticfiles.json")
    if settings.STATIC_ROOT and manifest.is_file():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()


def _files(directories: Iterable[Path]) -> Iterable[Path]:
    for directory in directories:
        if directory.is_dir():
            yield from (path for path in directory.rglob("*") if path.is_file())


def respond(
    request,
    *,
    state: tuple,
    render: Callable[[], HttpResponse],
    policy: caching.CachePolicy = caching.LIVE,
    query: QueryDict | dict | None = None,
    label: str = "",
    last_modified=None,
) -> HttpResponse:
    """The response for `request`, rendered by `render()` only if no reader has been sent it since
    `state` was current.

    `query` is the part of the query string the output depends on (all of it by default):
    `?utm_source=` and other tracking parameters do not cost a render each.
    """
    validators = caching.validators_for(
        request, build_id(), *state, policy=policy, label=label, last_modified=last_modified,
        query=_as_querydict(query) if query is not None else None,
    )
    return stored_or_render(request, validators=validators, render=render)


def stored_or_render(request, *, validators: caching.Validators, render: Callable[[], HttpResponse]) -> HttpResponse:
    """A 304 if the client holds this version, else the stored copy, else `render()` (and store it).

    The validators' ETag must change whenever the output would (see `respond`; the API
    works its ETags out itself). The key holds `build_id()` as well, so no copy outlives a deploy.
    """
    if (response := caching.not_modified(request, validators)) is not None:
        return response
    if not settings.LIVEBLOG_RENDER_CACHE:
        response = render()
        return caching.apply(response, validators) if _storable(response) else response
    key = f"liveblog:render:v2:{build_id()}:{validators.etag}"
    stored = _stored(key)
    if stored is None:
        response = render()
        if not _storable(response):
            return response
        if len(response.content) > STORED_MAX_BYTES:
            return caching.apply(response, validators)  # the compression middleware serves it
        stored = (response.status_code, response["Content-Type"], response.content, compressed(response.content))
        _store(key, stored)
    return caching.apply(_response_from(request, *stored), validators)


def compressed(body: bytes) -> dict[str, bytes]:
    """`body` in every encoding readers may accept ({} when it is too small to gain)."""
    if len(body) < COMPRESS_MIN_BYTES:
        return {}
    return {"br": brotli.compress(body, quality=BROTLI_QUALITY), "gzip": gzip.compress(body, mtime=0)}


def _response_from(request, status: int, content_type: str, body: bytes, encodings: dict[str, bytes]) -> HttpResponse:
    """The stored copy in the encoding the reader accepts (brotli first), else as it is."""
    accepted = request.META.get("HTTP_ACCEPT_ENCODING", "")
    encoding = next((name for name in encodings if ACCEPTS[name].search(accepted)), None)
    response = HttpResponse(encodings[encoding] if encoding else body, status=status, content_type=content_type)
    if encoding:
        # The compression middleware leaves a response that has an encoding alone.
        response["Content-Encoding"] = encoding
    if encodings:
        patch_vary_headers(response, ("Accept-Encoding",))
    return response


def _storable(response: HttpResponse) -> bool:
    return response.status_code in STORED_STATUSES and not response.streaming


def _as_querydict(query) -> QueryDict:
    if isinstance(query, QueryDict):
        return query
    chosen = QueryDict(mutable=True)
    for name, value in query.items():
        if value is not None:
            chosen[name] = value
    return chosen


def _stored(key: str):
    try:
        return shared_cache.get(key)
    except Exception as failure:  # noqa: BLE001 - any cache failure only costs a render
        logger.warning("Render cache read failed, rendering afresh: %s", failure)
        return None


def _store(key: str, value: tuple) -> None:
    try:
        shared_cache.set(key, value, STORED_SECONDS)
    except Exception as failure:  # noqa: BLE001 - the reader already has the response
        logger.warning("Render cache write failed: %s", failure)
