"""The demo loader: what it builds, that it builds it once, and that readers can see it."""

import html
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Role, User
from liveblog import demo, services
from liveblog.models import Event, EventChange, KeyPoint, Post, Quote, Revision, Speaker

SLUG = settings.LIVEBLOG_DEMO_EVENT_SLUG


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Event, Post, Quote, Speaker, KeyPoint, EventChange, Revision, User)
    }


def load_demo_command() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue().strip()


def test_loading_creates_a_live_event_with_published_posts(db):
    event, created = demo.demo_load()

    assert created is True
    assert event.slug == SLUG
    assert event.status == Event.Status.LIVE
    assert event.time_zone == "Europe/London"
    assert event.standfirst
    assert event.posts.filter(status=Post.Status.PUBLISHED).count() >= 12
    assert not event.posts.exclude(status=Post.Status.PUBLISHED).exists()


def test_loading_uses_every_kind_of_post(db):
    event, _ = demo.demo_load()

    assert set(event.posts.values_list("kind", flat=True)) == set(Post.Kind.values)


def test_posts_are_spread_over_the_hours_since_the_event_started(db):
    event, _ = demo.demo_load()
    times = list(event.posts.order_by("published_at").values_list("published_at", flat=True))

    assert event.starts_at <= times[0]
    assert (times[-1] - times[0]).total_seconds() >= 4 * 3600


def test_posts_are_numbered_in_the_order_of_their_times(db):
    event, _ = demo.demo_load()
    published = EventChange.objects.filter(event=event, action=EventChange.Action.POST_PUBLISHED)
    by_seq = list(published.order_by("seq").values_list("post_id", flat=True))
    by_time = list(event.posts.order_by("published_at").values_list("pk", flat=True))

    assert by_seq == by_time


def test_loading_adds_speakers_with_roles_and_at_least_fifteen_quotes(db):
    event, _ = demo.demo_load()
    speakers = Speaker.objects.filter(quotes__post__event=event).distinct()

    assert speakers.count() >= 6
    assert all(speaker.role and speaker.organisation and speaker.bio for speaker in speakers)
    assert Quote.objects.filter(post__event=event).count() >= 15
    assert not Quote.objects.filter(text__startswith='"').exists()


def test_loading_sets_key_points_one_pinned_post_and_key_events(db):
    event, _ = demo.demo_load()

    assert 5 <= event.key_points.count() <= 6
    assert event.posts.filter(is_pinned=True).count() == 1
    assert event.posts.filter(is_key_event=True).count() >= 3


def test_analysis_is_bylined_by_a_journalist_with_a_job_title(db):
    event, _ = demo.demo_load()
    analyses = event.posts.filter(kind=Post.Kind.ANALYSIS)

    assert analyses.count() >= 2
    for post in analyses:
        assert post.authors.exclude(job_title="").exists()


def test_demo_journalists_are_editors_who_cannot_log_in(db):
    demo.demo_load()
    journalists = User.objects.filter(username__in=[j.username for j in demo.JOURNALISTS])

    assert journalists.count() >= 3
    for user in journalists:
        assert user.job_title
        assert not user.has_usable_password()
        assert user.groups.filter(name=Role.EDITOR).exists()


def test_public_changes_are_numbered_from_one_without_a_gap(db):
    event, _ = demo.demo_load()
    changes = EventChange.objects.filter(event=event).order_by("seq")
    seqs = list(changes.values_list("seq", flat=True))

    assert seqs == list(range(1, len(seqs) + 1))
    assert event.seq == len(seqs)


def test_loading_twice_changes_nothing_the_second_time(db):
    first, first_created = demo.demo_load()
    before = counts()

    second, second_created = demo.demo_load()

    assert first_created is True
    assert second_created is False
    assert second.pk == first.pk
    assert second.seq == first.seq
    assert counts() == before


def test_the_command_loads_the_demo_once(db):
    assert load_demo_command() == f"Demo event loaded: /live/{SLUG}/"
    before = counts()

    assert load_demo_command() == f"Demo event already loaded: /live/{SLUG}/"
    assert counts() == before


def test_loading_again_after_the_event_was_deleted_reuses_users_and_speakers(db):
    event, _ = demo.demo_load()
    event.delete()
    users, speakers = User.objects.count(), Speaker.objects.count()

    event, created = demo.demo_load()

    assert created is True
    assert event.posts.count() == len(demo.POSTS)
    assert User.objects.count() == users
    assert Speaker.objects.count() == speakers


def test_a_failure_part_way_leaves_nothing_behind(db, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("key points failed")

    monkeypatch.setattr(services, "event_set_key_points", broken)

    with pytest.raises(RuntimeError, match="key points failed"):
        demo.demo_load()

    assert not Event.objects.exists()
    assert not Speaker.objects.exists()
    assert not User.objects.exists()
    assert not (Post.objects.exists() or Revision.objects.exists() or EventChange.objects.exists())


def test_the_live_page_shows_the_demo(db, client):
    demo.demo_load()

    response = client.get(f"/live/{SLUG}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert demo.EVENT_TITLE.replace("'", "&#x27;") in page
    assert "Volodymyr Zelensky" in page
    assert "peace must begin unconditionally" in page


def test_demo_posts_speakers_and_journalists_carry_drawn_pictures_readers_can_see(db, client):
    from PIL import Image

    event, _ = demo.demo_load()
    pictured = event.posts.filter(images__isnull=False).distinct()
    assert pictured.count() == len(demo.PICTURES)
    for post in pictured:
        image = post.images.get()
        assert image.alt_text and image.width == 1200 and image.height == 675
        with Image.open(image.image) as drawn:
            assert drawn.format == "JPEG"
    assert all(speaker.photo for speaker in Speaker.objects.all())
    assert all(user.avatar for user in User.objects.filter(username__startswith="demo."))

    for post in pictured:
        permalink = reverse("liveblog:post-detail", kwargs={"slug": event.slug, "pk": post.pk})
        page = html.unescape(client.get(permalink).content.decode())
        image = post.images.get()
        assert image.image.url in page and image.alt_text in page


def test_pictures_take_no_public_number_of_their_own(db):
    event, _ = demo.demo_load()
    assert not EventChange.objects.filter(event=event, action=EventChange.Action.POST_EDITED).exists()
