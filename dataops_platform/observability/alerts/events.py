"""Failures in the event log, read after a cursor: finished runs, their failed checks and steps.

The cursor is the event log storage id of the last run-status event handled (RUN_SUCCESS,
RUN_FAILURE, RUN_CANCELED are stored with a global id even on the embedded SQLite storage).
A run is read once it has finished, so each of its failures becomes exactly one alert.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from dataops_platform.observability.alerts.alert import Alert, key_figures, pass_key
from dataops_platform.settings import AlertSettings

FINISHED = (dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.RUN_FAILURE, dg.DagsterEventType.RUN_CANCELED)
FIRST_TICK_LOOKBACK_SECONDS = 24 * 3600  # without a cursor, only recent runs (no flood of old failures)
BATCH = 50
CHECK_FAILED_ERROR = "DagsterAssetCheckFailedError"  # a step stopped by a failed blocking check
HELD_BACK_ERROR = "BatchHeldBack"  # a silver batch held back by a failed blocking check (its own alert)


@dataclass(frozen=True)
class FinishedRun:
    storage_id: int
    run_id: str
    status: dg.DagsterEventType
    timestamp: float
    event: Any  # the run-status DagsterEvent


def finished_runs(
    instance: dg.DagsterInstance, cursor: int | None, statuses, now: float, limit: int = BATCH
) -> tuple[list[FinishedRun], int | None]:
    """Runs that finished with one of `statuses` after the cursor, oldest first, and the new cursor."""
    after_ts = None if cursor is not None else now - FIRST_TICK_LOOKBACK_SECONDS
    records, bound = [], math.inf
    for status in statuses:
        found = instance.fetch_run_status_changes(
            dg.RunStatusChangeRecordsFilter(event_type=status, after_storage_id=cursor, after_timestamp=after_ts),
            limit=limit,
            ascending=True,
        ).records
        records += found
        if len(found) == limit:  # more of this status remain: stop where this batch ends
            bound = min(bound, found[-1].storage_id)
    records = sorted((r for r in records if r.storage_id <= bound), key=lambda r: r.storage_id)
    runs = [
        FinishedRun(
            r.storage_id,
            r.run_id,
            r.event_log_entry.dagster_event.event_type,
            r.timestamp,
            r.event_log_entry.dagster_event,
        )
        for r in records
    ]
    return runs, (runs[-1].storage_id if runs else cursor)


def _events(instance: dg.DagsterInstance, run_id: str, event_type: dg.DagsterEventType) -> list:
    records = instance.get_records_for_run(run_id, of_type=event_type).records
    return [r.event_log_entry for r in records]


def _partition(tags: dict[str, str]) -> str:
    if "dagster/partition" in tags:
        return tags["dagster/partition"]
    start, end = tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end")
    return f"{start}...{end}" if start and end else ""


def _job_name(dagster_run) -> str:
    """The job a person launched; Dagster's implicit asset jobs (`__ASSET_JOB`...) say nothing."""
    name = dagster_run.job_name if dagster_run else ""
    return "" if name.startswith("__") else name


def _run_context(instance: dg.DagsterInstance, run: FinishedRun, settings: AlertSettings) -> dict[str, Any]:
    dagster_run = instance.get_run_by_id(run.run_id)
    tags = dict(dagster_run.tags) if dagster_run else {}
    return {
        "run_id": run.run_id,
        "run_url": settings.run_url(run.run_id),
        "job": _job_name(dagster_run),
        "partition": _partition(tags),
    }


def plain_metadata(metadata: dict) -> dict[str, Any]:
    """Dagster MetadataValues -> plain Python values."""
    return {k: getattr(v, "value", v) for k, v in metadata.items()}


@dataclass(frozen=True)
class Passed:
    """A passing evaluation: it resolves the open incident with this resolution key."""

    key: str
    run_id: str
    timestamp: float


@dataclass
class RunOutcomes:
    """What one finished run says to a sensor: its failures (alerts) and what passed."""

    alerts: list[Alert] = field(default_factory=list)
    passed: list[Passed] = field(default_factory=list)


