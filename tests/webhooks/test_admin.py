"""Webhooks in the admin: registered through the service with the secret shown once, a
read-only delivery log, the disabled state in plain sight, and only for key managers."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers import html_element, html_text
from webhooks.delivery import webhooks_deliver
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import webhook_create


@pytest.fixture
def admin_client(key_admin):
    client = Client()
    client.force_login(key_admin)
    return client


def test_an_endpoint_added_in_the_admin_shows_its_secret_once_and_receives_changes(
    admin_client, event, publish, partner, receiver, clock
):
    response = admin_client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {"partner_key": partner.pk, "url": receiver.url, "events": [event.pk]},
    )

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    secret = html_text(html_element(response.content.decode(), "code", id="webhook-secret"))
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == secret and endpoint.partner_key == partner and endpoint.url == receiver.url
    detail = admin_client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    listing = admin_client.get(reverse("admin:webhooks_webhookendpoint_changelist"))
    assert detail.status_code == 200 and secret not in detail.content.decode()
    assert secret not in listing.content.decode()

    publish("First")
    assert webhooks_deliver(now=clock.now) == 1
    assert receiver.requests[0].headers["Liveblog-Event"] == event.slug


def test_a_bad_url_in_the_admin_is_a_form_error(admin_client, event, partner):
    response = admin_client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {"partner_key": partner.pk, "url": "gopher://partner.example/", "events": [event.pk]},
    )

    assert response.status_code == 200
    assert "Webhook URLs start with http:// or https://" in response.content.decode()
    assert WebhookEndpoint.objects.count() == 0


def test_the_delivery_log_lists_every_attempt_and_cannot_be_edited(
    admin_client, event, publish, partner, receiver, clock
):
    endpoint, _ = webhook_create(partner_key=partner, url=receiver.url, events=[event])
    receiver.answers.append(500)
    publish("First")
    webhooks_deliver(now=clock.now)
    attempt = WebhookDelivery.objects.get()

    listing = admin_client.get(reverse("admin:webhooks_webhookdelivery_changelist")).content.decode()

    assert "The endpoint answered HTTP 500." in listing
    assert admin_client.get(reverse("admin:webhooks_webhookdelivery_add")).status_code == 403
    change = admin_client.post(reverse("admin:webhooks_webhookdelivery_change", args=[attempt.pk]), {"seq": 9})
    assert change.status_code == 403
    attempt.refresh_from_db()
    assert attempt.seq == 1
    endpoints = admin_client.get(reverse("admin:webhooks_webhookendpoint_changelist")).content.decode()
    assert "Failing since" in endpoints


def test_a_disabled_endpoint_says_so_and_why_and_can_be_turned_back_on(admin_client, event, partner, receiver):
    endpoint, _ = webhook_create(partner_key=partner, url=receiver.url, events=[event])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        disabled_at=event.created_at, disabled_reason="Every delivery failed for 24 hours; the last: HTTP 503."
    )

    listing = admin_client.get(reverse("admin:webhooks_webhookendpoint_changelist")).content.decode()
    assert "Every delivery failed for 24 hours; the last: HTTP 503." in listing

    admin_client.post(
        reverse("admin:webhooks_webhookendpoint_changelist"),
        {"action": "enable", "_selected_action": [endpoint.pk]},
    )
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_reason == ""


def test_journalists_without_key_rights_cannot_see_webhooks(editor, partner, event, receiver):
    webhook_create(partner_key=partner, url=receiver.url, events=[event])
    client = Client()
    client.force_login(editor)

    assert client.get(reverse("admin:webhooks_webhookendpoint_changelist")).status_code == 403
    assert client.get(reverse("admin:webhooks_webhookdelivery_changelist")).status_code == 403
