"""The OpenAPI schema: generated without warnings, served, rendered offline, and the API held to it.

schemathesis sends generated requests to every operation, as nobody, as a
partner and as an editor, and fails on any 5xx or any response the schema
does not describe (status, content type, headers, body).
"""

from contextlib import contextmanager

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import api_key_create
from liveblog import services
from liveblog.services import QuoteInput
from tests.helpers import clear_cache
from webhooks.services import webhook_create

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def test_the_schema_generates_without_warnings(db):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_the_schema_is_served_with_every_endpoint(api, db):
    response = api.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths) == {
        "/api/v1/events/", "/api/v1/events/{slug}/", "/api/v1/events/{slug}/posts/",
        "/api/v1/events/{slug}/posts/{post_id}/", "/api/v1/speakers/", "/api/v1/speakers/{slug}/",
        "/api/v1/quotes/", "/api/v1/webhooks/", "/api/v1/webhooks/{webhook_id}/",
    }
    schemes = response.json()["components"]["securitySchemes"]
    assert set(schemes) == {"journalistToken", "partnerApiKey"}


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_docs_pages_load_nothing_from_outside(client, db, path):
    page = client.get(path).content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()


# schemathesis --------------------------------------------------------------------------------


@contextmanager
def inside_the_test_transaction():
    """Requests through the WSGI handler keep the connection (and the test's transaction) open.

    Django's own test client does the same: otherwise every request would
    start by closing the connection that holds the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def load_schema():
    """The schema as partners get it: from /api/schema/, through the project's own WSGI handler.

    Loaded when the module is collected (schemathesis' fixture-based loading
    does not run on pytest 9); serving the schema touches no database.
    """
    with inside_the_test_transaction():
        return schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


@pytest.fixture
def same_transaction():
    with inside_the_test_transaction():
        yield


@pytest.fixture
def stage(same_transaction, admin_user, editor, contributor, event, speaker, publish, monkeypatch):
    """Real things for generated requests to find, and a credential for each kind of caller."""
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "100000/min")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "journalist", "100000/min")
    services.event_set_key_points(event=event, points=["Leaders meet"], by=editor)
    posts = [
        publish("Summit opens", quotes=[QuoteInput(speaker, "Sooner or later", context="told reporters")]),
        services.post_retract(post=publish("Mistake"), by=editor),
        services.post_create_draft(event=event, by=contributor, headline="Draft"),
        publish("Analysis", kind="analysis"),
    ]
    key, raw_key = api_key_create(name="Fuzzing partner", by=admin_user, rate_limit_per_minute=100000)
    webhook, _ = webhook_create(partner_key=key, url="https://partner.example/hooks", events=[event])
    return {
        "event": event.slug,
        "speaker": speaker.slug,
        "posts": [post.pk for post in posts],
        "webhook": webhook.pk,
        "auth": {
            "anonymous": None,
            "partner": f"Api-Key {raw_key}",
            "editor": f"Token {Token.objects.create(user=editor).key}",
        },
    }


schema = load_schema()


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_schema_and_never_fails(case, stage):
    # Point generated requests at things that exist, so they reach past the 404.
    parameters = case.path_parameters or {}
    if "slug" in parameters:
        parameters["slug"] = stage["speaker"] if case.operation.path.startswith("/api/v1/speakers/") else stage["event"]
    if "post_id" in parameters and isinstance(parameters["post_id"], int):
        parameters["post_id"] = stage["posts"][parameters["post_id"] % len(stage["posts"])]
    if "webhook_id" in parameters and isinstance(parameters["webhook_id"], int):
        parameters["webhook_id"] = stage["webhook"]
    # Each generated request is sent as nobody, as a partner and as an editor. Uncompressed:
    # schemathesis's in-process transport asks for gzip but does not undo it.
    for credential in stage["auth"].values():
        clear_cache()
        headers = {"Accept-Encoding": "identity", **({"Authorization": credential} if credential else {})}
        case.call_and_validate(headers=headers, checks=CHECKS)
