"""The reader pages are valid HTML by the Nu HTML checker (vnu), when it is on this machine.

vnu needs Java and its jar (npm's `vnu-jar`, or the release jar); the project does not
download it, so the test runs where VNU_JAR names the jar and is skipped elsewhere.
"""

import json
import os
import shutil
import subprocess

import pytest
from django.urls import reverse

from liveblog import services
from liveblog.demo import demo_load
from liveblog.models import Post
from tests.helpers import png

VNU_JAR = os.environ.get("VNU_JAR", "")
JAVA = shutil.which("java")

pytestmark = pytest.mark.skipif(
    not (VNU_JAR and os.path.exists(VNU_JAR) and JAVA),
    reason="the Nu HTML checker needs java and VNU_JAR=<path to vnu.jar>",
)


def test_reader_pages_have_no_nu_html_checker_errors(client, tmp_path, db):
    event, _ = demo_load()
    editor = event.created_by
    published = Post.objects.filter(event=event, status=Post.Status.PUBLISHED).order_by("-published_at")
    post = published.first()
    services.image_add(post=post, by=editor, image=png("call.png", (800, 450)), alt_text="Leaders on a call")
    services.post_retract(post=published.last(), by=editor, note="Posted in error")
    paths = [
        "/",
        event.get_absolute_url(),
        event.get_absolute_url() + "?filter=key-events",
        reverse("liveblog:post-detail", kwargs={"slug": event.slug, "pk": post.pk}),
        "/speakers/keir-starmer/",
    ]
    pages = []
    for number, path in enumerate(paths):
        response = client.get(path)
        assert response.status_code == 200, path
        page = tmp_path / f"page-{number}.html"
        page.write_bytes(response.content)
        pages.append(str(page))

    checked = subprocess.run(  # noqa: S603 - fixed arguments
        [JAVA, "-jar", VNU_JAR, "--errors-only", "--format", "json", *pages],
        capture_output=True, text=True, timeout=120, check=False,
    )

    messages = json.loads(checked.stderr or '{"messages": []}')["messages"]
    errors = [f"{message.get('url')}: {message['message']}" for message in messages]
    assert errors == []
