"""What the Dagster instance holds about an asset: recent materializations and check results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import dagster as dg
from dagster._core.storage.asset_check_execution_record import COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES

from dataops_platform.observability.alerts.events import plain_metadata


def iso(timestamp: float | None) -> str | None:
    """A UTC ISO-8601 timestamp (seconds), or None."""
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Materialization:
    timestamp: float
    run_id: str
    partition: str | None
    metadata: dict[str, Any]

    def figure(self, *names: str) -> float | None:
        """The first of `names` present as a number in the metadata."""
        for name in names:
            value = self.metadata.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return value
        return None


@dataclass(frozen=True)
class CheckRun:
    check: str
    passed: bool
    severity: str
    summary: str
    timestamp: float
    run_id: str
    partition: str | None
    metadata: dict[str, Any]

    @property
    def status(self) -> str:
        return "PASS" if self.passed else ("FAIL" if self.severity == "ERROR" else "WARN")


def materializations(instance: dg.DagsterInstance, key: dg.AssetKey, limit: int = 30) -> list[Materialization]:
    """The asset's latest materializations, newest first."""
    records = instance.fetch_materializations(key, limit=limit).records
    return [
        Materialization(r.timestamp, r.run_id, r.partition_key, plain_metadata(r.asset_materialization.metadata))
        for r in records
        if r.asset_materialization is not None
    ]


def latest_observation(instance: dg.DagsterInstance, key: dg.AssetKey) -> Materialization | None:
    """The asset's latest observation (external assets such as intake folders), if any."""
    records = instance.fetch_observations(key, limit=1).records
    for r in records:
        observation = r.event_log_entry.asset_observation
        metadata = plain_metadata(observation.metadata) if observation else {}
        return Materialization(r.timestamp, r.run_id, r.partition_key, metadata)
    return None


def check_runs(instance: dg.DagsterInstance, key: dg.AssetCheckKey, limit: int = 20) -> list[CheckRun]:
    """The check's latest completed evaluations, newest first."""
    records = instance.event_log_storage.get_asset_check_execution_history(
        key, limit=limit, status=COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES
    )
    runs = []
    for record in records:
        evaluation = record.event.dagster_event.event_specific_data if record.event else None
        if evaluation is None:
            continue
        metadata = plain_metadata(evaluation.metadata)
        runs.append(
            CheckRun(
                key.name,
                evaluation.passed,
                evaluation.severity.value,
                evaluation.description or str(metadata.get("summary", "")),
                record.event.timestamp,
                record.run_id,
                record.partition,
                metadata,
            )
        )
    return runs


def freshness_hours(node) -> tuple[float | None, float | None]:
    """(fail after, warn after) hours of an asset node's time-window freshness policy."""
    policy = node.freshness_policy

    def hours(name: str) -> float | None:
        window = getattr(policy, name, None)
        return round(window.to_timedelta().total_seconds() / 3600, 2) if window else None

    return hours("fail_window"), hours("warn_window")
