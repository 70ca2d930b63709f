"""A post's own page: shown while published, 404 when it never was public, 410 once retracted."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from liveblog import services
from liveblog.selectors import STREAM_PAGE_SIZE
from liveblog.services import QuoteInput
from tests.helpers import assert_in_html, html_attribute, html_element, html_elements, html_text


def post_url(post):
    return reverse("liveblog:post-detail", kwargs={"slug": post.event.slug, "pk": post.pk})


def test_permalink_shows_the_post_with_its_headline_as_h1(client, event, speaker, publish):
    post = publish("Starmer speaks", body="<p>He spoke.</p>", quotes=[QuoteInput(speaker, "sooner or later")])

    response = client.get(post_url(post))

    assert response.status_code == 200
    page = response.content.decode()
    assert_in_html(f'<h1 class="post__headline" id="post-{post.pk}-headline">Starmer speaks</h1>', page)
    assert html_elements(page, "h3") == []
    assert "He spoke." in page and "sooner or later" in page
    assert html_elements(page, "a", href=f"/live/{event.slug}/#post-{post.pk}") != []
    assert "Coalition summit" in page
    assert "data-live-socket" not in page


def test_permalink_of_a_post_without_headline_uses_the_start_of_its_text(client, publish):
    post = publish("", body="<p>Leaders arrive at the venue in the rain.</p>")
    page = client.get(post_url(post)).content.decode()
    headline = html_element(page, "h1", id=f"post-{post.pk}-headline")
    assert html_text(headline) == "Leaders arrive at the venue in the rain."


def test_permalink_of_an_older_post_links_to_the_page_of_the_stream_holding_it(client, editor, event):
    start = datetime(2025, 3, 15, 9, 0, tzinfo=UTC)
    posts = []
    for i in range(STREAM_PAGE_SIZE + 5):
        draft = services.post_create_draft(event=event, by=editor, headline=f"Post {i}")
        posts.append(services.post_publish(post=draft, by=editor, at=start + timedelta(minutes=i)))
    old = posts[2]

    page = client.get(post_url(old)).content.decode()

    back = html_attribute(html_element(html_element(page, "p", class_="back-link"), "a"), "href")
    path, anchor = back.split("#")
    assert anchor == f"post-{old.pk}"
    stream_page = client.get(path).content.decode()
    shown = [html_attribute(article, "id") for article in html_elements(stream_page, "article", class_="post")]
    assert shown.index(f"post-{old.pk}") < shown.index(f"post-{posts[1].pk}")
    assert f"post-{posts[3].pk}" not in shown
    assert html_elements(stream_page, None, id=f"post-{posts[3].pk}") == []


def test_draft_is_not_found(client, editor, event):
    draft = services.post_create_draft(event=event, by=editor, headline="Secret draft")
    assert client.get(post_url(draft)).status_code == 404


def test_post_of_another_event_is_not_found(client, editor, event, publish):
    other = services.event_create(title="Other story", by=editor, status="live")
    post = publish("Belongs to the summit")
    url = reverse("liveblog:post-detail", kwargs={"slug": other.slug, "pk": post.pk})
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("pk", [999999, 2**63 + 1])
def test_unknown_post_is_not_found(client, event, pk):
    url = reverse("liveblog:post-detail", kwargs={"slug": event.slug, "pk": pk})
    assert client.get(url).status_code == 404


def test_retracted_post_is_gone_with_the_retraction_note(client, editor, publish):
    post = publish("Wrong figures", body="<p>The wrong number.</p>")
    services.post_retract(post=post, by=editor, note="The figures were wrong; see the corrected post.")

    response = client.get(post_url(post))

    assert response.status_code == 410
    page = response.content.decode()
    assert "This post was retracted" in page
    assert "The figures were wrong; see the corrected post." in page
    assert "Wrong figures" not in page and "The wrong number." not in page


def test_permalink_refuses_writes(client, publish):
    assert client.post(post_url(publish("Read only"))).status_code == 405


@pytest.mark.parametrize("post_count", [1, 30])
def test_permalink_query_count_does_not_grow_with_posts(
    client, event, speaker, publish, post_count, django_assert_num_queries
):
    posts = [publish(f"Post {i}", quotes=[QuoteInput(speaker, f"Words {i}")]) for i in range(post_count)]
    # its cache key's state; post with its event, bylines with authors, quotes with speakers, images,
    # its place in the stream
    with django_assert_num_queries(6):
        response = client.get(post_url(posts[0]))
    assert response.status_code == 200
