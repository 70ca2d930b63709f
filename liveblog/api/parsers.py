"""The API's JSON parser: DRF's, refusing with a 400 what would otherwise end in a 500.

Python's decoder recurses, so 5,000 nested `[` raise RecursionError; it also accepts lone
surrogates (`"\\ud800"`) and NUL (`"\\u0000"`), which PostgreSQL text cannot store and the
error renderer cannot encode.
"""

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

# Our request bodies nest three levels at most (a post's quotes); this leaves room for tools.
MAX_DEPTH = 20


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.") from None
        # Text that no field can store is a field's error (400 "invalid"), like any other.
        if isinstance(data, dict):
            for key, value in data.items():
                _check(key, depth=1, field="non_field_errors")
                _check(value, depth=1, field=key)
        else:
            _check(data, depth=1, field="non_field_errors")
        return data


def _check(value, *, depth: int, field: str) -> None:
    if depth > MAX_DEPTH:
        raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationError({field: ["Text may not contain NUL (\\u0000)."]})
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError({field: ["Text contains a lone surrogate, which is not valid Unicode."]}) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, depth=depth + 1, field=field)
            _check(item, depth=depth + 1, field=field)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth=depth + 1, field=field)
