"""The platform path: build the code location and materialize assets + checks with Dagster.

Runs use an ephemeral (in-memory) instance and the in-process executor the platform
configures, so every step shares the process's SparkSession. Time per step comes from the
run's event log (STEP_START -> STEP_SUCCESS/STEP_FAILURE).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
from deltalake import DeltaTable

from bench.context import last_spark_job, spark_session
from bench.report import timed
from dataops_platform.definitions import build_definitions
from dataops_platform.settings import Settings

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # events are still stored
STEP_EVENTS = {dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}
SILVER = ("customers", "transactions", "web_events", "support_tickets")


@dataclass
class PlatformRun:
    """One Dagster run: wall time of `materialize`, seconds per step, silver rows afterwards."""

    seconds: float
    steps: dict[str, float]
    spark_jobs: int = 0
    silver_rows: dict[str, int] = field(default_factory=dict)

    @property
    def overhead(self) -> float:
        """Wall time outside any step: run launch, resource set-up, event storage."""
        return self.seconds - sum(self.steps.values())


def partition_args(days: list[dt.date]) -> dict:
    """One partition, or a range in one run (every asset has BackfillPolicy.single_run)."""
    if len(days) == 1:
        return {"partition_key": days[0].isoformat()}
    return {
        "tags": {
            "dagster/asset_partition_range_start": days[0].isoformat(),
            "dagster/asset_partition_range_end": days[-1].isoformat(),
        }
    }


def step_seconds(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    started, seconds = {}, {}
    for entry in instance.all_logs(run_id, of_type=STEP_EVENTS):
        if entry.dagster_event_type == dg.DagsterEventType.STEP_START:
            started[entry.step_key] = entry.timestamp
        elif entry.step_key in started:
            seconds[entry.step_key] = entry.timestamp - started[entry.step_key]
    return seconds


def layer_key(layer: str, dataset: str) -> dg.AssetKey:
    return dg.AssetKey([layer, dataset])


def _assets(defs: dg.Definitions, only: set[dg.AssetKey] | None) -> list:
    """Every asset definition and asset check, or only the definitions producing `only` (with
    their inline checks, without separate checks such as consistency)."""
    assets = [a for a in defs.assets if isinstance(a, dg.AssetsDefinition)]
    if only:
        return [a for a in assets if set(a.keys) & only]
    return assets + list(defs.asset_checks or [])


def materialize(
    settings: Settings, days: list[dt.date], instance: dg.DagsterInstance, only: set[dg.AssetKey] | None = None
) -> PlatformRun:
    """Materializes assets and checks (see `_assets`) for `days`; raises if the run fails."""
    defs = build_definitions(settings)
    session = spark_session(settings)  # started outside the timing; the platform's resource reuses it
    first_job = last_spark_job(session)
    seconds, result = timed(
        lambda: dg.materialize(
            _assets(defs, only), resources=defs.resources, instance=instance, run_config=QUIET, **partition_args(days)
        )
    )
    return PlatformRun(seconds, step_seconds(instance, result.run_id), last_spark_job(session) - first_job)


def table_rows(uri: Path) -> int:
    return DeltaTable(str(uri)).to_pyarrow_dataset().count_rows() if DeltaTable.is_deltatable(str(uri)) else 0


def fresh_run(ctx, demo, only: set[dg.AssetKey] | None = None) -> PlatformRun:
    """All of `demo`'s days in one run, on an empty lake and a new ephemeral instance."""
    with ctx.scratch("platform-lake") as lake:
        run = materialize(ctx.settings(demo, lake), demo.days, dg.DagsterInstance.ephemeral(), only)
        run.silver_rows = {name: table_rows(lake / "silver" / name) for name in SILVER}
    return run
