"""Input hygiene in front of every view, and compression of what readers and partners get."""

from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render

from liveblog.api.errors import error_json


class RefuseNulInQueryStrings:
    """PostgreSQL text cannot hold NUL (U+0000), so `?q=%00` reaching a filter or the admin's
    autocomplete fails as a 500. Refuse it at the door with a 400 (JSON under /api/).
    Form fields need nothing here: Django's form CharField already refuses NUL."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            message = "The address contains a NUL character (%00), which no search or filter accepts."
            if request.path.startswith("/api/"):
                return error_json(400, "invalid", message)
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)


class CompressPublicResponses(GZipMiddleware):
    """gzip for reader pages and the API (a live page is 53 KB of HTML, about 9 KB gzipped).

    Not for the admin: its pages carry the CSRF token beside text a visitor can
    influence, which compression would let an attacker guess byte by byte (BREACH).
    Reader pages and the API carry no secret. Static files come precompressed from
    WhiteNoise (gzip and brotli).
    """

    def process_response(self, request, response):
        if request.path.startswith("/admin/"):
            return response
        return super().process_response(request, response)
