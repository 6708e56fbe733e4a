"""List the files waiting in the intake location for a dataset."""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path

from dataops_platform.storage.keys import UnsafeKeyError, check_relative_key


@dataclass(frozen=True)
class IntakeFile:
    """A file in the intake location, identified by its key and version."""

    key: str  # relative to the intake root, '/'-separated
    path: Path
    size: int
    modified: dt.datetime  # UTC

    @property
    def version(self) -> str:
        """Changes whenever the content may have changed (an overwrite is a new version)."""
        return f"{self.size}-{int(self.modified.timestamp() * 1_000_000)}"

    @property
    def landing_date(self) -> dt.date:
        return self.modified.date()


def list_intake_files(
    intake_root: str | Path, prefix: str, pattern: str, landing_date: dt.date | None = None
) -> tuple[list[IntakeFile], list[str]]:
    """Files under `prefix` whose name matches `pattern` (optionally landed on one date).

    Returns (files, rejected) where `rejected` explains keys that were skipped as unsafe.
    """
    root = Path(intake_root)
    folder = root / prefix
    files, rejected = [], []
    if not folder.is_dir():
        return files, rejected
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            if not fnmatch.fnmatch(filename, pattern) or path.is_symlink():
                continue
            key = path.relative_to(root).as_posix()
            try:
                check_relative_key(key)
            except UnsafeKeyError as exc:
                rejected.append(str(exc))
                continue
            stat = path.stat()
            modified = dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.timezone.utc)
            if landing_date is None or modified.date() == landing_date:
                files.append(IntakeFile(key=key, path=path, size=stat.st_size, modified=modified))
    return files, rejected
