"""Fixtures of the catalog's tests that more than one module uses."""

import logging

import pytest

from tests.s3 import new_bucket, start_moto_server


@pytest.fixture(scope="session")
def moto_server():
    """The endpoint URL of moto's S3 server (tests/s3.py), running for the whole session."""
    pytest.importorskip("moto.server", reason="moto[server] is a dev dependency")
    pytest.importorskip("storages", reason="django-storages[s3] is a dev dependency")
    # The server logs every request through werkzeug; a failing test's output needs none.
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.WARNING)
    server, endpoint = start_moto_server()
    try:
        yield endpoint
    finally:
        server.stop()
        werkzeug.setLevel(level)


@pytest.fixture
def bucket(moto_server):
    """A new, empty S3 bucket on moto's server (tests/s3.py's S3Bucket)."""
    return new_bucket(moto_server)
