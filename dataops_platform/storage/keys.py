"""Object keys and S3 URIs are untrusted input: validate them before they become paths."""

from __future__ import annotations

import re
import unicodedata

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class UnsafeKeyError(ValueError):
    """An object key that could escape its prefix or is not a usable file name."""


def check_relative_key(key: str) -> str:
    """Return `key` if it is a plain relative key ('a/b.csv'); raise UnsafeKeyError otherwise."""
    if not key or CONTROL.search(key) or "\\" in key:
        raise UnsafeKeyError(f"rejected object key {key!r}: empty, control character (NUL, newline...) or backslash")
    if key.startswith("/") or re.match(r"^[A-Za-z]:", key):
        raise UnsafeKeyError(f"rejected object key {key!r}: absolute paths are not allowed")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise UnsafeKeyError(f"rejected object key {key!r}: '.', '..' and empty segments are not allowed")
    return key


def safe_file_name(key: str, max_length: int = 150) -> str:
    """A file name derived from the key's last segment with only [A-Za-z0-9._-]."""
    base = unicodedata.normalize("NFKD", key.rsplit("/", 1)[-1]).encode("ascii", "ignore").decode()
    name = SAFE_NAME.sub("_", base).strip("._") or "file"
    return name[-max_length:]


def is_s3_uri(uri: str) -> bool:
    return uri.startswith("s3://")


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """('bucket', 'prefix/') of s3://bucket/prefix; ValueError with the reason otherwise."""
    if not is_s3_uri(uri):
        raise ValueError(f"{uri!r} is not an s3:// URI")
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    if not BUCKET_NAME.match(bucket):
        raise ValueError(f"{uri!r}: {bucket!r} is not a valid S3 bucket name")
    prefix = prefix.strip("/")
    if prefix:
        check_relative_key(prefix)
    return bucket, f"{prefix}/" if prefix else ""
