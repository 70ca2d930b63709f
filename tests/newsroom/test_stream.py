"""The newsroom stream: every draft, scheduled and public post, at a fixed cost however many."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liveblog import services
from tests.helpers import html_elements
from tests.newsroom.conftest import newsroom_url

pytestmark = pytest.mark.django_db


def fill(editor, event, speaker, count):
    for n in range(count):
        draft = services.post_create_draft(
            event=event, by=editor, headline=f"Post {n}",
            quotes=[services.QuoteInput(speaker, f"Quote {n}")],
        )
        if n % 3:
            services.post_publish(post=draft, by=editor)
        elif n % 2:
            services.post_schedule(post=draft, by=editor, at=timezone.now() + timedelta(hours=1))


@pytest.mark.parametrize("view", ["stream", "event"])
def test_stream_costs_the_same_queries_for_3_or_30_posts(view, as_editor, editor, event, speaker,
                                                         django_assert_num_queries):
    fill(editor, event, speaker, 3)
    with CaptureQueriesContext(connection) as few:
        as_editor.get(newsroom_url(event, view))
    fill(editor, event, speaker, 27)

    with django_assert_num_queries(len(few.captured_queries)):
        response = as_editor.get(newsroom_url(event, view))

    assert response.status_code == 200
    assert len(html_elements(response.content.decode(), "li", class_="nr-item")) == 30


def test_stream_lists_drafts_and_scheduled_above_the_live_stream_newest_first(as_editor, editor, event):
    services.post_create_draft(event=event, by=editor, headline="Old draft")
    services.post_create_draft(event=event, by=editor, headline="New draft")
    for headline in ("Older public", "Newer public"):
        services.post_publish(post=services.post_create_draft(event=event, by=editor, headline=headline), by=editor)

    html = as_editor.get(newsroom_url(event, "stream")).content.decode()

    order = [html.index(text) for text in ("New draft", "Old draft", "On the live page", "Newer public", "Older public")]
    assert order == sorted(order)
