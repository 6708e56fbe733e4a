"""One object-store interface over a local folder and an S3 prefix.

Keys are relative to the store's root, '/'-separated, and checked by `check_relative_key`
before they touch a path or a bucket. Both stores list in S3's order (UTF-8 byte order of
the whole key), one bounded page at a time, so listing code is the same for both.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dataops_platform.storage.keys import check_relative_key

TEMP_PREFIX = ".tmp-"  # in-progress atomic writes of a local store; never listed
CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class ObjectInfo:
    """An object and the version that identifies its content (ETag on S3, size+mtime locally)."""

    key: str
    version: str
    size: int
    modified: dt.datetime  # UTC; informational only (S3 stamps multipart uploads with their start)

    @property
    def landing_date(self) -> dt.date:
        return self.modified.date()


class ObjectChanged(Exception):
    """The object no longer has the requested version (overwritten or deleted meanwhile)."""


class StoreUnavailable(OSError):
    """The store did not answer (endpoint down, timed out, connection dropped): nothing about
    one object, so a run stops instead of trying every other file against a dead endpoint."""


class ObjectStore(ABC):
    """A folder of objects: list in key order, read, write atomically."""

    scope: str  # what, with key and version, identifies a file ('file' or 's3://bucket')

    @abstractmethod
    def uri(self, key: str = "") -> str:
        """Absolute location of a key (a path, or s3://bucket/prefix/key)."""

    @abstractmethod
    def list_page(self, prefix: str, start_after: str = "", max_keys: int = 1000) -> tuple[list[ObjectInfo], bool]:
        """Objects whose key starts with `prefix` and sorts after `start_after`, in key order,
        at most `max_keys`; the flag says whether more follow."""

    @abstractmethod
    def head(self, key: str) -> ObjectInfo | None:
        """The object's current version, or None if it does not exist."""

    @abstractmethod
    def read_bytes(self, key: str) -> bytes | None:
        """The content of a small object, or None if it does not exist."""

    @abstractmethod
    def open(self, key: str, version: str | None = None):
        """Context manager yielding a binary stream; ObjectChanged if `version` is no longer current."""

    @abstractmethod
    def write(self, key: str, data: bytes | BinaryIO, if_absent: bool = False) -> bool:
        """Write a whole object atomically; with `if_absent`, False (nothing written) if it exists."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove an object (no error if it does not exist)."""

    @abstractmethod
    def local_path(self, key: str, cache_dir: Path) -> Path:
        """A local file with the object's content (the file itself, or a cached download)."""

    def iter_objects(self, prefix: str, page_size: int = 1000) -> Iterator[ObjectInfo]:
        """Every object under `prefix`, page by page (for bounded work, use `list_page`)."""
        after, more = "", True
        while more:
            page, more = self.list_page(prefix, after, page_size)
            yield from page
            if page:
                after = page[-1].key


def _sorted_entries(folder: Path) -> list[tuple[str, os.DirEntry]]:
    """Entries of a folder sorted as S3 sorts keys: a sub-folder 'x' as the key prefix 'x/'."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    named = []
    for entry in entries:
        if entry.is_symlink() or entry.name.startswith(TEMP_PREFIX):
            continue
        named.append((entry.name + "/" if entry.is_dir() else entry.name, entry))
    return sorted(named, key=lambda item: item[0])


class LocalObjectStore(ObjectStore):
    """Objects are the files under a local folder (symlinks are ignored)."""

    scope = "file"

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"LocalObjectStore({str(self.root)!r})"

    def path(self, key: str) -> Path:
        return self.root / check_relative_key(key)

    def uri(self, key: str = "") -> str:
        return str(self.root / key) if key else str(self.root)

    def _info(self, key: str, stat: os.stat_result) -> ObjectInfo:
        modified = dt.datetime.fromtimestamp(stat.st_mtime_ns / 1e9, tz=dt.timezone.utc)
        version = f"{stat.st_size}-{stat.st_mtime_ns // 1000}"
        return ObjectInfo(key=key, version=version, size=stat.st_size, modified=modified)

    def _walk(self, folder: Path, base: str, prefix: str, start_after: str) -> Iterator[ObjectInfo]:
        for name, entry in _sorted_entries(folder):
            key = base + name
            if not (key.startswith(prefix) or prefix.startswith(key)):
                continue
            if name.endswith("/"):
                # every key below starts with `key`: skip the folder if all of them sort before start_after
                if key >= start_after or start_after.startswith(key):
                    yield from self._walk(Path(entry.path), key, prefix, start_after)
            elif key > start_after and key.startswith(prefix):
                yield self._info(key, entry.stat())

    def list_page(self, prefix: str, start_after: str = "", max_keys: int = 1000) -> tuple[list[ObjectInfo], bool]:
        base = prefix[: prefix.rfind("/") + 1]
        folder = self.path(base.rstrip("/")) if base else self.root
        page = []
        for info in self._walk(folder, base, prefix, start_after):
            if len(page) == max_keys:
                return page, True
            page.append(info)
        return page, False

    def head(self, key: str) -> ObjectInfo | None:
        path = self.path(key)
        return self._info(key, path.stat()) if path.is_file() and not path.is_symlink() else None

    def read_bytes(self, key: str) -> bytes | None:
        path = self.path(key)
        return path.read_bytes() if path.is_file() else None

    @contextmanager
    def open(self, key: str, version: str | None = None):
        path = self.path(key)
        current = self.head(key)
        if current is None or (version is not None and current.version != version):
            raise ObjectChanged(f"{self.uri(key)}: version {version} is no longer current")
        with open(path, "rb") as handle:
            yield handle
        if version is not None and self.head(key) != current:
            raise ObjectChanged(f"{self.uri(key)}: changed while it was read")

    def write(self, key: str, data: bytes | BinaryIO, if_absent: bool = False) -> bool:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex}-{target.name}")
        try:
            with open(tmp, "wb") as handle:
                if isinstance(data, bytes):
                    handle.write(data)
                else:
                    shutil.copyfileobj(data, handle, CHUNK)
                handle.flush()
                os.fsync(handle.fileno())
            if not if_absent:
                os.replace(tmp, target)
                return True
            try:
                os.link(tmp, target)  # atomic create-if-absent
            except FileExistsError:
                return False
            return True
        finally:
            tmp.unlink(missing_ok=True)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def local_path(self, key: str, cache_dir: Path) -> Path:
        return self.path(key)
