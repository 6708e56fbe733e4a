"""What a dataset declares about the maintenance of its Delta tables (`maintenance:` in
defs.yaml), with defaults; the operations are in `delta_maintenance.py`.

VACUUM keeps delta-rs' retention check on and never uses a retention below the declared
time-travel window nor below the table's `delta.deletedFileRetentionDuration` (7 days when
unset): every version committed inside the window stays readable, and a file that a running
writer has uploaded but not committed yet is younger than the retention, so it stays.
"""

from __future__ import annotations

import math
import re

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_RETENTION_HOURS = 168  # Delta's own default for delta.deletedFileRetentionDuration
RETENTION_PROPERTY = "delta.deletedFileRetentionDuration"
_HOURS_PER_UNIT = {"week": 168, "day": 24, "hour": 1, "minute": 1 / 60, "second": 1 / 3600}
_INTERVAL = re.compile(r"^\s*(?:interval\s+)?(\d+)\s*([a-z]+?)s?\s*$", re.IGNORECASE)


class MaintenanceSpec(BaseModel):
    """How the platform maintains a dataset's Delta tables (silver and quarantine), daily."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="Maintain the dataset's tables on the daily maintenance schedule.")
    compact: bool = Field(True, description="Compact small files, partition by partition (delta-rs optimize).")
    target_file_mb: int = Field(128, ge=1, description="Approximate size of a compacted file.")
    z_order: bool = Field(
        False,
        description="Z-order the silver table by the primary key instead of plain compaction (rewrites every "
        "file of each partition on every run: for large tables read by key ranges).",
    )
    vacuum: bool = Field(True, description="Delete files no version inside the retention window references.")
    retention_hours: int = Field(
        DEFAULT_RETENTION_HOURS,
        ge=1,
        description="Time-travel window: every version newer than this stays readable. VACUUM uses this or the "
        "table's delta.deletedFileRetentionDuration, whichever is longer.",
    )
    checkpoint: bool = Field(True, description="Write a checkpoint of the Delta log (faster table loading).")


def interval_hours(text: str) -> int:
    """A Delta interval property ('interval 7 days', '1 hours') in whole hours, rounded up."""
    match = _INTERVAL.match(text or "")
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _HOURS_PER_UNIT:
        raise ValueError(f"cannot read the Delta interval {text!r}")
    return math.ceil(int(match.group(1)) * _HOURS_PER_UNIT[unit])


def databricks_statements(table: str, spec: MaintenanceSpec, z_order_by: list[str] | tuple[str, ...] = ()) -> list[str]:
    """What to run on Databricks, where the native engine owns the table (the platform does not)."""
    statements = []
    if spec.compact or spec.z_order:
        zorder = f" ZORDER BY ({', '.join(f'`{c}`' for c in z_order_by)})" if spec.z_order and z_order_by else ""
        statements.append(f"OPTIMIZE {table}{zorder}")
    if spec.vacuum:
        statements.append(f"VACUUM {table} RETAIN {spec.retention_hours} HOURS")
    return statements
