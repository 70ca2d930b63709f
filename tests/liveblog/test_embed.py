"""The embeddable live blog: /embed.js, the framed page, and which partner sites may show it."""

from io import StringIO

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import PartnerApiKey, User
from accounts.services import (
    api_key_create,
    api_key_revoke,
    api_key_set_embed_origins,
    embed_origins_allowed,
)
from config.asgi import application
from liveblog import services
from tests.helpers import html_element, html_elements, html_text
from tests.live import connect, receive_until_seq

PARTNER = "https://partner.example"


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser(username="admin", password="x" * 20)


def embed_url(event) -> str:
    return reverse("liveblog:event-embed", kwargs={"slug": event.slug})


def frame_ancestors(response) -> list[str]:
    policy = response["Content-Security-Policy"]
    assert policy.startswith("frame-ancestors ")
    return policy.removeprefix("frame-ancestors ").split()


def test_embed_page_shows_the_published_stream_ready_to_go_live(client, event, editor, publish):
    publish("Leaders arrive")
    services.post_create_draft(event=event, by=editor, headline="Not ready yet", body="Draft")
    event.refresh_from_db()

    response = client.get(embed_url(event))

    page = response.content.decode()
    stream = html_element(page, "article", id="event")
    assert response.status_code == 200
    assert stream.attributes and dict(stream.attributes)["data-seq"] == str(event.seq)
    assert dict(stream.attributes)["data-live-socket"] == f"/ws/events/{event.slug}/"
    assert "Leaders arrive" in html_text(html_element(page, "div", id="stream-posts"))
    assert "Not ready yet" not in page
    assert [dict(s.attributes)["src"] for s in html_elements(page, "script")] == [
        "/static/liveblog/embed-frame.js", "/static/liveblog/live.js"
    ]


def test_embed_page_may_be_framed_by_partner_sites_only(client, event, admin_user):
    api_key_create(name="Partner Daily", by=admin_user, embed_origins=[PARTNER, "http://127.0.0.1:8161"])
    revoked, _ = api_key_create(name="Former partner", by=admin_user, embed_origins=["https://former.example"])
    api_key_revoke(key=revoked, by=admin_user)

    response = client.get(embed_url(event))

    assert frame_ancestors(response) == ["'self'", "http://127.0.0.1:8161", PARTNER]
    assert "X-Frame-Options" not in response
    # The live page itself still refuses every frame.
    assert client.get(event.get_absolute_url())["X-Frame-Options"] == "DENY"


def test_embed_page_is_the_same_for_a_journalist_and_a_reader(client, event, editor, publish):
    publish("Leaders arrive")
    anonymous = client.get(embed_url(event))
    client.force_login(editor)
    signed_in = client.get(embed_url(event))

    assert signed_in.content == anonymous.content
    assert b"csrfmiddlewaretoken" not in anonymous.content
    # Nothing read the session, so a shared cache may hand one copy to everyone.
    assert "Cookie" not in signed_in.get("Vary", "") and not signed_in.cookies


def test_embed_page_reads_a_fixed_number_of_queries(client, event, publish, django_assert_max_num_queries):
    for number in range(5):
        publish(f"Update {number}")

    with django_assert_max_num_queries(6):
        assert client.get(embed_url(event)).status_code == 200


def test_embed_of_an_unknown_event_is_a_404(client, db):
    assert client.get("/live/no-such-event/embed/").status_code == 404


