"""The data-quality report's figures, per table, from an asset graph and the Dagster instance:
latest check results, check outcomes over recent runs, rows per run with the anomaly band,
freshness against the declared lag, and quarantine volumes.

`report/html.py` renders them into one self-contained HTML page; `report/__init__.py` writes it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import dagster as dg

from dataops_platform.layers import GOLD, QUARANTINE, SILVER, table_path
from dataops_platform.observability.history import (
    CheckRun,
    Materialization,
    check_runs,
    freshness_hours,
    materializations,
)
from dataops_platform.quality import checks as quality_checks
from dataops_platform.quality.policy import VolumeSpec
from dataops_platform.steps.silver_checks import VOLUME_METRICS

REPORTED_GROUPS = (SILVER, GOLD)
CHARTED_ROWS = (VOLUME_METRICS[0], "rows_written", "dagster/row_count")  # the first one present is charted
TREND_RUNS = 12


@dataclass(frozen=True)
class CheckStatus:
    name: str
    rule: str
    blocking: bool
    latest: CheckRun | None


@dataclass(frozen=True)
class Volume:
    """Rows per run (oldest first) and the anomaly band of the latest run from the runs before it."""

    metric: str
    points: list[tuple[str, float]]
    band: tuple[float, float] | None
    anomalous: bool
    note: str
    sigmas: float = 3.0


@dataclass(frozen=True)
class Freshness:
    lag_hours: float | None
    fail_hours: float | None
    warn_hours: float | None

    @property
    def status(self) -> str:
        if self.lag_hours is None:
            return "NEVER"
        if self.fail_hours is not None and self.lag_hours > self.fail_hours:
            return "FAIL"
        if self.warn_hours is not None and self.lag_hours > self.warn_hours:
            return "WARN"
        return "OK" if self.fail_hours is not None else "NO_POLICY"


@dataclass(frozen=True)
class QuarantineRun:
    label: str
    rows: float
    fraction: float | None


@dataclass(frozen=True)
class TableReport:
    key: str
    description: str
    row_count: float | None
    last_update: float | None
    freshness: Freshness
    checks: list[CheckStatus]
    trend_runs: list[tuple[str, str]]  # (run_id, caption: partition or time), oldest first
    trend: dict[tuple[str, str], str]  # (check, run_id) -> PASS | FAIL | WARN
    volume: Volume
    quarantine: list[QuarantineRun] = field(default_factory=list)
    quarantine_rows: float | None = None
    spark_task_seconds: float | None = None  # executor time of the latest materialization's step

    @property
    def failing(self) -> list[CheckStatus]:
        return [c for c in self.checks if c.latest is not None and not c.latest.passed]

    @property
    def volume_anomaly(self) -> bool:
        """The latest run's volume is anomalous: on the chart of published runs, or by its own check
        (a batch held back by a blocking check never reaches the chart)."""
        flagged = [c for c in self.failing if c.name == "volume_anomaly"]
        return self.volume.anomalous or bool(flagged)


@dataclass(frozen=True)
class QualityReport:
    generated_at: float
    ui_url: str
    tables: list[TableReport]


def _caption(partition: str | None, timestamp: float) -> str:
    """A run's short name on an axis: its partition (MM-DD of a date), else its time."""
    if partition:
        return partition[5:] if len(partition) == 10 and partition[4] == "-" else partition
    return time.strftime("%m-%d %H:%M", time.gmtime(timestamp))


def _label(event: Materialization) -> str:
    return _caption(event.partition, event.timestamp)


def volume(history: list[Materialization], spec: VolumeSpec) -> Volume:
    """The charted series and, like the volume_anomaly check, the band of the latest value."""
    metric = next((m for m in CHARTED_ROWS if any(e.figure(m) is not None for e in history)), CHARTED_ROWS[-1])
    events = [e for e in reversed(history) if e.figure(metric) is not None]  # oldest first
    points = [(_label(e), float(e.figure(metric))) for e in events]
    if not points:
        return Volume(metric, [], None, False, "no materialization yet", spec.max_sigmas)
    past = [{metric: value} for _, value in reversed(points[:-1])]  # newest first, as the check reads it
    outcome = quality_checks.volume_anomaly({metric: points[-1][1]}, past, spec)
    figures = outcome.metadata["metrics"][metric]
    band = tuple(figures["band"]) if "band" in figures else None
    return Volume(metric, points, band, not outcome.passed, figures.get("note", outcome.summary), spec.max_sigmas)


