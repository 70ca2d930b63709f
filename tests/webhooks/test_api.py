"""POST/GET/DELETE /api/v1/webhooks/: a partner's own endpoints, with its key; clear 400s, and the
secret shown in the answer to POST only."""

import pytest
from rest_framework.authtoken.models import Token

from accounts.services import api_key_create
from webhooks.delivery import webhooks_deliver
from webhooks.models import WebhookEndpoint

URL = "/api/v1/webhooks/"


def as_partner(api, partner):
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {partner.raw}")
    return api


def test_registering_answers_201_with_the_secret_and_listing_never_shows_it_again(api, event, partner, receiver):
    client = as_partner(api, partner)

    response = client.post(URL, {"url": receiver.url, "events": [event.slug]}, format="json")

    assert response.status_code == 201, response.content
    created = response.json()
    assert set(created) == {"id", "url", "events", "is_active", "created_at", "disabled_at", "disabled_reason",
                            "secret"}
    assert created["url"] == receiver.url and created["events"] == [event.slug] and created["is_active"] is True
    assert len(created["secret"]) == 64 and int(created["secret"], 16) >= 0
    assert response["Location"] == f"http://testserver{URL}{created['id']}/"
    assert response["Cache-Control"] == "no-store"
    listed = client.get(URL).json()["results"]
    assert [item["id"] for item in listed] == [created["id"]]
    assert "secret" not in listed[0]
    shown = client.get(f"{URL}{created['id']}/").json()
    assert "secret" not in shown and created["secret"] not in client.get(URL).content.decode()
    assert shown == {key: value for key, value in created.items() if key != "secret"}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"url": "ftp://partner.example/hook", "events": ["{slug}"]}, "url",
         "Webhook URLs start with http:// or https://; 'ftp://partner.example/hook' does not."),
        ({"url": "file:///etc/passwd", "events": ["{slug}"]}, "url",
         "Webhook URLs start with http:// or https://; 'file:///etc/passwd' does not."),
        ({"url": "javascript:alert(1)", "events": ["{slug}"]}, "url",
         "Webhook URLs start with http:// or https://; 'javascript:alert(1)' does not."),
        ({"url": "https://exa mple.com/", "events": ["{slug}"]}, "url",
         "'https://exa mple.com/' is not a URL we can POST to."),
        ({"url": "", "events": ["{slug}"]}, "url", "This field may not be blank."),
        ({"events": ["{slug}"]}, "url", "This field is required."),
        ({"url": "https://partner.example/hook", "events": ["no-such-event"]}, "events",
         "No event has the slug 'no-such-event'."),
        ({"url": "https://partner.example/hook", "events": []}, "events", "This list may not be empty."),
        ({"url": "https://partner.example/hook", "events": "{slug}"}, "events",
         'Expected a list of items but got type "str".'),
        ({"url": "https://partner.example/hook", "events": ["Not a slug!"]}, "events",
         'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'),
    ],
)
def test_bad_input_is_a_clear_400_and_registers_nothing(api, event, partner, body, field, message):
    body = {name: (value.replace("{slug}", event.slug) if isinstance(value, str)
                   else [item.replace("{slug}", event.slug) for item in value]) for name, value in body.items()}

    response = as_partner(api, partner).post(URL, body, format="json")

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert message in str(error["fields"][field])
    assert WebhookEndpoint.objects.count() == 0


def test_a_body_that_is_not_json_is_a_400(api, partner):
    response = as_partner(api, partner).post(URL, "url=x", content_type="application/json")

    assert response.status_code == 400
    assert WebhookEndpoint.objects.count() == 0


def test_webhooks_need_a_partner_key(api, editor, event, receiver):
    body = {"url": receiver.url, "events": [event.slug]}

    nobody = api.post(URL, body, format="json")
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    journalist = api.post(URL, body, format="json")

    assert nobody.status_code == 401 and "Api-Key" in nobody["WWW-Authenticate"]
    assert nobody.json()["error"]["message"] == "Webhooks belong to a partner key: send Authorization: Api-Key <key>."
    assert nobody.json()["error"]["code"] == "not_authenticated"
    assert journalist.status_code == 403 and journalist.json()["error"]["code"] == "permission_denied"
    assert journalist.json()["error"]["message"] == nobody.json()["error"]["message"]
    assert WebhookEndpoint.objects.count() == 0


def test_a_partner_sees_and_deletes_only_its_own_endpoints(api, key_admin, event, partner, receiver):
    other_key, other_raw = api_key_create(name="Other Gazette", by=key_admin)
    mine = as_partner(api, partner).post(URL, {"url": receiver.url, "events": [event.slug]}, format="json").json()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {other_raw}")

    assert api.get(URL).json() == {"results": []}
    assert api.get(f"{URL}{mine['id']}/").status_code == 404
    refused = api.delete(f"{URL}{mine['id']}/")
    assert refused.status_code == 404
    assert refused.json()["error"]["message"] == f"Your key has no webhook {mine['id']}."
    assert WebhookEndpoint.objects.filter(pk=mine["id"]).exists()


def test_a_deleted_endpoint_receives_nothing_more(api, event, publish, partner, receiver, clock):
    client = as_partner(api, partner)
    created = client.post(URL, {"url": receiver.url, "events": [event.slug]}, format="json").json()

    assert client.delete(f"{URL}{created['id']}/").status_code == 204
    publish("After the partner left")
    webhooks_deliver(now=clock.now)

    assert receiver.requests == []
    assert client.get(f"{URL}{created['id']}/").status_code == 404


def test_a_partner_has_at_most_twenty_endpoints(api, event, partner, receiver):
    client = as_partner(api, partner)
    for _ in range(20):
        assert client.post(URL, {"url": receiver.url, "events": [event.slug]}, format="json").status_code == 201

    refused = client.post(URL, {"url": receiver.url, "events": [event.slug]}, format="json")

    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        "A partner key has at most 20 webhook endpoints; delete one first."
    )
    assert WebhookEndpoint.objects.count() == 20


def test_listing_costs_the_same_queries_for_one_endpoint_or_five(
    api, editor, event, partner, receiver, django_assert_num_queries
):
    from liveblog import services

    client = as_partner(api, partner)
    other = services.event_create(title="Storm Darragh", by=editor, status="live")
    client.post(URL, {"url": receiver.url, "events": [event.slug]}, format="json")
    with django_assert_num_queries(3):  # the key, the endpoints, their events
        assert len(client.get(URL).json()["results"]) == 1
    for _ in range(4):
        client.post(URL, {"url": receiver.url, "events": [event.slug, other.slug]}, format="json")
    with django_assert_num_queries(3):
        results = client.get(URL).json()["results"]
    assert len(results) == 5 and results[-1]["events"] == [event.slug, other.slug]
