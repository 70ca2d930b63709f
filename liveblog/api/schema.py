"""What the OpenAPI schema says beyond what drf-spectacular sees in the views: the two ways to
authenticate, the one error shape on every operation, and the caching headers of reads."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error, from every endpoint.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer", "description": "The HTTP status, repeated."},
                "code": {
                    "type": "string",
                    "description": "Stable, for programs: invalid, parse_error, not_authenticated, "
                    "authentication_failed, invalid_api_key, invalid_token, revoked_api_key, "
                    "permission_denied, not_found, method_not_allowed, not_acceptable, "
                    "unsupported_media_type, stale_version, throttled, server_error.",
                },
                "message": {"type": "string", "description": "For people: what went wrong and what to do."},
                "fields": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "Validation errors only: the messages for each field or parameter.",
                },
                "current": {
                    # A retracted post is now a tombstone: a stale edit of one gets that back.
                    "anyOf": [
                        {"$ref": "#/components/schemas/Post"},
                        {"$ref": "#/components/schemas/PostTombstone"},
                    ],
                    "description": "409 only: the post as it is now.",
                },
            },
        }
    },
}

ERRORS = {
    "400": "Bad input: a parameter or a field is not valid (see error.fields).",
    "401": "The key or token sent is not valid, or a write came without a token.",
    "403": "A revoked partner key, a partner key trying to write, or a role that may not do this.",
    "404": "No such event, post or speaker.",
    "406": "The Accept header asks for something other than JSON.",
    "429": "Too many requests for this key or address: wait Retry-After seconds.",
    "500": "A fault on our side (never caused by input).",
}
WRITE_ERRORS = {
    "409": "The post changed since the version you sent; error.current is how it is now.",
    "415": "The body is not JSON (send Content-Type: application/json).",
}
READ_HEADERS = {
    "ETag": "Send it back as If-None-Match to get a 304 when nothing changed.",
    "Cache-Control": "public, a short max-age and stale-while-revalidate, for browsers and a CDN.",
    "Last-Modified": "When the event last changed (event reads only).",
}


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.JournalistTokenAuthentication"
    name = "journalistToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Journalists (writes): `Token <key>`; `manage.py drf_create_token <username>` prints one.",
        }


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "partnerApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Partners (reads, at the key's own rate limit): `Api-Key <key>`.",
        }


def document_errors_and_caching(result, generator, request, public):
    """A drf-spectacular postprocessing hook: add the error responses, 304 and caching headers."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            codes = dict(ERRORS)
            if method in ("post", "patch", "put", "delete"):
                codes.update(WRITE_ERRORS)
            if method == "delete" and any(p.get("name") == "If-Match" for p in operation.get("parameters", [])):
                codes["428"] = "No If-Match header: send the version you started from, as for PATCH."
            for code, description in codes.items():
                responses.setdefault(code, {"description": description, "content": error})
            if method == "get":
                responses.setdefault("304", {"description": "Not modified: your copy (If-None-Match) is current."})
                for response in (responses.get("200"),):
                    if response is not None:
                        response["headers"] = {
                            name: {"schema": {"type": "string"}, "description": text}
                            for name, text in READ_HEADERS.items()
                        }
    return result
