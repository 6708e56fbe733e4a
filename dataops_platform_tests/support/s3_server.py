"""A moto S3/SQS server on loopback, started once per test session (fixtures imported by conftest).

Tests reach it over HTTP through the production code paths (boto3, delta-rs), configured by
endpoint URL like any S3-compatible server. Only `seed_objects` writes into the server's
in-process backend directly, to create thousands of objects in seconds.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from contextlib import contextmanager
from types import SimpleNamespace

import pytest

REGION = "us-east-1"
SECRET = "moto-secret-key-that-must-never-be-shown"  # AWS_SECRET_ACCESS_KEY during the tests


@contextmanager
def moto_server():
    """Start a ThreadedMotoServer on a free loopback port, with test credentials in the
    environment; yields its http://127.0.0.1:<port> endpoint."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            env.delenv(name, raising=False)
        env.setenv("AWS_ACCESS_KEY_ID", "moto-test-key")
        env.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
        env.setenv("AWS_REGION", REGION)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture(scope="session")
def moto_endpoint():
    """The session's moto server (see `moto_server`)."""
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3(moto_endpoint):
    """Fresh intake and lake buckets for one test, and the boto3 clients the platform uses."""
    from dataops_platform.storage.s3 import aws_client

    suffix = uuid.uuid4().hex[:10]
    client = aws_client("s3", moto_endpoint, REGION)
    intake_bucket, lake_bucket = f"intake-{suffix}", f"lake-{suffix}"
    for bucket in (intake_bucket, lake_bucket):
        client.create_bucket(Bucket=bucket)
    return SimpleNamespace(
        endpoint=moto_endpoint,
        client=client,
        sqs=aws_client("sqs", moto_endpoint, REGION),
        intake_bucket=intake_bucket,
        lake_bucket=lake_bucket,
        intake_root=f"s3://{intake_bucket}/landing",
        lake_root=f"s3://{lake_bucket}/lake",
    )


def seed_objects(bucket: str, keys: list[str], body: bytes = b"x") -> None:
    """Create many objects at once in the in-process moto backend (no notifications)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    backend = s3_backends[DEFAULT_ACCOUNT_ID]["global"]
    for key in keys:
        backend.put_object(bucket, key, body, disable_notification=True)


def backdate(bucket: str, key: str, when) -> None:
    """Give an object an older LastModified, as S3 does for a multipart upload (its start time);
    moto stamps multipart objects with their completion time."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    s3_backends[DEFAULT_ACCOUNT_ID]["global"].get_object(bucket, key).last_modified = when


@contextmanager
def counting_calls(client):
    """Count the API calls `client` makes, by operation name (a botocore event hook)."""
    calls: Counter = Counter()

    def count(model, **_):
        calls[model.name] += 1

    client.meta.events.register("before-call.*.*", count)
    try:
        yield calls
    finally:
        client.meta.events.unregister("before-call.*.*", count)
