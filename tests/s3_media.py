"""Media in S3-compatible object storage for tests: a real S3 endpoint on loopback
(``moto_server``), and the whole suite run against it with ``NEWSROOM_TEST_MEDIA=s3``.

- :class:`MotoServer`: moto's S3 over HTTP on a free port of 127.0.0.1, a bucket in it.
- :func:`s3_storage`: the ``STORAGES["default"]`` settings.py makes from
  ``AWS_STORAGE_BUCKET_NAME`` and friends, for a test's settings.
- As a pytest plugin (``pytest_plugins = ["tests.s3_media"]`` in tests/conftest.py,
  or ``-p tests.s3_media``): with ``NEWSROOM_TEST_MEDIA=s3`` every test stores media in
  a folder of its own of one bucket on a moto_server each test process starts, and
  the app servers tests start (``tests.servers.AppServer``) get the same through
  their environment. Tests about the local media folder itself (a full disk, partial
  files, file ages set on disk) are skipped: :data:`LOCAL_FOLDER_ONLY` says why.
"""

import json
import os
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
BUCKET = "newsroom-test-media"
#: Credentials moto accepts (any would do); never real ones.
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
REGION = "us-east-1"

#: Tests about the local media folder itself (node id prefixes), and why each cannot
#: run against a bucket; tests/test_media_s3.py covers the same ground in S3.
LOCAL_FOLDER_ONLY = {
    "tests/test_images.py::test_jpeg_is_stored_under_a_generated_name": "lists MEDIA_ROOT",
    "tests/test_prune_media.py::test_images_of_revisions": "ages files on disk (os.utime)",
    "tests/test_prune_media.py::test_an_image_no_revision": "ages files on disk (os.utime)",
    "tests/test_prune_media.py::test_recent_files_are_left_alone": "ages files on disk",
    "tests/test_prune_media.py::test_author_photos_are_kept": "ages files on disk (os.utime)",
    "tests/test_nothing_lost.py::test_a_full_media_disk": "fills a tmpfs mounted as MEDIA_ROOT",
    "tests/test_nothing_lost.py::test_media_is_stored_by_the_storage": "names the folder's class",
    "tests/test_nothing_lost.py::test_a_worker_killed_mid_save": "lists the media folder",
    # Images on the site's own /media/ (absolute on NEWSROOM_BASE_URL), not a media host.
    "tests/test_seo.py::test_news_article_image_is_absolute": "expects the site's /media/",
    "tests/test_seo.py::test_share_image": "expects images under the site's /media/",
    "tests/test_seo.py::test_story_page_has_opengraph_article_tags": "expects the site's /media/",
}


def storage_backend() -> str:
    """The S3 storage settings.py names; django-storages' own until the project's exists."""
    # Imported here: as a plugin this module loads before Django is set up.
    from articles import storage

    if hasattr(storage, "S3MediaStorage"):
        return "articles.storage.S3MediaStorage"
    return "storages.backends.s3.S3Storage"


@dataclass
class MotoServer:
    """moto's S3 on loopback, with one bucket readers may read (as a CDN would)."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "MotoServer":
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, timeout=30)
        client = self.client()
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_policy(
            Bucket=BUCKET,
            Policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": "s3:GetObject",
                            "Resource": f"arn:aws:s3:::{BUCKET}/*",
                        }
                    ],
                }
            ),
        )
        return self

    def client(self):
        return boto3.client("s3", endpoint_url=self.url, region_name=REGION, **KEYS)

    def keys(self, prefix: str = "") -> set[str]:
        pages = (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        )
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def media_host(server: MotoServer) -> str:
    """The media host of tests: the bucket's own address (the stack puts nginx there)."""
    return f"{server.url}/{BUCKET}/"


def s3_storage(server: MotoServer, location: str) -> dict:
    """``STORAGES["default"]`` as settings.py makes it for this bucket and folder."""
    host = media_host(server).removeprefix("http://").rstrip("/")
    return {
        "BACKEND": storage_backend(),
        "OPTIONS": {
            "bucket_name": BUCKET,
            "endpoint_url": server.url,
            "region_name": REGION,
            "access_key": KEYS["aws_access_key_id"],
            "secret_key": KEYS["aws_secret_access_key"],
            "addressing_style": "path",
            "location": location,
            "custom_domain": host,
            "url_protocol": "http:",
            "querystring_auth": False,
            "file_overwrite": False,
            "default_acl": None,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }


def s3_environment(server: MotoServer, location: str) -> dict[str, str]:
    """The environment that makes settings.py store media there (for app servers)."""
    return {
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": server.url,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_S3_ADDRESSING_STYLE": "path",
        "AWS_ACCESS_KEY_ID": KEYS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": KEYS["aws_secret_access_key"],
        "AWS_LOCATION": location,
        "MEDIA_URL": media_host(server),
    }


def use_s3(settings, monkeypatch, server: MotoServer) -> str:
    """Store this test's media in a folder of its own of the bucket; return the folder."""
    location = f"t-{uuid.uuid4().hex[:12]}"
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(server, location)}
    settings.MEDIA_URL = media_host(server)
    origin = server.url
    settings.SECURE_CSP = {
        **settings.SECURE_CSP,
        "img-src": [*settings.SECURE_CSP["img-src"], origin],
    }
    for name, value in s3_environment(server, location).items():
        monkeypatch.setenv(name, value)
    return location


# --- the plugin: the whole suite with media in S3 -------------------------------------------


def s3_mode() -> bool:
    return os.environ.get("NEWSROOM_TEST_MEDIA", "") == "s3"


def pytest_collection_modifyitems(config, items):
    if not s3_mode():
        return
    for item in items:
        for prefix, why in LOCAL_FOLDER_ONLY.items():
            if item.nodeid.startswith(prefix):
                item.add_marker(pytest.mark.skip(reason=f"local media folder only: {why}"))


@pytest.fixture(scope="session")
def moto_server():
    with MotoServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _s3_media(request):
    """With NEWSROOM_TEST_MEDIA=s3, this test's media goes to the bucket."""
    if not s3_mode():
        return
    server = request.getfixturevalue("moto_server")
    settings = request.getfixturevalue("settings")
    monkeypatch = request.getfixturevalue("monkeypatch")
    use_s3(settings, monkeypatch, server)
