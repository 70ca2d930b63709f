"""Hostile journalist HTML never reaches a reader as markup."""

import pytest

from liveblog.sanitize import html_to_text, sanitize_html
from tests.helpers import assert_in_html


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>Hello<script>alert('x')</script></p>", "<p>Hello</p>"),
        ('<img src="x.png" onerror="alert(1)" alt="Leaders">', '<img src="x.png" alt="Leaders">'),
        ('<a href="javascript:alert(1)">click</a>', '<a rel="noopener noreferrer nofollow">click</a>'),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        ('<p style="position:fixed">Text</p>', "<p>Text</p>"),
        ("<iframe src='https://evil.example'></iframe><p>After</p>", "<p>After</p>"),
        ("<p><strong>Unclosed <em>tags", "<p><strong>Unclosed <em>tags</em></strong></p>"),
        ("<svg><g onload=alert(1)></g></svg>Text", "Text"),
        ("<!-- secret note --><p>Public</p>", "<p>Public</p>"),
        ("<style>body{display:none}</style><p>Shown</p>", "<p>Shown</p>"),
    ],
)
def test_hostile_markup_is_removed(source, expected):
    assert sanitize_html(source) == expected


def test_newsroom_formatting_survives():
    source = (
        '<p>Leaders <strong>met</strong> <em>online</em>.</p><ul><li>One</li></ul>'
        '<blockquote><p>Quoted</p></blockquote><a href="https://example.org/report">report</a>'
    )
    cleaned = sanitize_html(source)
    for fragment in ("<strong>met</strong>", "<em>online</em>", "<ul><li>One</li></ul>", "<blockquote><p>Quoted</p></blockquote>"):
        assert_in_html(fragment, cleaned)
    assert_in_html('<a href="https://example.org/report" rel="noopener noreferrer nofollow">report</a>', cleaned)


def test_plain_text_keeps_paragraphs_and_decodes_entities():
    assert html_to_text("<p>Peace &amp; security</p><p>Second   line</p>") == "Peace & security\nSecond line"


def test_plain_text_drops_script_content():
    assert html_to_text("<p>Safe</p><script>var x = 1;</script>") == "Safe"
