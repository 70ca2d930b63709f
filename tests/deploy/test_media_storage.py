"""Pictures go through Django's storage API: the filesystem by default, S3-compatible object
storage (django-storages) when MEDIA_STORAGE=s3, for several hosts that must see the same files."""

import os
import subprocess
import sys

from tests.faults.harness import PROJECT

SHOW_STORAGE = "import django; django.setup(); from django.conf import settings; print(settings.STORAGES['default'])"


def settings_with(**variables) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **variables}
    return subprocess.run([sys.executable, "-c", SHOW_STORAGE], cwd=PROJECT, env=env,  # noqa: S603
                          capture_output=True, text=True, timeout=60, check=False)


def test_pictures_are_kept_on_the_filesystem_by_default():
    shown = settings_with(MEDIA_STORAGE="")
    assert shown.returncode == 0, shown.stderr
    assert "django.core.files.storage.FileSystemStorage" in shown.stdout


def test_media_storage_s3_keeps_pictures_in_the_bucket_with_plain_cacheable_urls():
    shown = settings_with(MEDIA_STORAGE="s3", MEDIA_S3_BUCKET="newsroom-pictures",
                          MEDIA_S3_ENDPOINT_URL="https://objects.example")
    assert shown.returncode == 0, shown.stderr
    assert "storages.backends.s3.S3Storage" in shown.stdout
    assert "'bucket_name': 'newsroom-pictures'" in shown.stdout
    assert "'endpoint_url': 'https://objects.example'" in shown.stdout
    assert "'querystring_auth': False" in shown.stdout and "'file_overwrite': False" in shown.stdout


def test_an_unknown_media_storage_stops_the_start_with_a_clear_message():
    shown = settings_with(MEDIA_STORAGE="ftp")
    assert shown.returncode != 0
    assert "MEDIA_STORAGE is 'ftp'; use 'filesystem' or 's3'." in shown.stderr
