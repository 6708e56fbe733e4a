"""Immutable bronze files: intake files copied unchanged, each with a metadata JSON.

Layout (the same keys in a local lake and on S3):
bronze/source=<s>/dataset=<d>/ingestion_date=YYYY/MM/DD/<timestamp>_<file> plus
<timestamp>_<file>.metadata.json; the dataset's ingest ledger is _ledger/source=<s>/dataset=<d>/.
A copy commits in three steps: the data file, the ledger entry (which holds the metadata),
then the metadata file, which makes the copy visible to readers. A crash before the ledger
entry leaves an invisible data file and the next attempt copies again; a crash after it is
repaired by the next attempt. So an identity (key + version) is ingested once, whatever the
partition, and an overwritten file (same key, new version) is a new identity.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import mimetypes
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath

from dataops_platform import __version__
from dataops_platform.storage.intake import IntakeFile, as_store
from dataops_platform.storage.keys import safe_file_name
from dataops_platform.storage.layout import bronze_partition_prefix, ledger_prefix
from dataops_platform.storage.ledger import IngestLedger
from dataops_platform.storage.objects import LocalObjectStore, ObjectChanged, ObjectStore

METADATA_SUFFIX = ".metadata.json"
CONTENT_TYPES = {".csv": "text/csv", ".jsonl": "application/x-ndjson", ".json": "application/json"}


@dataclass(frozen=True)
class BronzeFile:
    """A bronze data file and its metadata."""

    key: str  # relative to the lake root
    path: PurePath  # the file itself in a local lake; the key on S3 (see BronzeStore.readable_paths)
    metadata: dict

    @property
    def identity(self) -> tuple[str, str]:
        return self.metadata["source_key"], self.metadata["source_version"]


def _content_type(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


class _Digesting:
    """A read-only stream that hashes and counts what passes through it."""

    def __init__(self, raw):
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        self.sha256.update(chunk)
        self.size += len(chunk)
        return chunk


class BronzeStore:
    """Reads and writes the bronze layer of a lake, copying from an intake location."""

    def __init__(
        self, lake: ObjectStore | str | Path, intake_location: ObjectStore | str | Path, cache_dir: Path | None = None
    ):
        self.lake = as_store(lake)
        self.intake = as_store(intake_location)
        self.cache_dir = Path(cache_dir or Path(tempfile.gettempdir()) / "dataops_cache")
        self._last_stamp = dt.datetime.min.replace(tzinfo=dt.timezone.utc)

    def ledger(self, source: str, dataset: str) -> IngestLedger:
        return IngestLedger(self.lake, ledger_prefix(source, dataset), self.intake.scope)

    def _file(self, key: str, metadata: dict) -> BronzeFile:
        path = self.lake.path(key) if isinstance(self.lake, LocalObjectStore) else PurePosixPath(key)
        return BronzeFile(key, path, metadata)

    def partition_files(self, source: str, dataset: str, ingestion_date: dt.date) -> list[BronzeFile]:
        """Bronze files of one partition that are complete (have their metadata), by name."""
        folder = bronze_partition_prefix(source, dataset, ingestion_date)
        keys = {info.key for info in self.lake.iter_objects(folder)}
        files = []
        for meta_key in sorted(k for k in keys if k.endswith(METADATA_SUFFIX)):
            data_key = meta_key[: -len(METADATA_SUFFIX)]
            body = self.lake.read_bytes(meta_key) if data_key in keys else None
            if body is not None:
                files.append(self._file(data_key, json.loads(body)))
        return files

    def readable_paths(self, files: list[BronzeFile]) -> list[Path]:
        """Local paths Spark can read: the files themselves locally, cached downloads from S3."""
        return [self.lake.local_path(f.key, self.cache_dir) for f in files]

    def _stamp(self, now: dt.datetime | None) -> dt.datetime:
        """A strictly increasing timestamp, so two copies never get the same name."""
        now = now or dt.datetime.now(dt.timezone.utc)
        self._last_stamp = max(now, self._last_stamp + dt.timedelta(microseconds=1))
        return self._last_stamp

    def _make_visible(self, metadata: dict) -> None:
        """Write a copy's metadata file if a crash left it out (ledger entry without it)."""
        key = metadata.get("bronze_key")
        if key and self.lake.head(key + METADATA_SUFFIX) is None and self.lake.head(key) is not None:
            self.lake.write(key + METADATA_SUFFIX, json.dumps(metadata, indent=2, sort_keys=True).encode())

    def recorded(self, intake_file_key: str, version: str, source: str, dataset: str) -> dict | None:
        """The ledger's metadata of an identity already ingested (its copy made visible if a crash
        interrupted it), or None."""
        metadata = self.ledger(source, dataset).find(intake_file_key, version)
        if metadata is not None:
            self._make_visible(metadata)
        return metadata

    def ingest(
        self,
        intake_file: IntakeFile,
        source: str,
        dataset: str,
        ingestion_date: dt.date,
        now: dt.datetime | None = None,
    ) -> BronzeFile | None:
        """Copy one intake file into bronze unless that identity is already there (then None).

        Raises ObjectChanged if the file no longer has that version (overwritten or deleted).
        """
        if self.recorded(intake_file.key, intake_file.version, source, dataset) is not None:
            return None
        now = self._stamp(now)
        folder = bronze_partition_prefix(source, dataset, ingestion_date)
        key = f"{folder}{now:%Y%m%dT%H%M%S%fZ}_{safe_file_name(intake_file.key)}"
        try:
            with self.intake.open(intake_file.key, intake_file.version) as stream:
                copied = _Digesting(stream)
                self.lake.write(key, copied)
        except ObjectChanged:
            self.lake.delete(key)
            raise
        metadata = {
            "dataset": dataset,
            "source": source,
            "source_location": self.intake.uri(),
            "source_key": intake_file.key,
            "source_version": intake_file.version,
            "source_modified": intake_file.modified.isoformat(),
            "size_bytes": copied.size,
            "sha256": copied.sha256.hexdigest(),
            "ingested_at": now.isoformat(),
            "ingestion_date": ingestion_date.isoformat(),
            "content_type": _content_type(intake_file.key),
            "bronze_file": key.rsplit("/", 1)[-1],
            "bronze_key": key,
            "platform_version": __version__,
        }
        ledger = self.ledger(source, dataset)
        if not ledger.record(intake_file.key, intake_file.version, metadata):
            # Recorded already: by a concurrent run (drop this copy), or by this very write whose
            # response was lost and whose retry then found it (keep the copy the entry points to).
            if (ledger.find(intake_file.key, intake_file.version) or {}).get("bronze_key") != key:
                self.lake.delete(key)
                return None
        self.lake.write(key + METADATA_SUFFIX, json.dumps(metadata, indent=2, sort_keys=True).encode())
        return self._file(key, metadata)
