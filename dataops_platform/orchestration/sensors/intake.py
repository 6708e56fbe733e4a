"""Intake sensors: files landing in a dataset's intake location become bronze runs.

One listing sensor per dataset (its own cursor and tick history, so a failing dataset does not
hold back the others), built by the Dataset component; when a queue is configured, one SQS
sensor for the whole intake bucket (sensors/sqs.py) joins them. The listing sensors stay on
with SQS: they are the reconciliation.
"""

from __future__ import annotations

import time

import dagster as dg

from dataops_platform.orchestration.resources.lake import LakeResource
from dataops_platform.orchestration.sensors.ingest import IngestTarget, sensor_result
from dataops_platform.orchestration.sensors.listing import ListingPolicy, ListingState, scan

SQS_HEAD_START_SECONDS = 120.0  # with SQS, listing leaves files this young to the SQS sensor


def listing_sensor(target: IngestTarget, interval_seconds: int, policy: ListingPolicy) -> dg.SensorDefinition:
    """The listing sensor of one dataset (see sensors/listing.py for the scan and its cursor)."""
    declaration = target.declaration

    @dg.sensor(
        name=f"intake_{declaration.name}",
        job_name=target.job_name,
        minimum_interval_seconds=interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Lists `{declaration.intake.prefix}{declaration.intake.pattern}` in bounded pages and "
        "requests a bronze run for files not in bronze yet.",
    )
    def _sensor(context: dg.SensorEvaluationContext, lake: LakeResource) -> dg.SensorResult:
        state = ListingState.from_cursor(context.cursor)
        now = time.time()
        ledger = lake.bronze.ledger(declaration.source, declaration.name)
        found = scan(lake.intake_store, ledger, declaration.intake.prefix, target.accepts, state, policy, now)
        for problem in found.rejected:
            context.log.warning(problem)
        requests = target.run_requests([(f.key, f.version) for f in found.new], now, state.seq, "listing", context)
        state.seq += bool(requests)
        return sensor_result(requests, state.to_cursor(), f"no new file ({found.list_calls} list calls)")

    return _sensor


def listing_policy(queue_url: str | None) -> ListingPolicy:
    """With an SQS queue, listing leaves the youngest files to the SQS sensor."""
    return ListingPolicy(min_age_seconds=SQS_HEAD_START_SECONDS if queue_url else 0.0)