def check_outcomes(instance: dg.DagsterInstance, run: FinishedRun, settings: AlertSettings) -> RunOutcomes:
    """One alert per failed check evaluation of the run (ERROR always, WARN when configured),
    and every passing evaluation."""
    outcomes = RunOutcomes()
    for entry in _events(instance, run.run_id, dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data
        severity = evaluation.severity.value
        asset = evaluation.asset_key.to_user_string()
        target = f"{asset}:{evaluation.check_name}"
        if evaluation.passed:
            outcomes.passed.append(Passed(pass_key("check_failed", target), run.run_id, entry.timestamp))
        if evaluation.passed or (severity != "ERROR" and not settings.alert_on_warn):
            continue
        metadata = plain_metadata(evaluation.metadata)
        outcomes.alerts.append(
            Alert(
                kind="check_failed",
                severity=severity,
                title=f"Check failed: {target}",
                summary=evaluation.description or str(metadata.get("summary", "")),
                timestamp=entry.timestamp,
                asset=asset,
                check=evaluation.check_name,
                figures=key_figures(metadata),
                target=target,
                failure=severity,
                **_run_context(instance, run, settings),
            )
        )
    return outcomes


def check_alerts(instance: dg.DagsterInstance, run: FinishedRun, settings: AlertSettings) -> list[Alert]:
    """One alert per failed check evaluation of the run: ERROR always, WARN when configured."""
    return check_outcomes(instance, run, settings).alerts


def run_outcomes(instance: dg.DagsterInstance, run: FinishedRun, settings: AlertSettings) -> RunOutcomes:
    """A failed run's alert, and what passed: each step that succeeded, the job when the run did."""
    outcomes = RunOutcomes()
    if run.status == dg.DagsterEventType.RUN_FAILURE:
        alert = run_failure_alert(instance, run, settings)
        outcomes.alerts += [alert] if alert else []
    steps = [e.step_key for e in _events(instance, run.run_id, dg.DagsterEventType.STEP_SUCCESS)]
    if run.status == dg.DagsterEventType.RUN_SUCCESS:
        steps.append(_job_name(instance.get_run_by_id(run.run_id)))
    outcomes.passed = [Passed(pass_key("run_failed", s), run.run_id, run.timestamp) for s in steps if s]
    return outcomes


WRAPPERS = ("Dagster", "RetryRequested")  # Dagster's wrappers of the user's error (an exhausted retry policy)


def failure_kind(error) -> str:
    """The class of the first error that is not a Dagster wrapper (e.g. StoreUnavailable)."""
    while error is not None and error.cls_name and error.cls_name.startswith(WRAPPERS) and error.cause is not None:
        error = error.cause
    return error.cls_name if error is not None and error.cls_name else "error"


def _root_message(error) -> str:
    """The first line of the innermost cause (the user's exception, not Dagster's wrapper)."""
    while error.cause is not None:
        error = error.cause
    lines = [line for line in error.message.splitlines() if line.strip()]
    return lines[0].strip() if lines else error.cls_name


def run_failure_alert(instance: dg.DagsterInstance, run: FinishedRun, settings: AlertSettings) -> Alert | None:
    """An alert for a failed run, unless every failed step was stopped by a failed blocking check
    (those are reported, with their figures, by the check alerts)."""
    steps = _events(instance, run.run_id, dg.DagsterEventType.STEP_FAILURE)
    all_errors = [(e.step_key, e.dagster_event.event_specific_data.error) for e in steps]
    errors = [
        (step, err)
        for step, err in all_errors
        if err is None or err.cls_name not in (CHECK_FAILED_ERROR, HELD_BACK_ERROR)
    ]
    if all_errors and not errors:
        return None
    failure = run.event.event_specific_data
    if errors:
        step, error = errors[0]
        summary = f"step {step}: {_root_message(error)}" if error else f"step {step} failed"
    elif failure is not None and failure.error is not None:
        summary = _root_message(failure.error)
    else:
        summary = run.event.message or "run failed"
    reason = getattr(getattr(failure, "failure_reason", None), "value", "")
    figures = [f"failed steps: {', '.join(step for step, _ in errors)}"] if errors else []
    figures += [f"failure reason: {reason}"] if reason else []
    context = _run_context(instance, run, settings)
    root = errors[0][1] if errors else getattr(failure, "error", None)
    return Alert(
        kind="run_failed",
        severity="ERROR",
        title=f"Run failed: {run.run_id[:8]}" + (f" ({errors[0][0]})" if errors else ""),
        summary=summary,
        timestamp=run.timestamp,
        figures=figures,
        target=errors[0][0] if errors else (context["job"] or "run"),
        failure=failure_kind(root) if root is not None else (reason or "error"),
        **context,
    )
