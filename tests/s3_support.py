"""A real S3 API on loopback for the tests: moto's server mode (``ThreadedMotoServer``) on
127.0.0.1 and a free port, started once per session, plus a fresh bucket per test.

``s3_server()`` is the plain way in (a context manager yielding the endpoint URL, the server
stopped after); the fixtures ``s3_endpoint`` (one server per test session) and ``s3_media`` (a
fresh bucket per test) build on it and are registered for every test by tests/conftest.py.
boto3 and moto are imported only when a test asks for them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from album.config import MediaSettings

# moto accepts any credentials; they are given explicitly so no ~/.aws or host role is read.
ACCESS_KEY = "testing"
SECRET_KEY = "testing-secret"
REGION = "us-east-1"


@contextmanager
def s3_server() -> Iterator[str]:
    """Start moto's S3 server on 127.0.0.1 (a free port); yield its endpoint URL; stop it."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request in test output
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str) -> Any:
    """A plain boto3 client on the test server, for arranging and tampering behind the store."""
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY,
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def new_bucket(endpoint: str) -> str:
    name = f"album-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint).create_bucket(Bucket=name)
    return name


def media_settings(endpoint: str, url: str, **overrides: Any) -> MediaSettings:
    return MediaSettings(url=url, endpoint_url=endpoint, region=REGION, access_key_id=ACCESS_KEY,
                         secret_access_key=SECRET_KEY, **overrides)


def album_toml_lines(media: MediaSettings) -> dict[str, str]:
    """What goes into an album.toml for a home on this bucket."""
    return {"media_url": media.url, "s3_endpoint_url": media.endpoint_url, "s3_region": media.region,
            "s3_access_key_id": media.access_key_id, "s3_secret_access_key": media.secret_access_key}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_media(s3_endpoint: str) -> MediaSettings:
    """Settings for a fresh, empty bucket under the prefix ``album``."""
    return media_settings(s3_endpoint, f"s3://{new_bucket(s3_endpoint)}/album")
