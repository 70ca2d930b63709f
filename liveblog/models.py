"""The newsroom's data: events, their posts and key points, speakers and their quotes.

Every change a reader can see is numbered by the event's `seq` and logged as an
`EventChange`, so a reader (or partner) who missed some can ask for "all after N".
"""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan
from django.urls import reverse


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (use a name such as Europe/London).")


def not_blank(field: str) -> GreaterThan:
    """A database check that a text column holds more than whitespace."""
    return GreaterThan(Length(Trim(field)), 0)


class Event(models.Model):
    """A story covered live: a summit, a storm, a match."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        LIVE = "live", "Live"
        ENDED = "ended", "Ended"

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    standfirst = models.TextField(blank=True, help_text="One or two sentences under the title.")
    status = models.CharField(max_length=10, choices=Status, default=Status.SCHEDULED)
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone],
        help_text="Times on the live page are shown in this zone.",
    )
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    # The picture link previews and search results show; 1200 px wide suits every network.
    lead_image = models.ImageField(
        upload_to="events/%Y/%m/", blank=True, width_field="lead_image_width", height_field="lead_image_height"
    )
    lead_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_alt = models.CharField(
        max_length=300, blank=True, help_text="What the lead picture shows, for readers who cannot see it."
    )
    # The number of the last public change; the next one takes seq + 1 under a row lock.
    seq = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=not_blank("title"), name="event_title_not_blank"),
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(starts_at__isnull=True)
                | models.Q(ends_at__gte=models.F("starts_at")),
                name="event_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("liveblog:event-live", kwargs={"slug": self.slug})


class KeyPoint(models.Model):
    """One line of the "key points" box at the top of a live page, in reading order."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="key_points")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=400)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["event", "position"], name="key_point_position_unique"),
            models.CheckConstraint(condition=not_blank("text"), name="key_point_text_not_blank"),
        ]

    def __str__(self) -> str:
        return self.text


class Speaker(models.Model):
    """A person quoted in posts. One record across every event they speak at."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    role = models.CharField(max_length=120, blank=True, help_text='e.g. "Prime Minister".')
    organisation = models.CharField(
        max_length=120, blank=True, help_text='Organisation or country, e.g. "United Kingdom".'
    )
    photo = models.ImageField(upload_to="speakers/", blank=True)
    bio = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=not_blank("name"), name="speaker_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def description(self) -> str:
        """Role and organisation as a byline reads them: "Prime Minister, United Kingdom"."""
        return ", ".join(part for part in (self.role, self.organisation) if part)


class Post(models.Model):
    """One timestamped update to an event."""

    class Kind(models.TextChoices):
        UPDATE = "update", "Update"
        BREAKING = "breaking", "Breaking"
        ANALYSIS = "analysis", "Analysis"
        QUOTE = "quote", "Quote"
        MEDIA = "media", "Media"
        # "What we know so far": shown with the key events, for readers arriving late.
        SUMMARY = "summary", "Summary"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        RETRACTED = "retracted", "Retracted"

    PUBLIC_STATUSES = (Status.PUBLISHED, Status.RETRACTED)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="posts")
    headline = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True, help_text="What the journalist wrote (Markdown; see liveblog/markup.py).")
    body_html = models.TextField(blank=True, editable=False, help_text="The body, sanitized for readers.")
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.UPDATE)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Byline", related_name="posts", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    # Whose authority the scheduler publishes with when the time comes.
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # Set when a published post is edited; readers see "Updated HH:MM".
    updated_at = models.DateTimeField(null=True, blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    retraction_note = models.CharField(max_length=300, blank=True)
    # Shown under an edited post, e.g. "An earlier version misnamed the Finnish president."
    correction_note = models.CharField(max_length=300, blank=True)
    is_pinned = models.BooleanField(default=False)
    is_key_event = models.BooleanField(default=False)
    # The event seq of this post's last public change; drafts have none.
    seq = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    # Bumped by every save through the services; an editor's save names the version it
    # started from, so a stale save is refused instead of overwriting a colleague.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["event", "status", "-published_at"], name="post_event_stream"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event", "seq"], name="post_seq_unique_per_event"),
            models.UniqueConstraint(
                fields=["event"], condition=models.Q(is_pinned=True), name="one_pinned_post_per_event"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "scheduled"], seq__isnull=True)
                | models.Q(status__in=["published", "retracted"], seq__isnull=False),
                name="post_seq_only_when_public",
            ),
            models.CheckConstraint(
                condition=models.Q(is_pinned=False) | models.Q(status="published"),
                name="post_pinned_only_when_published",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="post_published_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="scheduled") | models.Q(scheduled_for__isnull=False),
                name="post_scheduled_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.headline or f"Post {self.pk}"

    def get_absolute_url(self) -> str:
        return f"{self.event.get_absolute_url()}#{self.anchor}"

    def get_constraints(self):
        # None is checked by full_clean(): each is a rule of a post's state that the services
        # keep under the event lock and the policies explain to the user (only a published post
        # can be pinned, ...), and PostgreSQL enforces every one on save. Django checks them with
        # a query each, in a savepoint: 13 round trips, a fifth of a publish. A conditional one
        # also reported a database error as a violation: with PostgreSQL going away, a
        # journalist was told their unpinned post broke it.
        return []

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC_STATUSES

    @property
    def anchor(self) -> str:
        return f"post-{self.pk}"


class Byline(models.Model):
    """An author credited on a post, in the order the byline lists them."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["post", "author"], name="byline_author_once_per_post"),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.post_id}"


