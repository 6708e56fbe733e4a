"""Silver step: bronze files of one ingestion date -> silver Delta table + quarantine table."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.storage import delta
from dataops_platform.storage.bronze import BronzeStore
from dataops_platform.storage.bronze_reader import ReadReport, read_bronze_files
from dataops_platform.transforms.silver import (
    RECORD_VERSION,
    ROW_HASH,
    SilverSpec,
    annotate,
    conform,
    deduplicate,
    quarantined_rows,
    valid_rows,
)

SILVER_PARTITION_COLUMNS = ["year", "month"]


def silver_spec(declaration: DatasetDeclaration) -> SilverSpec:
    """The transform's view of a dataset declaration."""
    return SilverSpec(
        contract=declaration.contract,
        primary_key=list(declaration.primary_key),
        event_time=declaration.event_time,
        partition_column=declaration.partitioning.table_by_month_of,
        lowercase=list(declaration.cleansing.lowercase),
        value_map={k: dict(v) for k, v in declaration.cleansing.values.items()},
        future_tolerance_hours=declaration.future_tolerance_hours,
    )


@dataclass
class SilverOutcome:
    """Counts of one silver partition. Every row read is accounted for:
    rows_read = rows_quarantined + duplicates_removed + rows_inserted + rows_updated + rows_already_current
    (already current: the table holds the same row, or a later version of it)."""

    ingestion_date: dt.date
    bronze_files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_valid: int = 0
    rows_quarantined: int = 0
    duplicates_removed: int = 0
    rows_unique: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    merge_metrics: dict = field(default_factory=dict)
    silver_version: int | None = None
    quarantine_version: int | None = None
    read_report: ReadReport = field(default_factory=ReadReport)
    seconds: float = 0.0

    @property
    def rows_already_current(self) -> int:
        return self.rows_unique - self.rows_inserted - self.rows_updated


def process_silver_day(
    spark: SparkSession,
    store: BronzeStore,
    declaration: DatasetDeclaration,
    ingestion_date: dt.date,
    silver_uri: str,
    quarantine_uri: str,
    storage_options: delta.StorageOptions = None,
) -> SilverOutcome:
    """Read, validate, cleanse, de-duplicate one ingestion date and write both tables."""
    started = time.monotonic()
    spec = silver_spec(declaration)
    bronze_files = store.partition_files(declaration.source, declaration.name, ingestion_date)
    outcome = SilverOutcome(ingestion_date, bronze_files=[f.path.name for f in bronze_files])
    raw, outcome.read_report = read_bronze_files(
        spark, store.readable_paths(bronze_files), declaration.format, declaration.columns, ingestion_date
    )
    annotated = annotate(conform(raw, spec), spec.rules()).persist()
    try:
        totals = annotated.agg(
            F.count(F.lit(1)).alias("rows"), F.count(F.when(F.size("_errors") == 0, 1)).alias("valid")
        ).first()
        outcome.rows_read, outcome.rows_valid = int(totals["rows"]), int(totals["valid"])
        outcome.rows_quarantined = outcome.rows_read - outcome.rows_valid
        unique = deduplicate(valid_rows(annotated, spec), spec).toArrow()
        rejected = quarantined_rows(annotated, spec).toArrow()
    finally:
        annotated.unpersist()
    outcome.rows_unique = unique.num_rows
    outcome.duplicates_removed = outcome.rows_valid - outcome.rows_unique
    merged = delta.merge_latest(
        silver_uri, unique, spec.primary_key, RECORD_VERSION, ROW_HASH, SILVER_PARTITION_COLUMNS, storage_options
    )
    outcome.merge_metrics, outcome.silver_version = merged.metrics, merged.version
    outcome.rows_inserted = int(merged.metrics.get("num_target_rows_inserted", 0))
    outcome.rows_updated = int(merged.metrics.get("num_target_rows_updated", 0))
    replaced = delta.replace_where(
        quarantine_uri, rejected, f"_ingestion_date = '{ingestion_date.isoformat()}'", [], storage_options
    )
    outcome.quarantine_version = replaced.version
    outcome.seconds = time.monotonic() - started
    return outcome
