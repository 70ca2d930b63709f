"""Picture services: attach a checked upload to a post, or take it out."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from liveblog.models import EventChange, Post, PostImage
from liveblog.permissions import Action
from liveblog.services.posts import post_lock_for_change, post_save_change

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


@transaction.atomic
def image_add(
    *,
    post: Post,
    by,
    image,
    alt_text: str,
    caption: str = "",
    credit: str = "",
    expected_version: int | None = None,
) -> PostImage:
    """Attach an uploaded picture (JPEG, PNG, GIF or WebP) with its alt text, caption and credit."""
    event, post = post_lock_for_change(
        post_id=post.pk, event_id=post.event_id, by=by, action=Action.EDIT, expected_version=expected_version
    )
    image_check(image)
    record = PostImage(
        post=post, image=image, alt_text=alt_text.strip(), caption=caption.strip(), credit=credit.strip(),
        position=post.images.count(),
    )
    record.full_clean()
    record.save()
    if post.status == Post.Status.PUBLISHED:
        post.updated_at = timezone.now()
    post_save_change(event, post, by=by, action="image_add", public_action=EventChange.Action.POST_EDITED)
    return record


@transaction.atomic
def image_remove(*, image: PostImage, by, expected_version: int | None = None) -> Post:
    """Take a picture out of its post."""
    event, post = post_lock_for_change(
        post_id=image.post_id, event_id=image.post.event_id, by=by, action=Action.EDIT, expected_version=expected_version
    )
    image.delete()
    return post_save_change(event, post, by=by, action="image_remove", public_action=EventChange.Action.POST_EDITED)


def image_check(image) -> None:
    """Refuse what is not a real picture of an allowed kind and size, before anything is stored."""
    from PIL import Image, UnidentifiedImageError

    if image.size > PostImage.MAX_BYTES:
        raise ValidationError(f"Images are limited to {PostImage.MAX_BYTES // (1024 * 1024)} MB.")
    try:
        image.seek(0)
        with Image.open(image) as picture:
            # The size is in the header: a few KB of PNG can claim 12000x12000, which every
            # reader's browser would have to decode (576 MB), so it is checked before decoding.
            width, height = picture.size
            if width * height > PostImage.MAX_PIXELS:
                raise ValidationError(
                    f"This picture is {width}x{height} pixels; pictures are limited to "
                    f"{PostImage.MAX_PIXELS // 1_000_000} megapixels. Resize it and upload it again."
                )
            picture.verify()
            kind = picture.format
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as broken:
        raise ValidationError("This file is not an image we can show (use JPEG, PNG, GIF or WebP).") from broken
    finally:
        image.seek(0)
    if kind not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(f"{kind} images are not accepted; use JPEG, PNG, GIF or WebP.")
