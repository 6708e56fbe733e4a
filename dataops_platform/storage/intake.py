"""The files waiting in the intake location (a local folder or an S3 prefix) for a dataset."""

from __future__ import annotations

import datetime as dt
import fnmatch
from pathlib import Path

from dataops_platform.storage.keys import UnsafeKeyError, check_intake_key
from dataops_platform.storage.objects import LocalObjectStore, ObjectInfo, ObjectStore

IntakeFile = ObjectInfo  # a file in the intake location, identified by its key and version


def as_store(location: str | Path | ObjectStore) -> ObjectStore:
    """A store for a local folder given as a path (stores pass through)."""
    return location if isinstance(location, ObjectStore) else LocalObjectStore(location)


def matches(key: str, prefix: str, pattern: str) -> bool:
    """True if `key` is a file under `prefix` (at any depth) whose name matches `pattern`."""
    return key.startswith(prefix) and not key.endswith("/") and fnmatch.fnmatch(key.rsplit("/", 1)[-1], pattern)


def safety_problem(key: str) -> str | None:
    """Why a key cannot be ingested (unsafe as a path), or None."""
    try:
        check_intake_key(key)
    except UnsafeKeyError as exc:
        return str(exc)
    return None


def list_intake_files(
    intake: str | Path | ObjectStore, prefix: str, pattern: str, landing_date: dt.date | None = None
) -> tuple[list[IntakeFile], list[str]]:
    """Files under `prefix` whose name matches `pattern` (optionally landed on one UTC date).

    Lists the whole prefix: for manual runs; sensors use bounded listing (sensors/listing.py).
    Returns (files, rejected) where `rejected` explains keys that were skipped as unsafe.
    """
    files, rejected = [], []
    for info in as_store(intake).iter_objects(prefix):
        if not matches(info.key, prefix, pattern):
            continue
        problem = safety_problem(info.key)
        if problem:
            rejected.append(problem)
        elif landing_date is None or info.landing_date == landing_date:
            files.append(info)
    return files, rejected
