"""The one door for changes to events, posts, speakers and quotes.

The admin, the API, the scheduler and the demo loader all call these
functions, so every change is permission-checked, sanitized, recorded as a
revision and, when readers can see it, numbered and pushed after commit.
One module per noun; import them from here (`from liveblog import services`).
"""

from liveblog.services.events import (
    MAX_KEY_POINTS,
    event_create,
    event_set_key_points,
    event_set_lead_image,
    event_set_status,
    event_update,
)
from liveblog.services.images import ALLOWED_IMAGE_FORMATS, image_add, image_remove
from liveblog.services.posts import (
    QuoteInput,
    StaleVersionError,
    post_create_draft,
    post_edit,
    post_publish,
    post_restore_revision,
    post_retract,
    post_schedule,
    post_schedule_refuse,
    post_set_key_event,
    post_set_pinned,
    post_unschedule,
    post_update,
    posts_publish_due,
    quote_add,
)
from liveblog.services.speakers import speaker_create, speaker_update

__all__ = [
    "ALLOWED_IMAGE_FORMATS",
    "MAX_KEY_POINTS",
    "QuoteInput",
    "StaleVersionError",
    "event_create",
    "event_set_key_points",
    "event_set_lead_image",
    "event_set_status",
    "event_update",
    "image_add",
    "image_remove",
    "post_create_draft",
    "post_edit",
    "post_publish",
    "post_restore_revision",
    "post_retract",
    "post_schedule",
    "post_schedule_refuse",
    "post_set_key_event",
    "post_set_pinned",
    "post_unschedule",
    "post_update",
    "posts_publish_due",
    "quote_add",
    "speaker_create",
    "speaker_update",
]
