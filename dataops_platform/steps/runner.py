"""A silver or gold step for the partition dates of one run: the pipeline step per date, the
quality checks, and the materializations to report, as plain data.

The local engine calls these from the asset, the job entrypoint from a Databricks (or local)
process, so both report the same figures under the same metadata keys.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from pyspark.sql import SparkSession

from dataops_platform.declarations import DatasetDeclaration, ProductDeclaration
from dataops_platform.layers import GOLD, QUARANTINE, SILVER, table_path
from dataops_platform.quality import checks
from dataops_platform.quality.checks import CheckOutcome
from dataops_platform.steps import gold as gold_step
from dataops_platform.steps import metadata, silver_checks
from dataops_platform.steps import silver as silver_step
from dataops_platform.steps.costs import spark_costs
from dataops_platform.steps.gold_checks import gold_checks
from dataops_platform.storage.bronze import BronzeStore
from dataops_platform.storage.tables import Tables

Key = tuple[str, ...]


class Lake(Protocol):
    """Where the tables are (the LakeResource, or the job's view of the same lake)."""

    @property
    def bronze(self) -> BronzeStore: ...
    @property
    def tables(self) -> Tables: ...
    def silver_uri(self, dataset: str) -> str: ...
    def quarantine_uri(self, dataset: str) -> str: ...
    def gold_uri(self, product: str) -> str: ...
    def replayed_uri(self, dataset: str) -> str: ...


class Log(Protocol):
    def info(self, msg: str) -> Any: ...
    def warning(self, msg: str) -> Any: ...
    def error(self, msg: str) -> Any: ...


@dataclass(frozen=True)
class Materialization:
    asset_key: Key
    metadata: dict[str, Any]  # plain values; dicts and lists are reported as JSON
    partitions: list[str] | None = None  # None: every partition of the run; else only these


@dataclass(frozen=True)
class CheckReport:
    asset_key: Key
    outcome: CheckOutcome


@dataclass
class StepResult:
    """What a step reports, in order: materializations, then check results; then, when a batch
    was held back by a blocking check, the step fails with `failure` (what failed, its figures)."""

    materializations: list[Materialization] = field(default_factory=list)
    checks: list[CheckReport] = field(default_factory=list)
    failure: str | None = None


def quarantine_references(declaration: DatasetDeclaration) -> list[str]:
    """Datasets whose silver table must exist first: references that quarantine orphans (their
    silver asset is a dependency; other references are read as they are, for consistency)."""
    return sorted({r.dataset for r in declaration.references.values() if r.quarantine_orphans})


def referenced_datasets(declaration: DatasetDeclaration) -> list[str]:
    """Datasets the silver step reads besides its bronze files: the targets of its references
    (orphans are counted for consistency, or quarantined where the declaration says so)."""
    return sorted({r.dataset for r in declaration.references.values()})


def log_failures(log: Log, asset: str, outcomes: list[CheckOutcome]) -> None:
    """A failed check says why in the run log too (ERROR checks block downstream assets)."""
    for outcome in outcomes:
        if not outcome.passed:
            blocking = "blocking " if outcome.severity == "ERROR" else ""
            message = f"{blocking}check {asset}:{outcome.name} failed: {outcome.summary}"
            (log.error if blocking else log.warning)(message)


def _with_checks(result: StepResult, key: Key, per_date: list[list[CheckOutcome]], log: Log) -> StepResult:
    combined = [checks.combine(list(same)) for same in zip(*per_date)]
    log_failures(log, "/".join(key), combined)
    result.checks = [CheckReport(key, outcome) for outcome in combined]
    return result


BATCH_DAYS = 31  # ingestion or as-of dates per Spark pass and commit; bounds a long backfill
BATCH_BRONZE_BYTES = 256 * 2**20  # bronze bytes per silver batch: bounds what one MERGE brings to the driver


def batches(days: list[dt.date], size_of=lambda day: 0, max_bytes: int = BATCH_BRONZE_BYTES) -> list[list[dt.date]]:
    """Consecutive dates in batches of at most BATCH_DAYS dates and `max_bytes` (a date larger
    than that is a batch of its own)."""
    result: list[list[dt.date]] = []
    total = 0
    for day in days:
        size = size_of(day)
        if not result or len(result[-1]) == BATCH_DAYS or total + size > max_bytes:
            result.append([])
            total = 0
        result[-1].append(day)
        total += size
    return result


def size_bytes(files: list) -> int:
    """Bronze bytes of listed files, from their metadata."""
    return sum(int(f.metadata.get("size_bytes", 0)) for f in files)


def _held_message(name: str, outcome: silver_step.SilverOutcome, failed: list[CheckOutcome], version) -> str:
    """Why a batch was not published, with the failed checks' figures, and what to do."""
    dates = ", ".join(d.isoformat() for d in outcome.ingestion_dates)
    reasons = "; ".join(f"{c.name}: {c.summary}" for c in failed)
    kept = f"v{version}" if version is not None else "not created yet"
    return (
        f"silver/{name} not published for {dates}: blocking check(s) failed: {reasons}. The published table "
        f"is unchanged ({kept}); all {outcome.rows_read} row(s) of the batch are in quarantine/{name}. "
        "Fix the file and land it again, change the tolerance, or replay (README: 'When a check blocks gold')."
    )


def audited_batch(
    spark: SparkSession,
    store: BronzeStore,
    tables: Tables,
    declaration: DatasetDeclaration,
    batch: list[dt.date],
    uris: dict[str, str],
    history: list[dict[str, float]],
    listed: dict | None = None,
) -> tuple[silver_step.SilverOutcome, list[CheckOutcome], list[CheckOutcome]]:
    """Stage one batch, audit it, then publish or hold it: (outcome, its checks, the failed
    blocking checks). `uris`: silver and quarantine of the dataset, silver of the datasets it
    references, by name ("silver", "quarantine", "silver:<dataset>")."""
    parents = {r.dataset: uris[f"silver:{r.dataset}"] for r in declaration.references.values()}
    with silver_step.stage_silver_batch(
        spark, store, declaration, batch, uris["silver"], tables, parents, listed
    ) as staged:
        audit = silver_checks.silver_checks(declaration, staged.outcome, staged.table, history)
        failed = silver_checks.blocking_failures(audit)
        if failed:
            outcome = silver_step.hold(staged, [c.name for c in failed], uris["quarantine"], tables)
        else:
            outcome = silver_step.publish(staged, uris["silver"], uris["quarantine"], tables)
    final = [silver_checks.accuracy_check(declaration, outcome) if c.name == "accuracy" else c for c in audit]
    return outcome, final, failed


def silver_uris(lake: Lake, declaration: DatasetDeclaration) -> dict[str, str]:
    """The tables a silver step of the dataset reads and writes (see `audited_batch`)."""
    uris = {"silver": lake.silver_uri(declaration.name), "quarantine": lake.quarantine_uri(declaration.name)}
    return uris | {f"silver:{d}": lake.silver_uri(d) for d in referenced_datasets(declaration)}


def _silver_batches(spark, lake: Lake, declaration: DatasetDeclaration, days, history, log: Log):
    """Audit and publish (or hold) the run's batches in order: (outcomes, checks per batch, why the
    run stopped at a held batch or None)."""
    name = declaration.name
    outcomes, per_date, history = [], [], list(history)
    listed = {day: lake.bronze.partition_files(declaration.source, name, day) for day in days}  # listed once
    uris = silver_uris(lake, declaration)
    for batch in batches(sorted(days), lambda day: size_bytes(listed[day]), BATCH_BRONZE_BYTES):
        version_before = lake.tables.version(uris["silver"]) if lake.tables.exists(uris["silver"]) else None
        outcome, outcomes_of_batch, failed = audited_batch(
            spark, lake.bronze, lake.tables, declaration, batch, uris, history, {day: listed[day] for day in batch}
        )
        dates = f"{batch[0]}" if len(batch) == 1 else f"{batch[0]}..{batch[-1]}"
        log.info(
            f"{name} {dates}: {outcome.rows_read} rows read, {outcome.rows_quarantined} quarantined, "
            f"{outcome.resent} re-sent, {outcome.rows_superseded} superseded by a later version, "
            f"{outcome.rows_conflicting} conflicting, {outcome.rows_inserted} inserted, {outcome.rows_updated} updated"
        )
        for reason in outcome.read_report.rejected_files.values():
            log.warning(f"{name} {dates}: {reason} (kept in bronze; one quarantine row says why)")
        outcomes.append(outcome)
        per_date.append(outcomes_of_batch)
        history.insert(0, silver_checks.volume_metrics(outcome))
        if failed:
            failure = _held_message(name, outcome, failed, version_before)
            log.error(failure)
            return outcomes, per_date, failure
    return outcomes, per_date, None


def run_silver(
    spark: SparkSession,
    lake: Lake,
    declaration: DatasetDeclaration,
    days: list[dt.date],
    history: list[dict[str, float]],
    log: Log,
) -> StepResult:
    """Silver and quarantine for the dates (in `batches`, bounded by dates and bronze bytes), each
    batch audited before it is published; a batch that fails a blocking check is held, the rest of
    the run is not processed, and the result carries the failure (history: newest first). The
    silver materialization reports the step's Spark cost."""
    name = declaration.name
    with spark_costs(spark) as costs:
        outcomes, per_date, failure = _silver_batches(spark, lake, declaration, days, history, log)
    published = [o for o in outcomes if o.published]
    materializations = []
    if published:
        partitions = None if failure is None else [d.isoformat() for o in published for d in o.ingestion_dates]
        figures = {**metadata.silver(published, lake.tables, lake.silver_uri(name)), **costs}
        materializations.append(Materialization(table_path(SILVER, name), figures, partitions))
    quarantine_partitions = None if failure is None else [d.isoformat() for o in outcomes for d in o.ingestion_dates]
    materializations.append(
        Materialization(
            table_path(QUARANTINE, name),
            metadata.quarantine(outcomes, lake.tables, lake.quarantine_uri(name)),
            quarantine_partitions,
        )
    )
    return _with_checks(StepResult(materializations, failure=failure), table_path(SILVER, name), per_date, log)


def run_gold(spark: SparkSession, lake: Lake, product: ProductDeclaration, days: list[dt.date], log: Log) -> StepResult:
    """One gold product for each as-of date, then its checks."""
    product_name = product.name
    silver_uris = {name: lake.silver_uri(name) for name in product.inputs}
    missing = [name for name, silver in silver_uris.items() if not lake.tables.exists(silver)]
    if missing:  # e.g. the first files of some datasets have not reached silver yet: wait, do not fail
        log.warning(f"{product_name} not built: silver {missing} does not exist yet; it will run when they do")
        return StepResult()
    uri, started = lake.gold_uri(product_name), time.monotonic()
    with spark_costs(spark) as costs:
        outcomes = [
            o
            for batch in batches(days)
            for o in gold_step.build_gold_days(spark, product, silver_uris, uri, batch, lake.tables)
        ]
    for outcome in outcomes:
        log.info(f"{product_name} as of {outcome.as_of}: {outcome.rows} rows (Delta v{outcome.version})")
    figures = metadata.run_metadata(
        row_count=lake.tables.row_count(uri),
        bytes_stored=lake.tables.size_bytes(uri),
        partitions=[o.as_of for o in outcomes],
        duration_seconds=time.monotonic() - started,
        inputs=[f"silver/{name}@v{lake.tables.version(silver_uri)}" for name, silver_uri in silver_uris.items()],
        delta_version=outcomes[-1].version if outcomes else None,
        failed_rows=sum(o.rows_failed for o in outcomes),
        rows_written=sum(o.rows for o in outcomes),
        **costs,
    )
    result = StepResult([Materialization(table_path(GOLD, product_name), figures)])
    return _with_checks(result, table_path(GOLD, product_name), [gold_checks(o) for o in outcomes], log)
