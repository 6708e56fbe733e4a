"""A loopback S3 (moto's ThreadedMotoServer on 127.0.0.1) with request counting and fast seeding.

The server runs in this process, so large prefixes are seeded straight into moto's backend
(about 15,000 objects/s instead of a few hundred put_object calls/s over HTTP); every listing
and every new object of a measured tick still goes through real HTTP requests. Credentials
are moto's dummy ones, set for this process only.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

REGION = "us-east-1"
TINY_BODY = b"x"


class RequestCounter:
    """Counts the HTTP requests a boto3 client sends (botocore `before-send`, retries included)."""

    def __init__(self, client):
        self.by_operation: Counter = Counter()
        client.meta.events.register("before-send.s3", self._sent)

    def _sent(self, event_name: str, **_) -> None:
        self.by_operation[event_name.rsplit(".", 1)[-1]] += 1

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())

    def reset(self) -> None:
        self.by_operation.clear()


class LoopbackS3:
    """moto in server mode on 127.0.0.1 (a free port)."""

    def __init__(self):
        from moto.server import ThreadedMotoServer

        for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
            os.environ.setdefault(name, value)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request otherwise
        self.server = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, region_name=REGION, config=Config(max_pool_connections=32)
        )

    @staticmethod
    def _backend():
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.s3.models import s3_backends

        return s3_backends[DEFAULT_ACCOUNT_ID]["aws"]

    def seed(self, bucket: str, keys: list[str], body: bytes = TINY_BODY) -> None:
        """Objects written straight into the server's backend (setup only, never measured)."""
        backend = self._backend()
        for key in keys:
            backend.put_object(bucket, key, body)

    def put_over_http(self, client, bucket: str, keys: list[str], threads: int = 16) -> None:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda key: client.put_object(Bucket=bucket, Key=key, Body=TINY_BODY), keys))

    def reset(self) -> None:
        """Forget every bucket (frees the memory of large prefixes)."""
        self._backend().reset()

    def stop(self) -> None:
        self.server.stop()
