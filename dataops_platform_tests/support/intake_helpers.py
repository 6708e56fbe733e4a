"""Helpers for sensor tests: evaluate a tick, then launch its run requests as the daemon would."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import dagster as dg
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.execution.api import execute_run
from dagster._core.storage.tags import PARTITION_NAME_TAG, RUN_KEY_TAG, SENSOR_NAME_TAG

from dataops_platform.settings import Settings
from dataops_platform_tests.support.s3_server import REGION


def s3_settings(s3, tmp_path: Path, **overrides) -> Settings:
    """Settings of a platform on the test's moto buckets (partitions start 10 days ago)."""
    today = dt.datetime.now(dt.timezone.utc).date()
    values = dict(
        intake_root=s3.intake_root,
        lake_root=s3.lake_root,
        aws_endpoint_url=s3.endpoint,
        aws_region=REGION,
        cache_dir=str(tmp_path / "cache"),
        partitions_start=(today - dt.timedelta(days=10)).isoformat(),
    )
    return Settings(**{**values, **overrides})


def tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, defs: dg.Definitions, cursor: str | None):
    """One evaluation of `sensor` from `cursor` (SensorExecutionData: run_requests, cursor, skip_message)."""
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, definitions=defs, resources=defs.resources, sensor_name=sensor.name
    )
    return sensor.evaluate_tick(context)


def submit(defs: dg.Definitions, instance: dg.DagsterInstance, sensor_name: str, requests) -> tuple[list, list[str]]:
    """Create a run per request unless a run with its run_key exists: the daemon's dedup, on the
    real instance's run records. Returns (runs created, run keys skipped)."""
    runs, skipped = [], []
    for request in requests:
        tags = {RUN_KEY_TAG: request.run_key, SENSOR_NAME_TAG: sensor_name}
        if instance.get_run_records(dg.RunsFilter(tags=tags), limit=1):
            skipped.append(request.run_key)
            continue
        job = defs.resolve_job_def(request.job_name)
        runs.append(
            instance.create_run_for_job(
                job_def=job,
                run_config=request.run_config,
                asset_selection=set(request.asset_selection or []) or None,
                tags={**request.tags, **tags, PARTITION_NAME_TAG: request.partition_key},
            )
        )
    return runs, skipped


def execute(defs: dg.Definitions, instance: dg.DagsterInstance, runs) -> list:
    """Execute submitted runs, as a run worker does."""
    results = [execute_run(InMemoryJob(defs.resolve_job_def(run.job_name)), run, instance) for run in runs]
    assert all(r.success for r in results)
    return results


def launch(defs: dg.Definitions, instance: dg.DagsterInstance, sensor_name: str, requests) -> tuple[list, list[str]]:
    """Submit, then execute (returns the execution results and the run keys skipped)."""
    runs, skipped = submit(defs, instance, sensor_name, requests)
    return execute(defs, instance, runs), skipped


def bronze_identities(store, source: str, dataset: str, days) -> Counter:
    """How many bronze copies each (intake key, version) has across `days`."""
    return Counter(f.identity for day in days for f in store.partition_files(source, dataset, day))
