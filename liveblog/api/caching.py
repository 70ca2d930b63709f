"""ETags, Last-Modified and Cache-Control for API reads, so partners and a CDN can revalidate cheaply.

An ETag is a hash of what the representation depends on, worked out before
any serialization: for an event's reads, the event's `seq` (every public
change bumps it); for lists not tied to one event, the page's own rows. A
matching If-None-Match gets a bare 304.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus

from django.http import HttpResponseNotModified
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

# Bump when a representation changes shape, so no cached copy of the old shape validates.
REPRESENTATION = "1"


@dataclass(frozen=True)
class CachePolicy:
    """How long a copy may be answered from: browsers `max_age`; shared caches (a CDN, Varnish)
    `s_maxage`, then `stale_while_revalidate` more while one request fetches the new copy.

    s-maxage + stale-while-revalidate = max-age, so no shared cache hands out a copy older
    than max-age after a change; `stale_if_error` lets it keep answering while the origin is down.
    """

    max_age: int
    s_maxage: int
    stale_while_revalidate: int
    stale_if_error: int = 600

    def __str__(self) -> str:
        return (
            f"public, max-age={self.max_age}, s-maxage={self.s_maxage}, "
            f"stale-while-revalidate={self.stale_while_revalidate}, stale-if-error={self.stale_if_error}"
        )


# An event's stream and pages: every reader of a URL within a few seconds shares one copy,
# so a burst of first loads or partner polls costs the origin one request per URL.
LIVE = CachePolicy(max_age=5, s_maxage=4, stale_while_revalidate=1)
# Events, speakers and quotes change more slowly.
REFERENCE = CachePolicy(max_age=30, s_maxage=25, stale_while_revalidate=5)


@dataclass(frozen=True)
class Validators:
    etag: str
    cache_control: str
    last_modified: datetime | None = None


def validators_for(
    request, *state, policy: CachePolicy = LIVE, last_modified: datetime | None = None, label: str = "",
    query=None,
) -> Validators:
    """Validators for this URL given the `state` its representation depends on.

    The address (host, path and query) goes into the hash, so an ETag from one
    page or filter never validates another. `query` narrows the query string to the
    parameters the representation depends on (all of them by default).
    """
    etag = etag_for(
        scheme=request.scheme, host=request.get_host(), path=request.path,
        query=request.GET if query is None else query, state=state, label=label,
    )
    return Validators(etag=etag, cache_control=str(policy), last_modified=last_modified)


def etag_for(*, scheme: str, host: str, path: str, query, state: tuple, label: str = "") -> str:
    """The ETag itself; liveblog/api/fastpath.py computes it the same way without a request."""
    basis = repr((REPRESENTATION, scheme, host, path, sorted(query.lists()), state))
    digest = hashlib.blake2b(basis.encode("utf-8", "backslashreplace"), digest_size=8).hexdigest()
    # Weak: the same state may be rendered with other whitespace or key order one day.
    return f'W/"{label}{digest}"'


def not_modified(request, validators: Validators) -> HttpResponseNotModified | None:
    """A 304 if the client's If-None-Match holds this ETag (Django's RFC 9110 §13.2.2 evaluation).

    Only a request carrying If-None-Match is evaluated, so If-Modified-Since alone
    never earns a 304: whole seconds cannot tell two changes in the same second
    apart, and ETags can. Last-Modified is still sent. Preconditions that fail on a
    read (If-Match on a GET) are not this API's business: the read goes on.
    """
    if request.method not in ("GET", "HEAD") or "If-None-Match" not in request.headers:
        return None
    last_modified = validators.last_modified.timestamp() if validators.last_modified else None
    response = get_conditional_response(request, etag=validators.etag, last_modified=last_modified)
    if response is None or response.status_code != HTTPStatus.NOT_MODIFIED:
        return None
    return apply(response, validators)


def apply(response, validators: Validators):
    response["ETag"] = validators.etag
    response["Cache-Control"] = validators.cache_control
    if validators.last_modified is not None:
        response["Last-Modified"] = http_date(validators.last_modified.timestamp())
    return response


def row_state(obj) -> tuple:
    """Every stored value of a fetched row (deferred columns left out), for a page's ETag."""
    deferred = obj.get_deferred_fields()
    return tuple(
        getattr(obj, field.attname) for field in obj._meta.concrete_fields if field.attname not in deferred
    )
