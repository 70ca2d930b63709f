"""Checking what the server sends against the schemas it publishes.

`assert_live_frame` holds a websocket frame to docs/live-protocol.schema.json;
`assert_feed_page` and `assert_api_body` hold REST answers to the OpenAPI
components served at /api/schema/. Both are strict: a field the schema does
not name fails as surely as a missing or wrong-typed one.
"""

import functools
import json
from pathlib import Path

from django.test import Client
from jsonschema import Draft202012Validator

LIVE_PROTOCOL_SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "live-protocol.schema.json"


@functools.cache
def _live_validator() -> Draft202012Validator:
    schema = json.loads(LIVE_PROTOCOL_SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def assert_live_frame(frame: dict | str) -> dict:
    """Fail unless `frame` (parsed, or the text as sent) is a frame the live protocol describes."""
    if isinstance(frame, str):
        frame = json.loads(frame)
    assert _live_validator().is_valid(frame), _explain(_live_validator(), frame)
    return frame


def _explain(validator: Draft202012Validator, instance) -> str:
    """Every reason `instance` fails, one a line. A oneOf failure alone only says "not valid
    under any of the given schemas"; the reasons under each branch say which field is wrong."""
    lines = []

    def collect(errors):
        for error in errors:
            where = "/".join(map(str, error.absolute_path)) or "the top"
            lines.append(f"{error.message[:200]} (at {where})")
            collect(error.context or ())

    collect(validator.iter_errors(instance))
    return "\n".join(lines)


def _as_json_schema(node):
    """OpenAPI 3.0 to JSON Schema: `nullable: true` becomes "or null", and objects are closed."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _as_json_schema(value) for key, value in node.items()}
    if "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


@functools.cache
def _openapi_components() -> dict:
    # Serving the schema reads no database, so this needs no fixture.
    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    return _as_json_schema(response.json()["components"])


def assert_api_body(body: dict, component: str) -> dict:
    """Fail unless `body` is exactly what the OpenAPI component `component` describes."""
    schema = {"components": _openapi_components(), "$ref": f"#/components/schemas/{component}"}
    validator = Draft202012Validator(schema)
    assert validator.is_valid(body), _explain(validator, body)
    return body


def assert_feed_page(body: dict) -> dict:
    """Fail unless `body` is a page of the changes feed (`?after=`) as /api/schema/ describes it."""
    return assert_api_body(body, "ChangePage")