class Quote(models.Model):
    """Words a speaker said, attributed inside a post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="quotes")
    speaker = models.ForeignKey(Speaker, on_delete=models.PROTECT, related_name="quotes")
    text = models.TextField()
    said_at = models.DateTimeField(null=True, blank=True)
    context = models.CharField(max_length=200, blank=True, help_text='e.g. "told reporters".')
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=not_blank("text"), name="quote_text_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.speaker}: {self.text[:60]}"


def validate_image_size(file) -> None:
    if file.size > PostImage.MAX_BYTES:
        raise ValidationError(f"Images are limited to {PostImage.MAX_BYTES // (1024 * 1024)} MB.")


class PostImage(models.Model):
    """A picture in a post. Alt text is required: every reader should get the picture's point."""

    MAX_BYTES = 8 * 1024 * 1024
    # 40 megapixels (e.g. 7700x5200) is more than any page shows, and decodes to 160 MB at most.
    MAX_PIXELS = 40_000_000

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        upload_to="posts/%Y/%m/", width_field="width", height_field="height", validators=[validate_image_size]
    )
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    alt_text = models.CharField(max_length=300, help_text="What the picture shows, for readers who cannot see it.")
    caption = models.CharField(max_length=300, blank=True)
    credit = models.CharField(max_length=120, blank=True, help_text='e.g. "Reuters" or "Photo: Jane Doe".')
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=not_blank("alt_text"), name="post_image_alt_text_not_blank"),
        ]

    def __str__(self) -> str:
        return self.alt_text


class EventChange(models.Model):
    """One public change, as it was sent to readers; replayed to whoever resumes after a seq."""

    class Action(models.TextChoices):
        POST_PUBLISHED = "post_published", "Post published"
        POST_EDITED = "post_edited", "Post edited"
        POST_PINNED = "post_pinned", "Post pinned"
        POST_UNPINNED = "post_unpinned", "Post unpinned"
        POST_KEY_EVENT = "post_key_event", "Post marked as key event"
        POST_NOT_KEY_EVENT = "post_not_key_event", "Post no longer a key event"
        POST_RETRACTED = "post_retracted", "Post retracted"
        KEY_POINTS = "key_points", "Key points changed"
        EVENT_UPDATED = "event_updated", "Event changed"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="changes")
    seq = models.PositiveBigIntegerField()
    action = models.CharField(max_length=20, choices=Action)
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The exact JSON text broadcast; rendered once, so a resume replays it without re-rendering.
    message = models.TextField()

    class Meta:
        ordering = ["event", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["event", "seq"], name="change_seq_unique_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}#{self.seq} {self.action}"


class Revision(models.Model):
    """Who changed a post, when and to what: the post's history, drafts included."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    action = models.CharField(max_length=30)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    snapshot = models.JSONField()

    class Meta:
        ordering = ["post", "version"]
        constraints = [
            models.UniqueConstraint(fields=["post", "version"], name="revision_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} v{self.version} {self.action}"
