"""Silver step: bronze files of one ingestion date -> silver Delta table + quarantine table,
with the figures every quality check needs, gathered in one pass over the data."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.quality.masking import mask_row
from dataops_platform.quality.reconciliation import count_all
from dataops_platform.quality.rules import RAW_PREFIX
from dataops_platform.pipeline.tables import Tables
from dataops_platform.storage.bronze import BronzeStore
from dataops_platform.storage.bronze_reader import ReadReport, read_bronze_files
from dataops_platform.transforms.silver import (
    RECORD_VERSION,
    ROW_HASH,
    SilverSpec,
    annotate,
    attach_reference_flag,
    conform,
    deduplicate,
    quarantined_rows,
    valid_rows,
)

SILVER_PARTITION_COLUMNS = ["year", "month"]
SAMPLES_PER_RULE = 3


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
        quarantined_references={c: r.dataset for c, r in declaration.references.items() if r.quarantine_orphans},
    )


@dataclass
class SilverOutcome:
    """Figures of one silver partition. Every row read is accounted for:
    rows_read = rows_quarantined + duplicates_removed + rows_inserted + rows_updated + rows_already_current
    (already current: the table holds the same row, or a later version of it)."""

    ingestion_date: dt.date
    bronze_files: list[str] = field(default_factory=list)
    source_records: int = 0  # records in the bronze files, counted without Spark
    rows_read: int = 0
    rows_valid: int = 0
    rows_quarantined: int = 0
    duplicates_removed: int = 0
    rows_unique: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    quarantine_rows_for_day: int = 0
    rule_failures: dict[str, int] = field(default_factory=dict)
    rule_descriptions: dict[str, str] = field(default_factory=dict)
    non_null_values: dict[str, int] = field(default_factory=dict)  # per column, before parsing
    samples: dict[str, list[dict]] = field(default_factory=dict)  # per failing rule, PII masked
    silver_version: int | None = None
    quarantine_version: int | None = None
    read_report: ReadReport = field(default_factory=ReadReport)
    seconds: float = 0.0

    @property
    def rows_already_current(self) -> int:
        return self.rows_unique - self.rows_inserted - self.rows_updated

    @property
    def parse_failures(self) -> dict[str, int]:
        return {name[: -len("_parses")]: n for name, n in self.rule_failures.items() if name.endswith("_parses")}


def failing_samples(rejected: DataFrame, columns: list[str], pii: list[str], limit: int = SAMPLES_PER_RULE) -> dict:
    """Up to `limit` quarantined rows per failed rule, PII masked (one small Spark job)."""
    exploded = rejected.select(F.explode("_failed_rules").alias("_rule"), *columns, "_reasons")
    ranked = exploded.withColumn("_n", F.row_number().over(Window.partitionBy("_rule").orderBy(*columns)))
    samples: dict[str, list[dict]] = {}
    for row in ranked.filter(F.col("_n") <= limit).orderBy("_rule", "_n").collect():
        record = row.asDict()
        rule = record.pop("_rule")
        record.pop("_n")
        samples.setdefault(rule, []).append(mask_row(record, pii))
    return samples


def process_silver_day(
    spark: SparkSession,
    store: BronzeStore,
    declaration: DatasetDeclaration,
    ingestion_date: dt.date,
    silver_uri: str,
    quarantine_uri: str,
    tables: Tables,
    silver_uri_of: dict[str, str] | None = None,
) -> SilverOutcome:
    """Read, validate, cleanse, de-duplicate one ingestion date and write both tables.

    `silver_uri_of` maps referenced datasets to their silver tables, for references whose
    orphans the declaration sends to quarantine."""
    started = time.monotonic()
    spec = silver_spec(declaration)
    rules = spec.rules()
    bronze_files = store.partition_files(declaration.source, declaration.name, ingestion_date)
    paths = store.readable_paths(bronze_files)
    outcome = SilverOutcome(ingestion_date, bronze_files=[f.path.name for f in bronze_files])
    outcome.rule_descriptions = {rule.name: rule.description for rule in rules}
    outcome.source_records = count_all(paths, declaration.format)
    raw, outcome.read_report = read_bronze_files(spark, paths, declaration.format, declaration.columns, ingestion_date)
    conformed = conform(raw, spec)
    for column, dataset in spec.quarantined_references.items():
        ref = declaration.references[column]
        parent_uri = (silver_uri_of or {}).get(dataset)
        if not parent_uri or not tables.exists(parent_uri):
            raise RuntimeError(
                f"{declaration.name}.{column} sends orphans to quarantine, so silver {dataset} must exist first"
            )
        conformed = attach_reference_flag(conformed, column, tables.read(spark, parent_uri).select(ref.column))
    annotated = annotate(conformed, rules).persist()
    try:
        figures = annotated.agg(
            F.count(F.lit(1)).alias("_rows"),
            F.count(F.when(F.size("_errors") == 0, 1)).alias("_valid"),
            *[F.count(F.when(rule.failed, 1)).alias(rule.name) for rule in rules],
            *[F.count(RAW_PREFIX + c).alias(RAW_PREFIX + c) for c in declaration.columns],
        ).first().asDict()
        outcome.rows_read, outcome.rows_valid = int(figures["_rows"]), int(figures["_valid"])
        outcome.rows_quarantined = outcome.rows_read - outcome.rows_valid
        outcome.rule_failures = {rule.name: int(figures[rule.name]) for rule in rules}
        outcome.non_null_values = {c: int(figures[RAW_PREFIX + c]) for c in declaration.columns}
        rejected = quarantined_rows(annotated, spec)
        if outcome.rows_quarantined:
            outcome.samples = failing_samples(rejected, declaration.columns, declaration.pii_columns)
        unique = deduplicate(valid_rows(annotated, spec), spec)
        merged = tables.merge_latest(silver_uri, unique, spec.primary_key, RECORD_VERSION, ROW_HASH, SILVER_PARTITION_COLUMNS)
        replaced = tables.replace_where(quarantine_uri, rejected, f"_ingestion_date = '{ingestion_date.isoformat()}'", [])
    finally:
        annotated.unpersist()
    outcome.rows_unique = merged.source_rows
    outcome.duplicates_removed = outcome.rows_valid - outcome.rows_unique
    outcome.silver_version, outcome.rows_inserted, outcome.rows_updated = merged.version, merged.inserted, merged.updated
    outcome.quarantine_version = replaced.version
    outcome.quarantine_rows_for_day = tables.rows_for_ingestion_date(quarantine_uri, ingestion_date)
    outcome.seconds = time.monotonic() - started
    return outcome
