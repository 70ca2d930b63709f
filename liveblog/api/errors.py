"""Every API error as one JSON shape, whatever raised it: a service rule, DRF, Django or a bug.

    {"error": {"status": 400, "code": "invalid", "message": "headline: …", "fields": {…}}}

`fields` comes with validation errors only; `current` (the post as it is now)
with a 409 stale-version refusal only.
"""

import logging
import sys

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from liveblog.services import StaleVersionError

logger = logging.getLogger(__name__)

MESSAGES = {
    "not_authenticated": "Writing needs a journalist's token: send Authorization: Token <key>.",
    "throttled": "Too many requests. Wait {wait} seconds before the next one.",
    "server_error": "Something went wrong on our side. It has been logged; please try again later.",
    "database_unavailable": (
        "Our database is not answering for the moment; nothing was changed. Try again in a few seconds."
    ),
}

# PostgreSQL stopped, restarting or out of pooled connections: the caller did nothing wrong and
# a retry will do, so these are a 503 with Retry-After, never a 500 (or a 400 that blames them).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


class ApiError(exceptions.APIException):
    """An error with its own status and code, e.g. ApiError(409, "conflict", "…")."""

    def __init__(self, status_code: int, code: str, message: str):
        self.status_code = status_code
        super().__init__(detail=message, code=code)


def error_body(*, status: int, code: str, message: str, fields=None, current=None) -> dict:
    error = {"status": status, "code": code, "message": message}
    if fields:
        error["fields"] = fields
    if current is not None:
        error["current"] = current
    return {"error": error}


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: map whatever was raised to the one error shape."""
    if isinstance(exc, StaleVersionError):
        return _stale_version(exc, context)
    if isinstance(exc, DATABASE_UNAVAILABLE):
        logger.warning("Database unavailable in %s: %s", context["request"].path, exc)
        set_rollback()
        return _database_unavailable_json()
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context) if exc is not None else None
    if response is None:
        # A bug, never bad input: input is validated before it reaches a query or a service.
        logger.error("Unhandled error in %s", context["request"].path, exc_info=True)
        set_rollback()
        return Response(
            error_body(status=500, code="server_error", message=MESSAGES["server_error"]),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    code, message, fields = _describe(exc)
    response.data = error_body(status=response.status_code, code=code, message=message, fields=fields)
    return response


def _as_api_exception(exc) -> exceptions.APIException | None:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, SuspiciousOperation):
        # e.g. a request body over DATA_UPLOAD_MAX_MEMORY_SIZE.
        return exceptions.ParseError(str(exc) or None)
    return None


def _describe(exc: exceptions.APIException) -> tuple[str, str, dict | None]:
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        general = detail.get("non_field_errors")
        fields = {name: errors for name, errors in detail.items() if name != "non_field_errors"}
        parts = [_first_text(general)] if general else []
        parts += [f"{name}: {_first_text(errors)}" for name, errors in list(fields.items())[:3]]
        return "invalid", " ".join(part if part.endswith(".") else part + "." for part in parts), fields or None
    code = getattr(exc.detail, "code", None) or exc.default_code
    if isinstance(exc, exceptions.Throttled):
        return code, MESSAGES["throttled"].format(wait=exc.wait or 1), None
    if isinstance(exc, exceptions.NotAuthenticated):
        return code, MESSAGES["not_authenticated"], None
    return code, str(exc.detail), None


def _first_text(errors) -> str:
    """The first message in a nested error structure (lists of dicts of lists…)."""
    while isinstance(errors, dict | list) and errors:
        errors = next(iter(errors.values())) if isinstance(errors, dict) else errors[0]
    return str(errors) if errors else "Not valid"


def _stale_version(exc: StaleVersionError, context) -> Response:
    from liveblog.api.serializers import post_representation  # serializers import services, like us
    from liveblog.selectors import post_for_render

    set_rollback()
    current = post_representation(post_for_render(post_id=exc.current.pk), request=context["request"])
    return Response(
        error_body(status=409, code="stale_version", message=str(exc), current=current),
        status=status.HTTP_409_CONFLICT,
    )


@csrf_exempt
def endpoint_not_found(request, *args, **kwargs):
    """Any /api/ address we do not serve: a JSON 404 rather than the site's HTML page."""
    message = f"There is no API endpoint at {request.path}. The endpoints are listed at /api/docs/."
    if not request.path.endswith("/"):
        message = f"There is no API endpoint at {request.path}. Addresses end with a slash: {request.path}/"
    return error_json(404, "not_found", message)


def error_json(status_code: int, code: str, message: str) -> JsonResponse:
    response = JsonResponse(error_body(status=status_code, code=code, message=message), status=status_code)
    response["Cache-Control"] = "no-store"
    return response


def _database_unavailable_json() -> JsonResponse:
    response = error_json(503, "database_unavailable", MESSAGES["database_unavailable"])
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request, *args, **kwargs):
    """handler500 for the site: JSON under /api/, Django's page elsewhere; a 503 with
    Retry-After when the error is the database being away (Django calls this handler
    while the exception is being handled, so it is still in sys.exc_info())."""
    from django.views.defaults import server_error as html_server_error

    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        if request.path.startswith("/api/"):
            return _database_unavailable_json()
        # Rendered without the request: its context processors would ask the database.
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if request.path.startswith("/api/"):
        return error_json(500, "server_error", MESSAGES["server_error"])
    return html_server_error(request, *args, **kwargs)
