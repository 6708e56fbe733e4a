"""Bronze step: copy intake files of a dataset into bronze, once per file identity."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.storage.bronze import BronzeFile, BronzeStore
from dataops_platform.storage.intake import IntakeFile, list_intake_files, matches, safety_problem
from dataops_platform.storage.objects import ObjectChanged, ObjectStore, StoreUnavailable


@dataclass
class BronzeOutcome:
    ingested: list[BronzeFile] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)  # intake keys skipped as already ingested
    rejected: list[str] = field(default_factory=list)  # unsafe or foreign keys, with the reason
    superseded: list[str] = field(default_factory=list)  # requested versions overwritten or deleted meanwhile
    failed: list[str] = field(default_factory=list)  # files that could not be read or written, with the error

    @property
    def bytes_ingested(self) -> int:
        return sum(f.metadata["size_bytes"] for f in self.ingested)

    def add(self, other: BronzeOutcome) -> BronzeOutcome:
        for name in ("ingested", "already_present", "rejected", "superseded", "failed"):
            getattr(self, name).extend(getattr(other, name))
        return self


def _copy(store: BronzeStore, declaration: DatasetDeclaration, day: dt.date, file: IntakeFile, outcome: BronzeOutcome):
    try:
        copied = store.ingest(file, declaration.source, declaration.name, day)
    except ObjectChanged:
        outcome.superseded.append(file.key)
        return
    except StoreUnavailable:
        raise  # not this file's fault: every other file would wait for the same dead endpoint
    except Exception as exc:  # noqa: BLE001 - one file that cannot be copied must not block the others
        outcome.failed.append(f"{file.key}: {type(exc).__name__}: {exc}")
        return
    if copied is None:
        outcome.already_present.append(file.key)
    else:
        outcome.ingested.append(copied)


def ingest_day(
    store: BronzeStore,
    intake: ObjectStore | str | Path,
    declaration: DatasetDeclaration,
    ingestion_date: dt.date,
    files: list[IntakeFile] | None = None,
) -> BronzeOutcome:
    """Ingest the given intake files (default: those that landed on `ingestion_date`)."""
    outcome = BronzeOutcome()
    if files is None:
        files, outcome.rejected = list_intake_files(
            intake, declaration.intake.prefix, declaration.intake.pattern, landing_date=ingestion_date
        )
    with _stops_cleanly(outcome, len(files)):
        for intake_file in files:
            _copy(store, declaration, ingestion_date, intake_file, outcome)
    return outcome


def ingest_requested(
    store: BronzeStore, declaration: DatasetDeclaration, ingestion_date: dt.date, requested: list[tuple[str, str]]
) -> BronzeOutcome:
    """Ingest exactly the requested (key, version) identities, e.g. those a sensor found.

    A version that is no longer current is `superseded` (its successor is a new identity,
    requested on its own); keys outside the dataset's prefix and pattern are rejected.
    """
    outcome = BronzeOutcome()
    with _stops_cleanly(outcome, len(requested)):
        for key, version in requested:
            _copy_requested(store, declaration, ingestion_date, key, version, outcome)
    return outcome


def _copy_requested(
    store: BronzeStore, declaration: DatasetDeclaration, day: dt.date, key: str, version: str, outcome: BronzeOutcome
) -> None:
    problem = safety_problem(key)
    if problem is None and not matches(key, declaration.intake.prefix, declaration.intake.pattern):
        problem = f"rejected object key {key!r}: not under {declaration.intake.prefix}{declaration.intake.pattern}"
    if problem:
        outcome.rejected.append(problem)
        return
    if store.recorded(key, version, declaration.source, declaration.name) is not None:  # repairs a cut copy
        outcome.already_present.append(key)
        return
    current = store.intake.head(key)
    if current is None or current.version != version:
        outcome.superseded.append(key)
        return
    _copy(store, declaration, day, current, outcome)


@contextmanager
def _stops_cleanly(outcome: BronzeOutcome, total: int) -> Iterator[None]:
    """A dead endpoint stops the run at once, saying what was done and that a retry is safe."""
    try:
        yield
    except StoreUnavailable as exc:
        done = len(outcome.ingested) + len(outcome.already_present) + len(outcome.superseded) + len(outcome.failed)
        raise StoreUnavailable(
            f"bronze ingest stopped after {done} of {total} file(s) ({len(outcome.ingested)} copied and recorded): "
            f"{exc}. Retrying the run is safe: files already in bronze are skipped, a cut copy is repaired."
        ) from exc
