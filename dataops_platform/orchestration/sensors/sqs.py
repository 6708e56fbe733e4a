"""Intake sensor on the intake bucket's S3 event notifications (SQS): runs within seconds.

Notifications are at-least-once, unordered and can be lost, so this sensor only makes intake
faster: the listing sensors stay on and remain the reconciliation. A duplicate event asks for
nothing (the identity was requested recently, or is in bronze); an event for a version that was
overwritten meanwhile is skipped by the bronze run, whose successor has its own event.

Delete policy: a tick deletes the messages that the *previous* tick received. The daemon
stores a tick's cursor together with its run requests before submitting them, and only then
evaluates the next tick; so a message is deleted only after its run request is recorded. If a
tick fails before that, its messages become visible again after the visibility timeout.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

import dagster as dg

from dataops_platform.orchestration.resources.lake import LakeResource
from dataops_platform.orchestration.sensors.cursor import JsonCursor
from dataops_platform.orchestration.sensors.ingest import INGEST_JOB, IngestTarget, sensor_result
from dataops_platform.storage.intake import safety_problem

RECEIVE_CALLS = 10  # per tick, 10 messages each
VISIBILITY_SECONDS = 300  # a received message stays hidden this long unless deleted
RECENT_SECONDS = 3600.0  # identities requested this recently are not requested again


@dataclass
class QueueState(JsonCursor):
    """The SQS sensor's cursor."""

    seq: int = 0  # ticks that requested runs; part of each run_key
    delete: list[str] = field(default_factory=list)  # receipt handles of the previous tick's messages
    recent: dict[str, float] = field(default_factory=dict)  # "key\tversion" -> requested at


def created_objects(body: str) -> list[tuple[str, str, str]]:
    """(bucket, key, etag) of each ObjectCreated record of an S3 event message (also via SNS)."""
    try:
        message = json.loads(body)
        if "Records" not in message and isinstance(message.get("Message"), str):
            message = json.loads(message["Message"])  # S3 -> SNS -> SQS
    except (json.JSONDecodeError, AttributeError):
        return []
    found = []
    for record in message.get("Records", []) if isinstance(message, dict) else []:
        if str(record.get("eventName", "")).startswith("ObjectCreated:"):
            s3 = record.get("s3", {})
            obj = s3.get("object", {})
            found.append((s3.get("bucket", {}).get("name", ""), unquote_plus(obj.get("key", "")), obj.get("eTag", "")))
    return found


def _delete(sqs, queue_url: str, handles: list[str], log) -> None:
    for start in range(0, len(handles), 10):
        entries = [{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(handles[start : start + 10])]
        failed = sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries).get("Failed", [])
        if failed:  # e.g. an expired handle: the message comes back and is recognised as a duplicate
            log.info(f"{len(failed)} message(s) not deleted: {failed[0].get('Message', failed[0].get('Code'))}")


def _receive(sqs, queue_url: str) -> list[dict]:
    messages = []
    for _ in range(RECEIVE_CALLS):
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=VISIBILITY_SECONDS
        ).get("Messages", [])
        messages += batch
        if not batch:
            break
    return messages


def _new_files(
    messages: list[dict], targets: list[IngestTarget], lake: LakeResource, state: QueueState, now: float, log
) -> dict[str, list[tuple[str, str]]]:
    """(key, version) per dataset of the messages' new files: unsafe keys are logged and skipped;
    duplicates (requested recently, or already in bronze) are dropped."""
    intake, bronze = lake.intake_store, lake.bronze
    found: dict[str, list[tuple[str, str]]] = {}
    for bucket, full_key, etag in (record for m in messages for record in created_objects(m.get("Body", ""))):
        if bucket != getattr(intake, "bucket", None) or not full_key.startswith(intake.prefix):
            continue
        key = full_key[len(intake.prefix) :]
        problem = safety_problem(key)
        if problem:
            log.warning(problem)
            continue
        target = next((t for t in targets if t.accepts(key)), None)
        version = etag.strip('"') or getattr(intake.head(key), "version", "")
        identity = f"{key}\t{version}"
        if target is None or not version or identity in state.recent:
            continue
        if bronze.ledger(target.declaration.source, target.declaration.name).contains(key, version):
            continue
        state.recent[identity] = now
        found.setdefault(target.declaration.name, []).append((key, version))
    return found


def sqs_sensor(targets: list[IngestTarget], queue_url: str, interval_seconds: int = 5) -> dg.SensorDefinition:
    """One sensor for the whole intake bucket: each event is routed to the dataset it matches."""
    by_name = {target.declaration.name: target for target in targets}

    @dg.sensor(
        name="intake_sqs",
        job_name=INGEST_JOB,
        minimum_interval_seconds=interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Reads the intake bucket's S3 event notifications from SQS and requests bronze runs.",
    )
    def _sensor(context: dg.SensorEvaluationContext, lake: LakeResource) -> dg.SensorResult:
        state = QueueState.from_cursor(context.cursor)
        now = time.time()
        sqs = lake.aws("sqs")
        _delete(sqs, queue_url, state.delete, context.log)  # the previous tick's: their requests are recorded
        messages = _receive(sqs, queue_url)
        state.recent = {k: at for k, at in state.recent.items() if at > now - RECENT_SECONDS}
        found = _new_files(messages, targets, lake, state, now, context.log)
        state.delete = [m["ReceiptHandle"] for m in messages]
        requests = []
        for name, files in found.items():
            requests += by_name[name].run_requests(files, now, state.seq, "sqs", context)
        state.seq += bool(requests)
        return sensor_result(requests, state.to_cursor(), f"no new file in {len(messages)} message(s)")

    return _sensor
