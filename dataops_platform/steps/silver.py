"""Silver step, write-audit-publish: the bronze files of a run's ingestion dates are read,
validated and de-duplicated into a staged batch; its blocking checks are evaluated on the
table as the batch would leave it; only then is it published (one MERGE into silver) or held
(every row to quarantine, the published table untouched).

All dates of a batch (one, or a range under a single-run backfill) are read together: one
Spark pass, one MERGE, one quarantine commit, instead of one of each per date."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from dataclasses import dataclass, field, replace
from functools import reduce
from pathlib import Path

from pyspark.sql import DataFrame, Observation, SparkSession, Window
from pyspark.sql import functions as F

from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.quality.masking import mask_row
from dataops_platform.quality.rules import RAW_PREFIX
from dataops_platform.steps.staged_figures import StagedResult, TableFigures, stage
from dataops_platform.storage.bronze import BronzeFile, BronzeStore
from dataops_platform.storage.bronze_reader import ReadOptions, ReadReport, read_bronze_files
from dataops_platform.storage.tables import Staged, Tables
from dataops_platform.transforms.silver import (
    CONFLICT,
    COPY_OF_KEPT,
    KEPT,
    RECORD_VERSION,
    REJECTED,
    RESCUED,
    ROW_HASH,
    TECHNICAL_COLUMNS,
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
HELD_RULE = "batch_held"  # the failed rule of a valid row held back with its batch


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
        null_tokens=tuple(declaration.dialect.null_tokens),
        evolution=declaration.schema_evolution,
    )


def read_options(declaration: DatasetDeclaration) -> ReadOptions:
    return ReadOptions(declaration.format, declaration.columns, declaration.dialect, declaration.schema_evolution)


@dataclass
class SilverOutcome:
    """Figures of one silver batch (the ingestion dates of a run). Every row read is accounted for:
    rows_read = rows_quarantined + rows_held for a held batch, else rows_quarantined +
    duplicates_removed + rows_conflicting + rows_superseded + rows_inserted + rows_updated +
    rows_resent + rows_stale, where duplicates: exact copies in the
    batch of the row kept for their key; conflicting: same key and event time as the row kept, other
    content; superseded: older versions in the batch; resent: the table already holds the same row;
    stale: the table holds a later version; held: valid rows of a batch that failed its audit."""

    ingestion_dates: list[dt.date]
    bronze_files: list[str] = field(default_factory=list)
    source_records: int = 0  # records in the bronze files, counted without Spark
    rows_read: int = 0
    rows_valid: int = 0
    rows_quarantined: int = 0
    duplicates_removed: int = 0
    rows_conflicting: int = 0
    rows_unique: int = 0
    rows_superseded: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_resent: int = 0
    rows_stale: int = 0
    rows_held: int = 0
    predicted_writes: dict[str, int] = field(default_factory=dict)  # the audit's insert/update figures
    quarantine_rows_for_batch: int = 0
    rule_failures: dict[str, int] = field(default_factory=dict)
    rule_descriptions: dict[str, str] = field(default_factory=dict)
    non_null_values: dict[str, int] = field(default_factory=dict)  # per column, before parsing
    samples: dict[str, list[dict]] = field(default_factory=dict)  # per failing rule, PII masked
    conflict_samples: list[dict] = field(default_factory=list)  # rows conflicting with the kept one, PII masked
    held_by: list[str] = field(default_factory=list)  # blocking checks the batch failed: not published
    silver_version: int | None = None
    quarantine_version: int | None = None
    read_report: ReadReport = field(default_factory=ReadReport)
    seconds: float = 0.0

    @property
    def published(self) -> bool:
        return not self.held_by

    @property
    def rows_already_current(self) -> int:
        return self.rows_resent + self.rows_stale

    @property
    def resent(self) -> int:
        """Exact re-sends: copies within the batch plus rows the table already held."""
        return self.duplicates_removed + self.rows_resent

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
    outcome: SilverOutcome,
    listed: dict[dt.date, list[BronzeFile]],
    scratch: Path,
) -> DataFrame:
    """The bronze files of every date as one DataFrame; files, records and read report into `outcome`.
    Dates missing from `listed` are listed here."""
    frames = []
    listed = {
        day: listed[day] if day in listed else store.partition_files(declaration.source, declaration.name, day)
        for day in outcome.ingestion_dates
    }
    options = replace(read_options(declaration), replaceable=_with_later_copies(listed))
    for day, files in listed.items():
        paths = store.readable_paths(files)
        raw, report = read_bronze_files(spark, paths, options, day, scratch)
        outcome.source_records += report.records
        outcome.bronze_files += [f.path.name for f in files]
        outcome.read_report = outcome.read_report.add(report)
        frames.append(raw)
    return reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)


def _with_later_copies(listed: dict[dt.date, list[BronzeFile]]) -> frozenset[str]:
    """Bronze files of the batch with a later copy of the same source key (a file landed again)."""
    by_key: dict[str, list[str]] = {}
    for files in listed.values():
        for f in files:  # bronze names start with the copy's timestamp: sorted is oldest first
            by_key.setdefault(f.metadata.get("source_key", f.path.name), []).append(f.path.name)
    return frozenset(name for names in by_key.values() for name in sorted(names)[:-1])


def _parent_keys(spark, declaration: DatasetDeclaration, tables: Tables, silver_uri_of: dict[str, str]) -> dict:
    """Foreign-key column -> the referenced table's keys (empty when that table does not exist yet)."""
    parents = {}
    for column, ref in declaration.references.items():
        uri = silver_uri_of.get(ref.dataset)
        if uri and tables.exists(uri):
            parents[column] = tables.read(spark, uri).select(ref.column)
        else:
            parents[column] = spark.createDataFrame([], f"`{ref.column}` string")
    return parents


