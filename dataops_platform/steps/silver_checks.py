"""The inline quality checks of a silver table, computed from one run's figures.

Consistency (which reads another table) and freshness (which runs on a schedule) live in
their own checks; everything here comes from the single pass of the silver step plus a
few column reads of the Delta table.
"""

from __future__ import annotations

from dataclasses import dataclass

from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.quality import checks
from dataops_platform.quality.checks import CheckOutcome
from dataops_platform.steps.silver import SilverOutcome
from dataops_platform.storage.tables import Tables

INLINE_CHECKS = ("completeness", "uniqueness", "validity", "accuracy", "schema_drift", "volume_anomaly")
VOLUME_METRICS = ("rows_read", "duration_seconds", "rows_quarantined")


def volume_metrics(outcome: SilverOutcome) -> dict[str, float]:
    """The figures the volume-anomaly check compares with history, per ingestion date (a batch of
    several dates is compared by its average)."""
    dates = max(len(outcome.ingestion_dates), 1)
    return {
        "rows_read": outcome.rows_read / dates,
        "duration_seconds": round(outcome.seconds / dates, 3),
        "rows_quarantined": outcome.rows_quarantined / dates,
    }


def per_partition(metadata: dict[str, float], partitions: int) -> dict[str, float]:
    """Volume metrics of a past materialization (run totals in its metadata) per ingestion date."""
    return {name: value / max(partitions, 1) for name, value in metadata.items()}


@dataclass(frozen=True)
class TableFigures:
    """Figures of the whole silver table after a run: read once, shared by every partition's checks."""

    rows: int
    nulls: dict[str, int]
    key_rows: int
    distinct_keys: int


def table_figures(declaration: DatasetDeclaration, silver_uri: str, tables: Tables) -> TableFigures:
    rows, nulls = tables.null_counts(silver_uri, declaration.critical_columns)
    key_rows, distinct_keys = tables.key_counts(silver_uri, declaration.primary_key)
    return TableFigures(rows, nulls, key_rows, distinct_keys)


def silver_checks(
    declaration: DatasetDeclaration,
    outcome: SilverOutcome,
    table: TableFigures,
    history: list[dict[str, float]],
) -> list[CheckOutcome]:
    """Every inline check of one silver partition, in INLINE_CHECKS order."""
    quality = declaration.quality
    report = outcome.read_report
    return [
        checks.completeness(table.nulls, table.rows, quality.completeness),
        checks.uniqueness(
            outcome.rows_valid, outcome.duplicates_removed, table.key_rows, table.distinct_keys, quality.uniqueness
        ),
        checks.validity(
            outcome.rule_failures,
            outcome.rule_descriptions,
            outcome.rows_read,
            outcome.rows_quarantined,
            outcome.samples,
            quality.validity,
        ),
        checks.accuracy(
            outcome.source_records,
            outcome.rows_read,
            outcome.rows_quarantined,
            outcome.quarantine_rows_for_batch,
            outcome.duplicates_removed,
            outcome.rows_inserted,
            outcome.rows_updated,
            outcome.rows_already_current,
            quality.accuracy,
            superseded=outcome.rows_superseded,
        ),
        checks.schema_drift(
            report.extra_columns,
            report.missing_columns,
            outcome.parse_failures,
            outcome.non_null_values,
            quality.schema_drift,
        ),
        checks.volume_anomaly(volume_metrics(outcome), history, quality.volume),
    ]
