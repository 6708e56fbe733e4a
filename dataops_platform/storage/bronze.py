"""Immutable bronze files: intake files copied unchanged, each with a metadata JSON.

Layout: bronze/source=<s>/dataset=<d>/ingestion_date=YYYY/MM/DD/<timestamp>_<file>
plus <timestamp>_<file>.metadata.json. A data file counts as ingested only once its
metadata exists (written last, atomically), so a crash mid-copy never yields a half file
that later stages would read. A file identity (key + version) is ingested at most once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import mimetypes
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from dataops_platform import __version__
from dataops_platform.storage.intake import IntakeFile
from dataops_platform.storage.keys import safe_file_name
from dataops_platform.storage.layout import LakeLayout

METADATA_SUFFIX = ".metadata.json"
CONTENT_TYPES = {".csv": "text/csv", ".jsonl": "application/x-ndjson", ".json": "application/json"}
CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class BronzeFile:
    """A bronze data file and its metadata."""

    path: Path
    metadata: dict

    @property
    def identity(self) -> tuple[str, str]:
        return self.metadata["source_key"], self.metadata["source_version"]


def _content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _write_atomically(target: Path, write) -> None:
    tmp = target.with_name(f".tmp-{uuid.uuid4().hex}-{target.name}")
    try:
        with open(tmp, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


class BronzeStore:
    """Reads and writes the bronze layer of a local lake."""

    def __init__(self, layout: LakeLayout, intake_location: str):
        self.layout = layout
        self.intake_location = intake_location

    def partition_files(self, source: str, dataset: str, ingestion_date: dt.date) -> list[BronzeFile]:
        """Bronze files of one partition that are complete (have their metadata), by name."""
        folder = self.layout.bronze_dir(source, dataset, ingestion_date)
        if not folder.is_dir():
            return []
        files = []
        for meta_path in sorted(folder.glob(f"*{METADATA_SUFFIX}")):
            data_path = meta_path.with_name(meta_path.name[: -len(METADATA_SUFFIX)])
            if data_path.is_file():
                files.append(BronzeFile(data_path, json.loads(meta_path.read_text(encoding="utf-8"))))
        return files

    def readable_paths(self, files: list[BronzeFile]) -> list[Path]:
        """Local paths Spark can read for these bronze files (the files themselves, locally)."""
        return [f.path for f in files]

    def ingest(
        self, intake_file: IntakeFile, source: str, dataset: str, ingestion_date: dt.date, now: dt.datetime | None = None
    ) -> BronzeFile | None:
        """Copy one intake file into bronze unless that identity is already there (then None)."""
        existing = {f.identity for f in self.partition_files(source, dataset, ingestion_date)}
        if (intake_file.key, intake_file.version) in existing:
            return None
        now = now or dt.datetime.now(dt.timezone.utc)
        folder = self.layout.bronze_dir(source, dataset, ingestion_date)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{now:%Y%m%dT%H%M%S%fZ}_{safe_file_name(intake_file.key)}"
        if target.exists():
            raise FileExistsError(f"bronze file {target} already exists; bronze files are never overwritten")
        digest = hashlib.sha256()
        size = 0

        def copy(handle) -> None:
            nonlocal size
            with open(intake_file.path, "rb") as source_handle:
                while chunk := source_handle.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)

        _write_atomically(target, copy)
        metadata = {
            "dataset": dataset,
            "source": source,
            "source_location": self.intake_location,
            "source_key": intake_file.key,
            "source_version": intake_file.version,
            "source_modified": intake_file.modified.isoformat(),
            "size_bytes": size,
            "sha256": digest.hexdigest(),
            "ingested_at": now.isoformat(),
            "ingestion_date": ingestion_date.isoformat(),
            "content_type": _content_type(intake_file.key),
            "bronze_file": target.name,
            "platform_version": __version__,
        }
        body = json.dumps(metadata, indent=2, sort_keys=True).encode("utf-8")
        _write_atomically(target.with_name(target.name + METADATA_SUFFIX), lambda h: h.write(body))
        return BronzeFile(target, metadata)