def _with_references(conformed: DataFrame, declaration: DatasetDeclaration, spec: SilverSpec, parents: dict):
    for column, dataset in spec.quarantined_references.items():
        if parents[column].isEmpty():
            raise RuntimeError(
                f"{declaration.name}.{column} sends orphans to quarantine, so silver {dataset} must exist first"
            )
        conformed = attach_reference_flag(conformed, column, parents[column])
    return conformed


def _count_rejected(outcome: SilverOutcome, rejected: DataFrame, rules: list, columns: list[str]) -> None:
    """Rows that failed a rule, failures per rule and their non-null raw values (one small job:
    only rejected rows can fail a rule)."""
    figures = rejected.agg(
        F.count(F.lit(1)).alias("_rows"),
        *[F.count(F.when(F.array_contains("_failed_rules", rule.name), 1)).alias(rule.name) for rule in rules],
        *[F.count(c).alias(RAW_PREFIX + c) for c in columns],
    ).first()
    outcome.rows_quarantined = int(figures["_rows"])
    outcome.rule_failures = {rule.name: int(figures[rule.name]) for rule in rules}
    outcome.non_null_values = {c: int(figures[RAW_PREFIX + c]) for c in columns}


@dataclass
class StagedBatch:
    """A validated, ranked batch whose changed rows are written but not committed: audit it, then
    `publish` or `hold`. Holds the cached rejected rows, the staged rows and a scratch folder: use
    it as a context manager. `conformed` is not cached: only a held batch reads it again."""

    outcome: SilverOutcome
    table: TableFigures  # the silver table as the batch would leave it
    spec: SilverSpec
    conformed: DataFrame
    rejected: DataFrame
    staged: Staged  # the inserted and updated rows, not visible in silver until published
    tables: Tables
    scratch: tempfile.TemporaryDirectory
    published: bool = False

    def __enter__(self) -> StagedBatch:
        return self

    def __exit__(self, *exc) -> None:
        if not self.published:
            self.tables.discard(self.staged)
        self.rejected.unpersist()
        self.scratch.cleanup()


def _ranked(valid: DataFrame, spec: SilverSpec) -> tuple[DataFrame, Observation]:
    """The valid rows ranked per key, and an observation that counts them when the kept rows are
    staged (the same Spark job): valid rows, kept, exact copies, conflicts, and non-null values
    per column (a valid value parsed, so typed and raw are null together)."""
    observation = Observation("ranked")
    ranked = rank_versions(valid, spec).observe(
        observation,
        F.count(F.lit(1)).alias("valid"),
        F.count(F.when(F.col(KEPT), 1)).alias("kept"),
        F.count(F.when(~F.col(KEPT) & F.col(COPY_OF_KEPT), 1)).alias("copies"),
        F.count(F.when(~F.col(KEPT) & F.col(CONFLICT), 1)).alias("conflicts"),
        *[F.count(c).alias(RAW_PREFIX + c) for c in spec.contract.column_names],
    )
    return ranked, observation


def _count_ranked(outcome: SilverOutcome, counts: dict, ranked: DataFrame, spec: SilverSpec, pii: list[str]) -> None:
    outcome.rows_valid = int(counts["valid"])
    outcome.rows_read = outcome.rows_valid + outcome.rows_quarantined
    outcome.non_null_values = {c: n + int(counts[RAW_PREFIX + c]) for c, n in outcome.non_null_values.items()}
    outcome.rows_unique, outcome.duplicates_removed = int(counts["kept"]), int(counts["copies"])
    outcome.rows_conflicting = int(counts["conflicts"])
    outcome.rows_superseded = outcome.rows_valid - outcome.rows_unique - outcome.duplicates_removed
    outcome.rows_superseded -= outcome.rows_conflicting
    if outcome.rows_conflicting:  # rare: ranks the batch again for a few samples
        conflicting = ranked.filter(F.col(CONFLICT)).select(*spec.contract.column_names, "_bronze_file")
        rows = conflicting.orderBy(*spec.primary_key).limit(SAMPLES_PER_RULE).collect()
        outcome.conflict_samples = [mask_row(r.asDict(), pii) for r in rows]


