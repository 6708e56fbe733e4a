"""Bronze step: copy a day's intake files of a dataset into bronze, once per file version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.storage.bronze import BronzeFile, BronzeStore
from dataops_platform.storage.intake import IntakeFile, list_intake_files


@dataclass
class BronzeOutcome:
    ingested: list[BronzeFile] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)  # intake keys skipped as already ingested
    rejected: list[str] = field(default_factory=list)  # unsafe keys, with the reason

    @property
    def bytes_ingested(self) -> int:
        return sum(f.metadata["size_bytes"] for f in self.ingested)


def ingest_day(
    store: BronzeStore,
    intake_root: str,
    declaration: DatasetDeclaration,
    ingestion_date: dt.date,
    files: list[IntakeFile] | None = None,
) -> BronzeOutcome:
    """Ingest the given intake files (default: those that landed on `ingestion_date`)."""
    outcome = BronzeOutcome()
    if files is None:
        files, outcome.rejected = list_intake_files(
            intake_root, declaration.intake.prefix, declaration.intake.pattern, landing_date=ingestion_date
        )
    for intake_file in files:
        copied = store.ingest(intake_file, declaration.source, declaration.name, ingestion_date)
        if copied is None:
            outcome.already_present.append(intake_file.key)
        else:
            outcome.ingested.append(copied)
    return outcome
