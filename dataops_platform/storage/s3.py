"""S3 (or an S3-compatible server such as moto) behind the object-store interface, via boto3.

Credentials are never passed around: boto3 and delta-rs each read the standard AWS variables
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, profiles, instance roles).
Only the endpoint and the region are configuration, and neither is a secret.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as EndpointError
from s3transfer.exceptions import RetriesExceededError

from dataops_platform.storage.keys import check_relative_key, parse_s3_uri
from dataops_platform.storage.objects import ObjectChanged, ObjectInfo, ObjectStore, StoreUnavailable

NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
PRECONDITION = {"412", "PreconditionFailed", "409", "ConditionalRequestConflict"}
# A dead or silent endpoint fails a call within about MAX_ATTEMPTS * (timeout + backoff) seconds,
# not minutes: connection refused in a few seconds, no answer in about a minute.
CONNECT_TIMEOUT = 5  # seconds to open a connection
READ_TIMEOUT = 15  # seconds without a byte on an open connection (not the whole transfer)
MAX_ATTEMPTS = 3  # per call, the first included (standard mode: transient errors, backoff with jitter)
UNANSWERED = (EndpointError, HTTPClientError, RetriesExceededError)  # refused, reset, timed out


@functools.lru_cache(maxsize=16)
def aws_client(service: str, endpoint_url: str | None = None, region: str | None = None):
    """A shared, thread-safe boto3 client; None arguments fall back to boto3's own AWS_* lookup."""
    config = Config(
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        max_pool_connections=16,
    )
    return boto3.session.Session().client(service, endpoint_url=endpoint_url, region_name=region, config=config)


def delta_storage_options(endpoint_url: str | None, region: str | None) -> dict[str, str]:
    """delta-rs options for S3: endpoint, region and retry bounds (credentials come from the environment).

    delta-rs 1.6 commits to S3 with conditional puts (If-None-Match), which AWS S3, MinIO and
    moto support: no DynamoDB lock and no AWS_S3_ALLOW_UNSAFE_RENAME are needed.
    """
    # delta-rs retries a failed request 10 times for up to 3 minutes by default; a dead endpoint
    # fails a write within about a minute instead (requests keep object_store's 30 s timeout).
    options = {"max_retries": str(MAX_ATTEMPTS), "retry_timeout": "60s"}
    if region:
        options["AWS_REGION"] = region
    if endpoint_url:
        options["AWS_ENDPOINT_URL"] = endpoint_url
        if endpoint_url.startswith("http://"):
            options["AWS_ALLOW_HTTP"] = "true"
    return options


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _server_error(error: ClientError) -> bool:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0) >= 500


def _unless_missing(call):
    """The call's response, or None if the object does not exist."""
    try:
        return call()
    except ClientError as error:
        if _code(error) in NOT_FOUND:
            return None
        raise


class S3ObjectStore(ObjectStore):
    """Objects under s3://bucket/prefix/; keys are relative to the prefix."""

    def __init__(self, bucket: str, prefix: str, client):
        self.bucket, self.prefix, self.client = bucket, prefix, client
        self.scope = f"s3://{bucket}"

    @classmethod
    def from_uri(cls, uri: str, client) -> S3ObjectStore:
        return cls(*parse_s3_uri(uri), client)

    def __repr__(self) -> str:
        return f"S3ObjectStore({self.uri()!r})"

    def _key(self, key: str) -> str:
        return self.prefix + check_relative_key(key)

    @contextmanager
    def _answered(self, operation: str, key: str = "") -> Iterator[None]:
        """Turn "the endpoint did not answer" into one clear StoreUnavailable naming what failed."""
        try:
            yield
        except (*UNANSWERED, ClientError) as error:
            if isinstance(error, ClientError) and not _server_error(error):
                raise
            endpoint = self.client.meta.endpoint_url
            raise StoreUnavailable(
                f"S3 endpoint {endpoint} did not answer {operation} {self.uri(key)} (gave up after "
                f"{MAX_ATTEMPTS} attempts): {type(error).__name__}: {error}"
            ) from error

    def uri(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{self.prefix}{key}".rstrip("/")

    def _info(self, key: str, etag: str, size: int, modified) -> ObjectInfo:
        return ObjectInfo(key=key, version=etag.strip('"'), size=size, modified=modified)

    def list_page(self, prefix: str, start_after: str = "", max_keys: int = 1000) -> tuple[list[ObjectInfo], bool]:
        request = {"Bucket": self.bucket, "Prefix": self.prefix + prefix, "MaxKeys": max_keys}
        if start_after:
            request["StartAfter"] = self.prefix + start_after
        with self._answered("ListObjectsV2", prefix):
            response = self.client.list_objects_v2(**request)
        page = [  # "folder" placeholder objects (keys ending in '/') included: they bound the page
            self._info(item["Key"][len(self.prefix) :], item["ETag"], item["Size"], item["LastModified"])
            for item in response.get("Contents", [])
        ]
        return page, bool(response.get("IsTruncated"))

    def head(self, key: str) -> ObjectInfo | None:
        with self._answered("HeadObject", key):
            response = _unless_missing(lambda: self.client.head_object(Bucket=self.bucket, Key=self._key(key)))
        if response is None:
            return None
        return self._info(key, response["ETag"], response["ContentLength"], response["LastModified"])

    def read_bytes(self, key: str) -> bytes | None:
        with self._answered("GetObject", key):
            response = _unless_missing(lambda: self.client.get_object(Bucket=self.bucket, Key=self._key(key)))
            return None if response is None else response["Body"].read()

    @contextmanager
    def open(self, key: str, version: str | None = None):
        request = {"Bucket": self.bucket, "Key": self._key(key)}
        if version is not None:
            request["IfMatch"] = f'"{version}"'
        with self._answered("GetObject", key):
            try:
                body = self.client.get_object(**request)["Body"]
            except ClientError as error:
                if _code(error) in NOT_FOUND | PRECONDITION:
                    raise ObjectChanged(f"{self.uri(key)}: version {version} is no longer current") from None
                raise
            with body:
                yield body  # reading it can fail too (a response cut short)

    def write(self, key: str, data: bytes | BinaryIO, if_absent: bool = False) -> bool:
        if isinstance(data, bytes):
            request = {"Bucket": self.bucket, "Key": self._key(key), "Body": data}
            if if_absent:
                request["IfNoneMatch"] = "*"
            try:
                with self._answered("PutObject", key):
                    self.client.put_object(**request)
            except ClientError as error:
                if if_absent and _code(error) in PRECONDITION:
                    return False
                raise
            return True
        if if_absent:
            raise ValueError("if_absent is only supported for bytes")
        with self._answered("PutObject", key):
            self.client.upload_fileobj(data, self.bucket, self._key(key))  # multipart when large
        return True

    def delete(self, key: str) -> None:
        with self._answered("DeleteObject", key):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def local_path(self, key: str, cache_dir: Path) -> Path:
        """A cached download (atomic, so a cached file is complete; lake objects never change)."""
        target = Path(cache_dir) / self.bucket / self._key(key)
        if target.is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".tmp-{uuid.uuid4().hex}-{target.name}")
        try:
            with self._answered("GetObject", key):
                self.client.download_file(self.bucket, self._key(key), str(tmp))
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
        return target
