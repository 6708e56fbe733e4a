"""Object keys are untrusted input: validate them before they become paths."""

from __future__ import annotations

import re
import unicodedata

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class UnsafeKeyError(ValueError):
    """An object key that could escape its prefix or is not a usable file name."""


def check_relative_key(key: str) -> str:
    """Return `key` if it is a plain relative key ('a/b.csv'); raise UnsafeKeyError otherwise."""
    if not key or "\x00" in key or "\\" in key:
        raise UnsafeKeyError(f"rejected object key {key!r}: empty, NUL or backslash")
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
