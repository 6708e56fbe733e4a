"""Silver step: bronze files of a run's ingestion dates -> silver Delta table + quarantine
table, with the figures every quality check needs, gathered in one pass over the data.

All dates of a run (one, or a range under a single-run backfill) are read together: one Spark
pass, one MERGE, one quarantine commit, instead of one of each per date."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from functools import reduce

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.quality.masking import mask_row
from dataops_platform.quality.rules import RAW_PREFIX, gate_figures
from dataops_platform.storage.bronze import BronzeFile, BronzeStore
from dataops_platform.storage.bronze_reader import ReadReport, read_bronze_files
from dataops_platform.storage.record_counts import count_all
from dataops_platform.storage.tables import Tables
from dataops_platform.transforms.silver import (
    COPY_OF_KEPT,
    KEPT,
    RECORD_VERSION,
    ROW_HASH,
    SilverSpec,
    attach_reference_flag,
    conform,
    flag_rejected,
    quarantined_rows,
    rank_versions,
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
    """Figures of one silver batch (the ingestion dates of a run). Every row read is accounted for:
    rows_read = rows_quarantined + duplicates_removed + rows_superseded + rows_inserted + rows_updated
    + rows_already_current (duplicates: copies of the row kept for their key; superseded: older
    versions of a key in the same batch; already current: the table holds the same row, or a
    later version of it)."""

    ingestion_dates: list[dt.date]
    bronze_files: list[str] = field(default_factory=list)
    source_records: int = 0  # records in the bronze files, counted without Spark
    rows_read: int = 0
    rows_valid: int = 0
    rows_quarantined: int = 0
    duplicates_removed: int = 0
    rows_unique: int = 0
    rows_superseded: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    quarantine_rows_for_batch: int = 0
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


def _read_batch(
    spark: SparkSession,
    store: BronzeStore,
    declaration: DatasetDeclaration,
    days: list[dt.date],
    outcome: SilverOutcome,
    listed: dict[dt.date, list[BronzeFile]],
) -> DataFrame:
    """The bronze files of every date as one DataFrame; files, records and read report into `outcome`.
    Dates missing from `listed` are listed here."""
    frames = []
    for day in days:
        files = listed[day] if day in listed else store.partition_files(declaration.source, declaration.name, day)
        paths = store.readable_paths(files)
        raw, report = read_bronze_files(spark, paths, declaration.format, declaration.columns, day)
        unread = report.rejected_files  # each counts as one record: the row carrying its reason
        outcome.source_records += count_all([p for p in paths if p.name not in unread], declaration.format) + len(
            unread
        )
        outcome.bronze_files += [f.path.name for f in files]
        outcome.read_report = outcome.read_report.add(report)
        frames.append(raw)
    return reduce(DataFrame.unionByName, frames)


def _with_references(
    spark: SparkSession,
    conformed: DataFrame,
    declaration: DatasetDeclaration,
    spec: SilverSpec,
    tables: Tables,
    silver_uri_of: dict[str, str] | None,
) -> DataFrame:
    for column, dataset in spec.quarantined_references.items():
        ref = declaration.references[column]
        parent_uri = (silver_uri_of or {}).get(dataset)
        if not parent_uri or not tables.exists(parent_uri):
            raise RuntimeError(
                f"{declaration.name}.{column} sends orphans to quarantine, so silver {dataset} must exist first"
            )
        conformed = attach_reference_flag(conformed, column, tables.read(spark, parent_uri).select(ref.column))
    return conformed


def _count_gate(outcome: SilverOutcome, figures: dict, rules: list, columns: list[str]) -> None:
    outcome.rows_read, outcome.rows_valid = int(figures["_rows"]), int(figures["_valid"])
    outcome.rows_quarantined = outcome.rows_read - outcome.rows_valid
    outcome.rule_failures = {rule.name: int(figures[rule.name]) for rule in rules}
    outcome.non_null_values = {c: int(figures[RAW_PREFIX + c]) for c in columns}


def _merge_latest(valid: DataFrame, spec: SilverSpec, silver_uri: str, tables: Tables, outcome: SilverOutcome) -> int:
    """Merge the latest version of each key; count copies and superseded versions. Returns the version."""
    ranked = rank_versions(valid, spec).persist()
    try:
        counts = ranked.agg(
            F.count(F.when(F.col(KEPT), 1)).alias("kept"),
            F.count(F.when(~F.col(KEPT) & F.col(COPY_OF_KEPT), 1)).alias("copies"),
        ).first()
        kept = ranked.filter(KEPT).drop(KEPT, COPY_OF_KEPT)
        merged = tables.merge_latest(
            silver_uri, kept, spec.primary_key, RECORD_VERSION, ROW_HASH, SILVER_PARTITION_COLUMNS
        )
    finally:
        ranked.unpersist()
    outcome.rows_unique, outcome.duplicates_removed = int(counts["kept"]), int(counts["copies"])
    outcome.rows_superseded = outcome.rows_valid - outcome.rows_unique - outcome.duplicates_removed
    outcome.rows_inserted, outcome.rows_updated = merged.inserted, merged.updated
    return merged.version


def process_silver_batch(
    spark: SparkSession,
    store: BronzeStore,
    declaration: DatasetDeclaration,
    days: list[dt.date],
    silver_uri: str,
    quarantine_uri: str,
    tables: Tables,
    silver_uri_of: dict[str, str] | None = None,
    listed: dict[dt.date, list[BronzeFile]] | None = None,
) -> SilverOutcome:
    """Read, validate, cleanse, de-duplicate the ingestion dates of a run in one pass; one
    commit to each table.

    `silver_uri_of` maps referenced datasets to their silver tables, for references whose
    orphans the declaration sends to quarantine. `listed` holds bronze files the caller has
    already listed, by date (listing an S3 partition costs a LIST and a GET per file)."""
    started = time.monotonic()
    spec = silver_spec(declaration)
    rules = spec.rules()
    outcome = SilverOutcome(sorted(days))
    outcome.rule_descriptions = {rule.name: rule.description for rule in rules}
    conformed = conform(_read_batch(spark, store, declaration, outcome.ingestion_dates, outcome, listed or {}), spec)
    conformed = _with_references(spark, conformed, declaration, spec, tables, silver_uri_of)
    conformed = flag_rejected(conformed, rules).persist()
    rejected = quarantined_rows(conformed, rules, spec).persist()  # sampled, then written
    try:
        _count_gate(
            outcome,
            conformed.agg(*gate_figures(rules, declaration.columns)).first().asDict(),
            rules,
            declaration.columns,
        )
        if outcome.rows_quarantined:
            outcome.samples = failing_samples(rejected, declaration.columns, declaration.pii_columns)
        outcome.silver_version = _merge_latest(valid_rows(conformed, rules, spec), spec, silver_uri, tables, outcome)
        dates = ", ".join(f"'{day.isoformat()}'" for day in outcome.ingestion_dates)
        outcome.quarantine_version = tables.replace_where(
            quarantine_uri, rejected, f"_ingestion_date IN ({dates})", []
        ).version
    finally:
        rejected.unpersist()
        conformed.unpersist()
    outcome.quarantine_rows_for_batch = sum(
        tables.rows_for_ingestion_date(quarantine_uri, d) for d in outcome.ingestion_dates
    )
    outcome.seconds = time.monotonic() - started
    return outcome
