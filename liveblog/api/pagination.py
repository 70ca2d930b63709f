"""Cursor pagination with capped page sizes, where a cursor we did not issue is a 400, not a 500."""

from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import timezone
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

MAX_PAGE_SIZE = 100
BAD_CURSOR = "This cursor is not one we gave out; start again from the first page."


class CappedCursorPagination(CursorPagination):
    """Pages of `limit` items (default 20, at most 100), linked by opaque `next`/`previous` cursors.

    Cursors rather than page numbers: new items arriving at the top while a
    client pages back neither shift the pages nor repeat an item.
    """

    page_size = 20
    page_size_query_param = "limit"
    max_page_size = MAX_PAGE_SIZE
    # The type of the first ordering column, used to check a cursor's position before it reaches SQL.
    position_field: models.Field = models.DateTimeField()

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({"cursor": [BAD_CURSOR]}) from None
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        if "\x00" in position:
            raise ValidationError({"cursor": [BAD_CURSOR]})
        try:
            value = self.position_field.to_python(position)
        except DjangoValidationError:
            raise ValidationError({"cursor": [BAD_CURSOR]}) from None
        if isinstance(value, datetime) and timezone.is_naive(value):
            raise ValidationError({"cursor": [BAD_CURSOR]})


class EventPagination(CappedCursorPagination):
    ordering = ("-created_at", "-id")


class PostPagination(CappedCursorPagination):
    ordering = ("-published_at", "-id")


class QuotePagination(CappedCursorPagination):
    ordering = ("-quoted_at", "-id")


class SpeakerPagination(CappedCursorPagination):
    ordering = ("name", "id")
    position_field = models.CharField()
