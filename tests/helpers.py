"""Plain helpers the whole suite shares: publishing as an editor would, pictures to upload, the
cache reset, and reading HTML as a browser parses it rather than as the template spelled it."""

import functools
import io

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase
from django.test.html import Element, parse_html
from PIL import Image

from liveblog import services


def publish(event, by, headline: str = "An update", body: str = "<p>Text</p>", *, at=None, **fields):
    """Publish a post through the services, as a journalist would: a draft, then publish."""
    draft = services.post_create_draft(event=event, by=by, headline=headline, body=body, **fields)
    return services.post_publish(post=draft, by=by, at=at)


def _picture(name: str, size: tuple[int, int], colour: str, kind: str, content_type: str) -> SimpleUploadedFile:
    # Drawn by Pillow, so the services' own image checks see a real picture of that kind.
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=kind)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def png(name: str = "leaders.png", size: tuple[int, int] = (40, 30)) -> SimpleUploadedFile:
    """A real PNG picture, as a journalist uploads it."""
    return _picture(name, size, "steelblue", "PNG", "image/png")


def bmp() -> SimpleUploadedFile:
    """A real picture, but of a kind the services refuse (past Django's own image check)."""
    return _picture("leaders.bmp", (20, 20), "red", "BMP", "image/bmp")


def clear_cache() -> None:
    """Forget API throttle and sign-in counts, as the cache does when their window has passed."""
    cache.clear()


# HTML ---------------------------------------------------------------------------------------------


def assert_in_html(needle: str, haystack: str, count: int | None = None) -> None:
    """`needle` is an element of `haystack` (`count` times, if given), compared as parsed HTML:
    attribute order, class order and insignificant whitespace do not matter."""
    SimpleTestCase().assertInHTML(needle, haystack, count=count)


def assert_html_equal(actual: str, expected: str) -> None:
    """The two are the same HTML once parsed (attribute order and whitespace aside)."""
    SimpleTestCase().assertHTMLEqual(actual, expected)


def html_elements(html: str | Element, tag: str | None, **attributes) -> list[Element]:
    """The `<tag>` elements (any element, for None) of `html` (a page, or an element found
    before), in document order, that carry every attribute given.

    Attributes are written as Python names (`data_post_id` for `data-post-id`, `class_` for
    `class`). `class_` matches an element that has all the classes given, among others;
    `True` matches an attribute that is present, whatever its value.
    """
    wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attributes.items()}
    return [
        element for element in _walk(html if isinstance(html, Element) else _parsed(html))
        if tag in (None, element.name) and _has(element, wanted)
    ]


def html_element(html: str | Element, tag: str | None, **attributes) -> Element:
    """The one `<tag>` element of `html` with these attributes; fails if there are none or several."""
    found = html_elements(html, tag, **attributes)
    assert len(found) == 1, f"expected one <{tag}> with {attributes}, found {len(found)}"
    return found[0]


def html_text(element: Element | str) -> str:
    """The text a reader sees in an element, with whitespace collapsed."""
    if isinstance(element, str):
        return element.strip()
    return " ".join(text for text in (html_text(child) for child in element.children) if text)


def html_attributes(element: Element) -> dict[str, str | None]:
    """An element's attributes by name; a boolean attribute such as `hidden` has the value None."""
    return dict(element.attributes)


def html_attribute(element: Element, name: str) -> str | None:
    return html_attributes(element).get(name)


@functools.lru_cache(maxsize=16)
def _parsed(html: str) -> Element:
    # Tests look at one page several ways; parse it once. Nothing changes the parsed tree.
    return parse_html(html)


def _walk(node):
    if isinstance(node, Element):
        if node.name is not None:
            yield node
        for child in node.children:
            yield from _walk(child)


def _has(element: Element, wanted: dict) -> bool:
    present = dict(element.attributes)
    for name, value in wanted.items():
        if name not in present:
            return False
        if value is True:
            continue
        if name == "class":
            if not set(value.split()) <= set((present[name] or "").split()):
                return False
        elif present[name] != value:
            return False
    return True