def test_embed_script_is_served_from_the_site_root(client, db):
    response = client.get("/embed.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "max-age=3600" in response["Cache-Control"]
    assert b"/embed/" in response.content and b"liveblog:height" in response.content


def test_embed_origins_are_stored_as_browsers_send_them(admin_user):
    key, _ = api_key_create(name="Partner", by=admin_user)

    api_key_set_embed_origins(key=key, origins=[" HTTPS://Partner.Example/ ", "http://127.0.0.1:8161", "",
                                                 "https://partner.example"], by=admin_user)

    key.refresh_from_db()
    assert key.embed_origins == ["https://partner.example", "http://127.0.0.1:8161"]
    assert embed_origins_allowed() == {"https://partner.example", "http://127.0.0.1:8161"}


@pytest.mark.parametrize("origin", ["partner.example", "ftp://partner.example", "https://partner.example/blog",
                                    "https://user@partner.example", "https://partner.example:99999", "https://"])
def test_a_value_that_is_not_an_origin_is_refused_and_nothing_changes(admin_user, origin):
    key, _ = api_key_create(name="Partner", by=admin_user, embed_origins=[PARTNER])

    with pytest.raises(ValidationError, match="is not an origin"):
        api_key_set_embed_origins(key=key, origins=[origin], by=admin_user)

    key.refresh_from_db()
    assert key.embed_origins == [PARTNER]


def test_only_key_managers_choose_embed_origins(admin_user, editor):
    key, _ = api_key_create(name="Partner", by=admin_user)

    with pytest.raises(PermissionDenied, match="manage partner API keys"):
        api_key_set_embed_origins(key=key, origins=[PARTNER], by=editor)

    key.refresh_from_db()
    assert key.embed_origins == []


def test_admin_sets_embed_origins_and_framing_follows(admin_user, client, event):
    client.force_login(admin_user)
    add = client.post(reverse("admin:accounts_partnerapikey_add"),
                      {"name": "Partner Daily", "rate_limit_per_minute": 120, "embed_origins": PARTNER})
    key = PartnerApiKey.objects.get()
    assert add.status_code == 200 and key.embed_origins == [PARTNER]

    change = client.post(reverse("admin:accounts_partnerapikey_change", args=[key.pk]),
                         {"embed_origins": "https://other.example\nhttp://127.0.0.1:8161", "name": "Renamed"})

    key.refresh_from_db()
    assert change.status_code == 302
    assert (key.name, key.embed_origins) == ("Partner Daily", ["https://other.example", "http://127.0.0.1:8161"])
    assert frame_ancestors(client.get(embed_url(event))) == ["'self'", "http://127.0.0.1:8161",
                                                              "https://other.example"]


def test_admin_shows_a_bad_origin_as_a_form_error(admin_user, client):
    client.force_login(admin_user)
    key, _ = api_key_create(name="Partner", by=admin_user, embed_origins=[PARTNER])

    response = client.post(reverse("admin:accounts_partnerapikey_change", args=[key.pk]),
                           {"embed_origins": "javascript:alert(1)"})

    key.refresh_from_db()
    assert response.status_code == 200 and "is not an origin" in response.content.decode()
    assert key.embed_origins == [PARTNER]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("close_worker_connections")
async def test_a_partner_page_on_an_embed_origin_opens_the_live_socket(admin_user, event, editor):
    await sync_to_async(api_key_create)(name="Partner", by=admin_user, embed_origins=[PARTNER])

    partner, connected, _ = await connect(event.slug, origin=(b"origin", PARTNER.encode()))
    assert connected
    post = await sync_to_async(services.post_publish)(
        post=await sync_to_async(services.post_create_draft)(event=event, by=editor, headline="Live on a partner"),
        by=editor,
    )
    frames = await receive_until_seq(partner, post.seq)
    assert frames[-1]["post"]["headline"] == "Live on a partner"
    await partner.disconnect()

    _, stranger_connected, _ = await connect(event.slug, origin=(b"origin", b"https://stranger.example"))
    assert not stranger_connected


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("close_worker_connections")
async def test_an_embed_origin_never_opens_the_newsroom_socket(admin_user, event):
    await sync_to_async(api_key_create)(name="Partner", by=admin_user, embed_origins=[PARTNER])
    newsroom = WebsocketCommunicator(application, f"/ws/newsroom/{event.pk}/", headers=[(b"origin", PARTNER.encode())])

    connected, _ = await newsroom.connect(timeout=5)

    assert not connected


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("close_worker_connections")
async def test_a_revoked_partner_site_can_no_longer_open_the_socket(admin_user, event):
    key, _ = await sync_to_async(api_key_create)(name="Partner", by=admin_user, embed_origins=[PARTNER])
    await sync_to_async(api_key_revoke)(key=key, by=admin_user)

    _, connected, _ = await connect(event.slug, origin=(b"origin", PARTNER.encode()))

    assert not connected


def test_key_issued_from_the_command_line_lists_its_embed_origins(admin_user, client, event):
    call_command("api_key_create", "Partner Daily", "--embed-origin", PARTNER, "--embed-origin",
                 "http://127.0.0.1:8161", stdout=StringIO(), stderr=StringIO())

    assert PartnerApiKey.objects.get().embed_origins == [PARTNER, "http://127.0.0.1:8161"]
    assert frame_ancestors(client.get(embed_url(event))) == ["'self'", "http://127.0.0.1:8161", PARTNER]


def test_command_line_refuses_a_bad_embed_origin_and_issues_no_key(admin_user):
    with pytest.raises(CommandError, match="is not an origin"):
        call_command("api_key_create", "Partner Daily", "--embed-origin", "partner.example",
                     stdout=StringIO(), stderr=StringIO())

    assert not PartnerApiKey.objects.exists()
