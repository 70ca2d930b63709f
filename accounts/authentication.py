"""Who is calling the REST API, and how often they may: partner keys, journalists' tokens, everyone else.

Partners send `Authorization: Api-Key <key>` and read at their key's own rate;
journalists send `Authorization: Token <key>` (DRF tokens) to write; anyone
else reads anonymously at a lower rate per IP address.
"""

from django.contrib.auth.models import AnonymousUser
from django.utils import formats
from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    TokenAuthentication,
    get_authorization_header,
)
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from accounts.keycache import api_key_vouch
from accounts.models import PartnerApiKey
from accounts.ratelimit import AtomicThrottleMixin
from accounts.services import api_key_find, api_key_hash

# Keys are 43 characters (32 random bytes, URL-safe base64); anything much longer is not ours,
# and refusing it before hashing keeps junk headers cheap.
MAX_KEY_LENGTH = 100


class RevokedApiKey(exceptions.PermissionDenied):
    default_code = "revoked_api_key"


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <key>`: a partner site, read-only, throttled at its key's own rate.

    The request's user stays anonymous; `request.auth` is the PartnerApiKey.
    """

    keyword = "Api-Key"

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != self.keyword.lower().encode():
            return None
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the key as one word: Authorization: Api-Key <key>.", code="invalid_api_key"
            )
        try:
            raw_key = words[1].decode("ascii")
        except UnicodeDecodeError:
            raw_key = ""
        key = api_key_find(raw_key=raw_key) if 0 < len(raw_key) <= MAX_KEY_LENGTH else None
        if key is None:
            revoked = (
                PartnerApiKey.objects.filter(hashed_key=api_key_hash(raw_key)).exclude(revoked_at=None).first()
                if raw_key
                else None
            )
            if revoked is not None:
                when = formats.date_format(revoked.revoked_at, "j F Y")
                raise RevokedApiKey(f"This API key was revoked on {when}; ask the newsroom for a new one.")
            raise exceptions.AuthenticationFailed(
                "This API key is not valid. Check that it was copied whole.", code="invalid_api_key"
            )
        api_key_vouch(hashed_key=key.hashed_key)  # lets the 304 fast path accept it too
        return AnonymousUser(), key

    def authenticate_header(self, request):
        return self.keyword


class JournalistTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`: a journalist's DRF token (`manage.py drf_create_token <username>`).

    DRF's own class sends whatever follows "Token" to the database; a token is
    at most 40 characters, so anything else is refused before a query is made.
    """

    def authenticate_credentials(self, key):
        if not 0 < len(key) <= 40 or not key.isprintable():
            raise exceptions.AuthenticationFailed("This token is not valid.", code="invalid_token")
        return super().authenticate_credentials(key)


def partner_key(request) -> PartnerApiKey | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, PartnerApiKey) else None


class PartnerKeyRateThrottle(AtomicThrottleMixin, SimpleRateThrottle):
    """Each partner key has its own budget per minute, set on the key (`rate_limit_per_minute`)."""

    scope = "partner_key"

    def get_rate(self):
        # A placeholder: allow_request() puts in the limit of the key that is calling.
        return "1/min"

    def allow_request(self, request, view):
        key = partner_key(request)
        if key is not None:
            self.num_requests, self.duration = key.rate_limit_per_minute, 60
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        key = partner_key(request)
        if key is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": key.pk}


class AnonymousRateThrottle(AtomicThrottleMixin, AnonRateThrottle):
    """Callers with neither key nor token, counted per IP address (rate `anon`)."""

    def get_cache_key(self, request, view):
        if partner_key(request) is not None:
            return None
        return super().get_cache_key(request, view)


class JournalistRateThrottle(AtomicThrottleMixin, UserRateThrottle):
    """Journalists' tools and bots, counted per account (rate `journalist`)."""

    scope = "journalist"

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)