def _freshness(node, last_update: float | None, now: float) -> Freshness:
    lag = (now - last_update) / 3600 if last_update else None
    return Freshness(lag, *freshness_hours(node))


def _trend(runs: list[CheckRun]) -> tuple[list[tuple[str, str]], dict[tuple[str, str], str]]:
    """The most recent runs that evaluated any of the table's checks, and each check's status in them."""
    first: dict[str, CheckRun] = {}
    for run in sorted(runs, key=lambda r: r.timestamp):
        first.setdefault(run.run_id, run)
    recent = sorted(first.values(), key=lambda r: r.timestamp)[-TREND_RUNS:]
    kept = {run.run_id for run in recent}
    cells = {}
    for run in sorted(runs, key=lambda r: r.timestamp):  # a later evaluation in the same run wins
        if run.run_id in kept:
            cells[(run.check, run.run_id)] = run.status
    return [(run.run_id, _caption(run.partition, run.timestamp)) for run in recent], cells


def _quarantine(instance: dg.DagsterInstance, key: dg.AssetKey, silver: list[Materialization], limit: int):
    events = list(reversed(materializations(instance, key, limit=limit)))
    if not events:
        return [], None
    read = {e.run_id: e.figure("rows_read") for e in silver}
    runs = []
    for event in events:
        rows = event.figure("rows_quarantined") or 0
        total = read.get(event.run_id)
        runs.append(QuarantineRun(_label(event), float(rows), rows / total if total else None))
    return runs, events[-1].figure("dagster/row_count")


def _checks(graph, instance: dg.DagsterInstance, node, history: list[Materialization]):
    """Each check's latest result, and all recent evaluations (named by their run's partition)."""
    partitions = {m.run_id: m.partition for m in history}  # checks are not partitioned; their runs are
    statuses, evaluations = [], []
    for check_key in sorted(node.check_keys, key=lambda k: k.name):
        runs = [
            replace(r, partition=r.partition or partitions.get(r.run_id))
            for r in check_runs(instance, check_key, limit=TREND_RUNS)
        ]
        evaluations += runs
        spec = graph.get_check_spec(check_key)
        statuses.append(CheckStatus(check_key.name, spec.description or "", spec.blocking, runs[0] if runs else None))
    return statuses, evaluations


def table_report(graph, instance: dg.DagsterInstance, key: dg.AssetKey, spec: VolumeSpec, now: float) -> TableReport:
    node = graph.get(key)
    history = materializations(instance, key, limit=spec.history + 1)
    latest = history[0] if history else None
    statuses, evaluations = _checks(graph, instance, node, history)
    trend_runs, cells = _trend(evaluations)
    quarantine_key = dg.AssetKey(table_path(QUARANTINE, key.path[-1]))
    quarantine, quarantine_rows = (
        _quarantine(instance, quarantine_key, history, spec.history) if graph.has(quarantine_key) else ([], None)
    )
    return TableReport(
        key=key.to_user_string(),
        description=node.description or "",
        row_count=latest.figure("dagster/row_count") if latest else None,
        last_update=latest.timestamp if latest else None,
        freshness=_freshness(node, latest.timestamp if latest else None, now),
        checks=statuses,
        trend_runs=trend_runs,
        trend=cells,
        volume=volume(history, spec),
        quarantine=quarantine,
        quarantine_rows=quarantine_rows,
        spark_task_seconds=latest.figure("spark_task_seconds") if latest else None,
    )


def volume_policy(node) -> VolumeSpec:
    """The table's declared volume policy (silver assets carry their `quality_policy`)."""
    policy = node.metadata.get("quality_policy")
    return VolumeSpec.model_validate(policy.value["volume"]) if policy is not None else VolumeSpec()


def build_report(graph, instance: dg.DagsterInstance, ui_url: str, now: float | None = None) -> QualityReport:
    """Figures of every silver and gold table of the asset graph (the code location's own, in
    the report asset; the definitions', in the CLI)."""
    now = now or time.time()
    keys = [k for k in graph.get_all_asset_keys() if graph.get(k).group_name in REPORTED_GROUPS]
    keys.sort(key=lambda k: (REPORTED_GROUPS.index(graph.get(k).group_name), k.to_user_string()))
    tables = [table_report(graph, instance, k, volume_policy(graph.get(k)), now) for k in keys]
    return QualityReport(now, ui_url, tables)
