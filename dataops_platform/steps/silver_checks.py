"""The inline quality checks of a silver batch, from its figures and the staged table's.

They are the batch's audit: evaluated before anything is written, on the table as the batch
would leave it (steps/staged_figures.py), so a failed ERROR check keeps the batch out of silver.
Freshness, which runs on a schedule, is a FreshnessPolicy instead.
"""

from __future__ import annotations

from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.quality import checks
from dataops_platform.quality.checks import CheckOutcome
from dataops_platform.steps.silver import SilverOutcome
from dataops_platform.steps.staged_figures import TableFigures

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


def inline_checks(declaration: DatasetDeclaration) -> tuple[str, ...]:
    """The checks a silver run evaluates: consistency too when the dataset has references."""
    return (*INLINE_CHECKS, "consistency") if declaration.references else INLINE_CHECKS


def accuracy_check(declaration: DatasetDeclaration, outcome: SilverOutcome) -> CheckOutcome:
    """Where every record read went; after the writes, the quarantine table and the MERGE's figures too."""
    held = {"quarantined": outcome.rows_quarantined, "held": outcome.rows_held}
    accounted = (
        held
        if not outcome.published
        else {
            "quarantined": outcome.rows_quarantined,
            "duplicates": outcome.duplicates_removed,
            "conflicting": outcome.rows_conflicting,
            "superseded": outcome.rows_superseded,
            "inserted": outcome.rows_inserted,
            "updated": outcome.rows_updated,
            "resent": outcome.rows_resent,
            "stale": outcome.rows_stale,
        }
    )
    written = outcome.quarantine_version is not None
    expected_quarantine = outcome.rows_quarantined + outcome.rows_held
    return checks.accuracy(
        outcome.source_records,
        outcome.rows_read,
        accounted,
        expected_quarantine,
        outcome.quarantine_rows_for_batch if written else expected_quarantine,
        declaration.quality.accuracy,
        outcome.predicted_writes if outcome.silver_version is not None else None,
    )


def silver_checks(
    declaration: DatasetDeclaration,
    outcome: SilverOutcome,
    table: TableFigures,
    history: list[dict[str, float]],
) -> list[CheckOutcome]:
    """Every inline check of one silver batch, in `inline_checks` order, on `table`: the silver
    table as the batch leaves it (staged, before anything is written)."""
    quality = declaration.quality
    report = outcome.read_report
    outcomes = [
        checks.completeness(table.nulls, table.rows, quality.completeness),
        checks.uniqueness(
            outcome.rows_valid,
            outcome.rows_conflicting,
            outcome.resent,
            outcome.rows_superseded,
            table.key_rows,
            table.distinct_keys,
            quality.uniqueness,
            outcome.conflict_samples,
        ),
        checks.validity(
            outcome.rule_failures,
            outcome.rule_descriptions,
            outcome.rows_read,
            outcome.rows_quarantined,
            outcome.samples,
            quality.validity,
        ),
        accuracy_check(declaration, outcome),
        checks.schema_drift(
            report.extra_columns,
            report.missing_columns,
            outcome.parse_failures,
            outcome.non_null_values,
            quality.schema_drift,
        ),
        checks.volume_anomaly(volume_metrics(outcome), history, quality.volume),
    ]
    if declaration.references:
        outcomes.append(checks.consistency(table.orphans, quality.consistency))
    return outcomes


def blocking_failures(outcomes: list[CheckOutcome]) -> list[CheckOutcome]:
    """The failed ERROR checks: a batch with any of them is not published."""
    return [o for o in outcomes if not o.passed and o.severity == "ERROR"]
