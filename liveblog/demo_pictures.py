"""Pictures for the demo event, drawn with Pillow when the demo loads (nothing is downloaded):
two post illustrations, and a portrait card with initials for each speaker and journalist."""

import hashlib
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont

PAPER = (244, 241, 234)


def _font(size: int):
    # Pillow 10.1+ scales its built-in font; no font file has to be on the machine.
    return ImageFont.load_default(size=size)


def _saved(picture: Image.Image, name: str) -> ContentFile:
    buffer = BytesIO()
    if name.endswith(".png"):
        picture.save(buffer, format="PNG", optimize=True)
    else:
        picture.save(buffer, format="JPEG", quality=82, optimize=True)
    return ContentFile(buffer.getvalue(), name=name)


def _colour_of(text: str) -> tuple[int, int, int]:
    """A steady, muted colour per name, so a portrait looks the same on every load."""
    digest = hashlib.sha256(text.encode()).digest()
    return tuple(60 + value % 120 for value in digest[:3])


def _head_and_shoulders(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], colour) -> None:
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    centre = left + width // 2
    head = width // 6
    draw.ellipse((centre - head, top + height // 4 - head, centre + head, top + height // 4 + head), fill=colour)
    draw.rounded_rectangle(
        (centre - width // 3, top + height // 2, centre + width // 3, bottom + head), radius=head, fill=colour
    )


def video_call_grid() -> ContentFile:
    """Twenty-five video tiles, as on the leaders' call."""
    picture = Image.new("RGB", (1200, 675), (18, 18, 24))
    draw = ImageDraw.Draw(picture)
    columns, rows, gap = 5, 5, 8
    tile_w, tile_h = (1200 - gap * (columns + 1)) // columns, (675 - gap * (rows + 1)) // rows
    for index in range(columns * rows):
        x = gap + (index % columns) * (tile_w + gap)
        y = gap + (index // columns) * (tile_h + gap)
        background = _colour_of(f"tile-{index}")
        draw.rectangle((x, y, x + tile_w, y + tile_h), fill=tuple(value // 3 for value in background))
        _head_and_shoulders(draw, (x + tile_w // 4, y + 10, x + 3 * tile_w // 4, y + tile_h), background)
        if index == 12:  # the chair, in the middle, speaking
            draw.rectangle((x, y, x + tile_w, y + tile_h), outline=(250, 200, 60), width=4)
    return _saved(picture, "demo-video-call.jpg")


def downing_street_door() -> ContentFile:
    """The black door of No 10, where the call was chaired."""
    picture = Image.new("RGB", (1200, 675), (120, 72, 52))
    draw = ImageDraw.Draw(picture)
    for row in range(0, 675, 28):  # brickwork
        offset = 0 if (row // 28) % 2 else 40
        for column in range(-offset, 1200, 80):
            draw.rectangle((column + 2, row + 2, column + 78, row + 26), fill=(96, 52, 38))
    draw.rectangle((420, 90, 780, 675), fill=(245, 245, 240))  # the door frame
    draw.pieslice((420, 0, 780, 180), 180, 360, fill=(245, 245, 240))
    draw.rectangle((450, 150, 750, 675), fill=(14, 14, 16))  # the door
    draw.pieslice((450, 40, 750, 260), 180, 360, fill=(200, 200, 190))  # fanlight
    draw.text((600, 300), "10", fill=(235, 235, 225), font=_font(64), anchor="mm")
    draw.ellipse((585, 380, 615, 410), fill=(210, 180, 90))  # knocker
    return _saved(picture, "demo-downing-street.jpg")


def portrait(name: str, *, file_stem: str) -> ContentFile:
    """A square card with the person's initials over a silhouette: a stand-in for a photo."""
    picture = Image.new("RGB", (400, 400), PAPER)
    draw = ImageDraw.Draw(picture)
    colour = _colour_of(name)
    draw.rectangle((0, 0, 400, 400), fill=tuple(min(255, value + 90) for value in colour))
    _head_and_shoulders(draw, (60, 40, 340, 400), colour)
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    draw.text((200, 310), initials, fill=PAPER, font=_font(72), anchor="mm")
    return _saved(picture, f"{file_stem}.png")
