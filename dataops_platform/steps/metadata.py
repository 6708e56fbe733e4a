"""Materialization metadata of the silver, quarantine and gold tables, as plain values (lists
and dicts are stored as JSON), the same whichever engine ran the step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dataops_platform.steps.silver import SilverOutcome
from dataops_platform.storage.tables import Tables

# Reported by every table materialization (run_metadata below).
STANDARD_KEYS = (
    "dagster/row_count",
    "bytes",
    "partitions_written",
    "partition_count",
    "duration_seconds",
    "inputs",
    "delta_version",
    "failed_rows",
)


def run_metadata(
    *,
    row_count: int,
    bytes_stored: int,
    partitions: list[dt.date],
    duration_seconds: float,
    inputs: list[str],
    delta_version: int | None,
    failed_rows: int,
    **extra: Any,
) -> dict[str, Any]:
    """The keys every materialization reports, so history charts line up across assets.

    row_count and bytes describe the table after the run; inputs are the files or table
    versions the run read; failed_rows the rows it could not accept (quarantined)."""
    return {
        "dagster/row_count": row_count,
        "bytes": bytes_stored,
        "partitions_written": ", ".join(str(p) for p in partitions),
        "partition_count": len(partitions),
        "duration_seconds": round(duration_seconds, 3),
        "inputs": list(inputs),
        "delta_version": -1 if delta_version is None else delta_version,
        "failed_rows": failed_rows,
        **extra,
    }


def _table(
    outcomes: list[SilverOutcome], tables: Tables, uri: str, version: int | None, **extra: Any
) -> dict[str, Any]:
    """run_metadata of a silver or quarantine table after the run's ingestion dates."""
    return run_metadata(
        row_count=tables.row_count(uri),
        bytes_stored=tables.size_bytes(uri),
        partitions=[day for o in outcomes for day in o.ingestion_dates],
        duration_seconds=sum(o.seconds for o in outcomes),
        inputs=[f for o in outcomes for f in o.bronze_files],
        delta_version=version,
        failed_rows=sum(o.rows_quarantined for o in outcomes),
        **extra,
    )


def silver(outcomes: list[SilverOutcome], tables: Tables, uri: str) -> dict[str, Any]:
    def total(field: str) -> int:
        return sum(getattr(o, field) for o in outcomes)

    drift = {
        "extra_columns": {k: v for o in outcomes for k, v in o.read_report.extra_columns.items()},
        "missing_columns": {k: v for o in outcomes for k, v in o.read_report.missing_columns.items()},
        "empty_files": [f for o in outcomes for f in o.read_report.empty_files],
        "rejected_files": {k: v for o in outcomes for k, v in o.read_report.rejected_files.items()},
    }
    return _table(
        outcomes,
        tables,
        uri,
        outcomes[-1].silver_version if outcomes else None,
        rows_read=total("rows_read"),
        rows_valid=total("rows_valid"),
        rows_quarantined=total("rows_quarantined"),
        duplicates_removed=total("duplicates_removed"),
        rows_resent=total("resent"),
        rows_conflicting=total("rows_conflicting"),
        rows_superseded=total("rows_superseded"),
        rows_inserted=total("rows_inserted"),
        rows_updated=total("rows_updated"),
        rows_already_current=total("rows_already_current"),
        added_columns=sorted({c for o in outcomes for c in o.read_report.added_columns}),
        file_shape=drift,
    )


def quarantine(outcomes: list[SilverOutcome], tables: Tables, uri: str) -> dict[str, Any]:
    version = outcomes[-1].quarantine_version if outcomes else None
    held = [d.isoformat() for o in outcomes if not o.published for d in o.ingestion_dates]
    return _table(
        outcomes,
        tables,
        uri,
        version,
        rows_quarantined=sum(o.rows_quarantined for o in outcomes),
        rows_held=sum(o.rows_held for o in outcomes),
        held_partitions=held,
    )
