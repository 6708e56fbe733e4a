"""Object keys and S3 URIs are untrusted input: validate them before they become paths."""

from __future__ import annotations

import re
import unicodedata

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# control (C0, DEL, C1), format (bidi overrides, zero-width), undecodable bytes, line separators
UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}
MAX_KEY_BYTES = 1024  # S3's limit
MAX_INTAKE_SEGMENT_BYTES = 200  # room for the ledger's suffix within a file system's 255-byte names


class UnsafeKeyError(ValueError):
    """An object key that could escape its prefix or is not a usable file name."""


def _unsafe_character(key: str) -> str | None:
    """The first control or invisible character of `key`, described; None if there is none."""
    if key.isascii():  # the common case, at regex speed
        found = CONTROL.search(key)
        bad = found.group() if found else None
    else:
        bad = next((c for c in key if unicodedata.category(c) in UNSAFE_CATEGORIES), None)
    if bad is None:
        return None
    if unicodedata.category(bad) == "Cs":
        return "bytes that are not UTF-8"
    return f"control or invisible character U+{ord(bad):04X} {unicodedata.name(bad, '')}".rstrip()


def check_relative_key(key: str) -> str:
    """Return `key` if it is a plain relative key ('a/b.csv'); raise UnsafeKeyError otherwise."""
    problem = "empty" if not key else "backslashes are not allowed" if "\\" in key else _unsafe_character(key)
    if problem:
        raise UnsafeKeyError(f"rejected object key {key!r}: {problem}")
    if key.startswith("/") or re.match(r"^[A-Za-z]:", key):
        raise UnsafeKeyError(f"rejected object key {key!r}: absolute paths are not allowed")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise UnsafeKeyError(f"rejected object key {key!r}: '.', '..' and empty segments are not allowed")
    return key


def check_intake_key(key: str) -> str:
    """`check_relative_key`, plus lengths every store and the ingest ledger can hold."""
    check_relative_key(key)
    if len(key.encode()) > MAX_KEY_BYTES:
        raise UnsafeKeyError(f"rejected object key {key[:80] + '...'!r}: longer than {MAX_KEY_BYTES} bytes")
    if any(len(part.encode()) > MAX_INTAKE_SEGMENT_BYTES for part in key.split("/")):
        raise UnsafeKeyError(
            f"rejected object key {key[:80] + '...'!r}: a name longer than {MAX_INTAKE_SEGMENT_BYTES} bytes (UTF-8)"
        )
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