def stage_silver_batch(
    spark: SparkSession,
    store: BronzeStore,
    declaration: DatasetDeclaration,
    days: list[dt.date],
    silver_uri: str,
    tables: Tables,
    silver_uri_of: dict[str, str] | None = None,
    listed: dict[dt.date, list[BronzeFile]] | None = None,
) -> StagedBatch:
    """Read, validate, cleanse and rank the ingestion dates of a run, stage the rows that change
    the silver table (written, not committed) and figure the table the batch would leave.

    The bronze files are read twice rather than cached whole: once for the rows that fail a rule
    (few; cached with their reasons and counted per rule), once for the valid rows, which are
    ranked per key, matched with the table and staged in one Spark job that also counts them.

    `silver_uri_of` maps referenced datasets to their silver tables (orphans are counted, or
    quarantined where the declaration says so). `listed` holds bronze files the caller has
    already listed, by date (listing an S3 partition costs a LIST and a GET per file)."""
    started = time.monotonic()
    spec = silver_spec(declaration)
    rules = spec.rules()
    outcome = SilverOutcome(sorted(days))
    outcome.rule_descriptions = {rule.name: rule.description for rule in rules}
    scratch = tempfile.TemporaryDirectory(prefix="dataops-silver-")
    parents = _parent_keys(spark, declaration, tables, silver_uri_of or {})
    raw = _read_batch(spark, store, declaration, outcome, listed or {}, Path(scratch.name))
    conformed = flag_rejected(_with_references(conform(raw, spec), declaration, spec, parents), rules)
    rejected = quarantined_rows(conformed, rules, spec).persist()  # counted, sampled, then written
    _count_rejected(outcome, rejected, rules, declaration.columns)
    if outcome.rows_quarantined:
        outcome.samples = failing_samples(rejected, declaration.columns, declaration.pii_columns)
    ranked, counted = _ranked(valid_rows(conformed, rules, spec), spec)
    winners = ranked.filter(KEPT).drop(KEPT, COPY_OF_KEPT, CONFLICT)
    result: StagedResult = stage(
        spark, winners, silver_uri, tables, spec.primary_key, declaration.critical_columns, parents,
        SILVER_PARTITION_COLUMNS,
    )  # fmt: skip
    _count_ranked(outcome, counted.get, ranked, spec, declaration.pii_columns)
    outcome.rows_inserted, outcome.rows_updated = result.changes["insert"], result.changes["update"]
    outcome.rows_resent, outcome.rows_stale = result.changes["resent"], result.changes["stale"]
    outcome.predicted_writes = {"inserted": outcome.rows_inserted, "updated": outcome.rows_updated}
    outcome.seconds = time.monotonic() - started
    return StagedBatch(outcome, result.table, spec, conformed, rejected, result.staged, tables, scratch)


def _write_quarantine(batch: StagedBatch, rows: DataFrame, quarantine_uri: str, tables: Tables) -> None:
    outcome = batch.outcome
    dates = ", ".join(f"'{day.isoformat()}'" for day in outcome.ingestion_dates)
    outcome.quarantine_version = tables.replace_where(quarantine_uri, rows, f"_ingestion_date IN ({dates})", []).version
    outcome.quarantine_rows_for_batch = sum(
        tables.rows_for_ingestion_date(quarantine_uri, d) for d in outcome.ingestion_dates
    )


def publish(batch: StagedBatch, silver_uri: str, quarantine_uri: str, tables: Tables) -> SilverOutcome:
    """Commit an audited batch: its staged rows into silver (an append when every row is a new
    key, else a MERGE of the latest version of each key), then the batch's quarantine rows. The
    write's own figures replace the audit's prediction."""
    started, outcome = time.monotonic(), batch.outcome
    batch.published = True  # the staged rows are committed or, on failure, dropped by the write
    inserts_only = outcome.rows_updated == 0
    merged = tables.publish_latest(batch.staged, batch.spec.primary_key, RECORD_VERSION, ROW_HASH, inserts_only)
    outcome.silver_version = merged.version
    outcome.rows_inserted, outcome.rows_updated = merged.inserted, merged.updated
    _write_quarantine(batch, batch.rejected, quarantine_uri, tables)
    outcome.seconds += time.monotonic() - started
    return outcome


def hold(batch: StagedBatch, failed_checks: list[str], quarantine_uri: str, tables: Tables) -> SilverOutcome:
    """Keep a batch that failed a blocking check out of silver: its valid rows join its rejected
    ones in quarantine, with the reason, so nothing is lost and a re-run or replay can publish them."""
    started, outcome = time.monotonic(), batch.outcome
    outcome.held_by = list(failed_checks)
    reason = f"held back, not published: the batch failed blocking check(s) {', '.join(failed_checks)}"
    valid = batch.conformed.filter(~F.col(REJECTED))
    held = valid.select(
        *[F.col(RAW_PREFIX + c).alias(c) for c in batch.spec.contract.column_names],
        "_corrupt_record",
        RESCUED,
        *TECHNICAL_COLUMNS,
        F.array(F.lit(reason)).alias("_reasons"),
        F.array(F.lit(HELD_RULE)).alias("_failed_rules"),
    )
    _write_quarantine(batch, batch.rejected.unionByName(held), quarantine_uri, tables)
    outcome.rows_held = outcome.rows_valid  # the other figures stay: what the batch would have done
    outcome.seconds += time.monotonic() - started
    return outcome
