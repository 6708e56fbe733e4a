"""Fault: the S3 endpoint dies, stops answering, or loses a response in the middle of a bronze
run (a proxy between the platform and the moto server, on loopback).

Kept: every file copied before the fault, recorded in the ledger. Lost: nothing. An outage
shorter than the step retry policy heals by itself: the step is retried with backoff and the run
succeeds with every file exactly once. A longer one fails the run once the policy is exhausted,
with one clear error naming the endpoint, the operation and the object, and the re-executed run
copies every file exactly once."""

from __future__ import annotations

import datetime as dt
import threading

import dagster as dg
import pytest
from deltalake import DeltaTable

from dataops_platform.definitions import build_definitions
from dataops_platform.orchestration import retries
from dataops_platform.orchestration.resources.lake import LakeResource
from dataops_platform.orchestration.sensors.alerts import run_failure_alert_sensor
from dataops_platform.orchestration.sensors.ingest import INGEST_JOB
from dataops_platform.settings import AlertSettings
from dataops_platform.storage import s3 as s3_module
from dataops_platform_tests.support.faults_support import (
    CHILD_TIMEOUT,
    DIE,
    DROP_RESPONSE,
    LOSE_RESPONSE,
    PASS,
    FaultProxy,
    report,
    wait_for,
)
from dataops_platform_tests.support.intake_helpers import bronze_identities, s3_settings
from dataops_platform_tests.support.s3_server import REGION

TODAY = dt.datetime.now(dt.timezone.utc).date()
FILES = [f"crm/customers/c{i}.csv" for i in range(4)]
FAULTY = "c2.csv"  # the fault hits the ledger entry of the third file


@pytest.fixture
def platform(s3, tmp_path, monkeypatch):
    """The platform's bronze asset reaching moto through a fault proxy, with short timeouts."""
    monkeypatch.setattr(s3_module, "CONNECT_TIMEOUT", 1)  # the production values are checked below;
    monkeypatch.setattr(s3_module, "READ_TIMEOUT", 1)  # a test waits 1 s per attempt, not 15
    monkeypatch.setattr(retries, "DELAY_SECONDS", 0.5)  # step retries after ~0.5, 1.5, 3.5, 7.5 s, not 10-150
    proxy = FaultProxy(s3.endpoint)
    defs = build_definitions(s3_settings(s3, tmp_path, aws_endpoint_url=proxy.endpoint))
    job = defs.resolve_job_def(INGEST_JOB).get_subset(asset_selection={CUSTOMERS_BRONZE})
    files = []
    for i, key in enumerate(FILES):
        etag = s3.client.put_object(Bucket=s3.intake_bucket, Key=f"landing/{key}", Body=b"customer_id\nC%d\n" % i)[
            "ETag"
        ]
        files.append({"key": key, "version": etag.strip('"')})
    with dg.instance_for_test() as instance:
        yield proxy, defs, job, instance, files
    proxy.stop()


CUSTOMERS_BRONZE = dg.AssetKey(["bronze", "customers"])


def run_bronze(job, instance, files) -> dg.ExecuteInJobResult:
    """The run an intake sensor would request for these files."""
    config = {"ops": {"bronze__customers": {"config": {"files": files}}}}
    return job.execute_in_process(
        run_config=config, partition_key=TODAY.isoformat(), instance=instance, raise_on_error=False
    )


def test_a_dead_endpoint_fails_a_call_in_seconds_not_minutes(s3):
    config = s3_module.aws_client("s3", "http://127.0.0.1:9", "us-east-1").meta.config
    assert (config.connect_timeout, config.read_timeout, config.retries) == (
        5,
        15,
        {"mode": "standard", "total_max_attempts": 3},
    )
    proxy = FaultProxy(s3.endpoint)
    proxy.stop()  # nothing listens there any more: delta-rs gives up after 3 retries, naming the request
    with pytest.raises(OSError, match=rf"GET {proxy.endpoint}/{s3.lake_bucket}/t/_delta_log/.* after 3 retries"):
        DeltaTable(f"s3://{s3.lake_bucket}/t", storage_options=s3_module.delta_storage_options(proxy.endpoint, REGION))


@pytest.mark.parametrize("fault", [DIE, LOSE_RESPONSE, DROP_RESPONSE])
def test_s3_fault_mid_ingest_fails_clearly_and_the_retry_ingests_every_file_once(fault, platform, s3):
    proxy, defs, job, instance, files = platform
    ledger_put = lambda method, path: method == "PUT" and "/_ledger/" in path and FAULTY in path  # noqa: E731
    faulted = []
    proxy.rule = lambda method, path: (
        (faulted.append(path) or fault) if ledger_put(method, path) and not faulted else PASS
    )

    first = run_bronze(job, instance, files)
    store = LakeResource(
        lake_root=s3.lake_root, intake_root=s3.intake_root, endpoint_url=s3.endpoint, region=REGION
    ).bronze  # what the lake holds, read past the proxy
    after_fault = bronze_identities(store, "crm", "customers", [TODAY])
    if fault == DROP_RESPONSE:  # a lost response, then the endpoint answers again: botocore retries
        assert first.success and sorted(k for k, _ in after_fault) == FILES and set(after_fault.values()) == {1}
        report(
            "S3 loses the response of a ledger PUT (the entry was written), then answers again",
            "the run succeeds; all 4 files exactly once (the retried PUT's 412 is recognised as its own)",
            "nothing (before the fix the copy was deleted while the ledger kept it: file lost)",
        )
        return
    assert not first.success  # the endpoint stayed down through every retry of the policy
    retried = _retried(first)
    assert len(retried) == retries.MAX_RETRIES
    message = retried[0].event_specific_data.error.cause.message  # the first attempt's error, as the UI shows it
    assert "StoreUnavailable" in message and f"S3 endpoint {proxy.endpoint} did not answer PutObject" in message
    assert f"s3://{s3.lake_bucket}/lake/_ledger/source=crm/dataset=customers/crm/customers/{FAULTY}" in message
    assert "gave up after 3 attempts" in message and "stopped after 2 of 4 file(s)" in message
    assert "Retrying the run is safe" in message
    [failure] = first.get_step_failure_events()
    error = failure.step_failure_data.error  # the run fails once the policy is exhausted, naming the cause
    assert f"Exceeded max_retries of {retries.MAX_RETRIES}" in error.message
    assert "StoreUnavailable: bronze ingest stopped after 0 of 4 file(s)" in error.cause.message
    assert f"S3 endpoint {proxy.endpoint} did not answer" in error.cause.message
    assert sorted(k for k, _ in after_fault) == FILES[:2]  # copied before the fault: kept and visible

    proxy.recover()
    retry = run_bronze(job, instance, files)
    assert retry.success
    copies = bronze_identities(store, "crm", "customers", [TODAY])
    assert sorted(copies) == sorted((f["key"], f["version"]) for f in files) and set(copies.values()) == {1}
    ledger = store.ledger("crm", "customers")
    assert all(ledger.contains(f["key"], f["version"]) for f in files)
    report(
        f"S3 endpoint {'dies' if fault == DIE else 'stops answering'} at the ledger PUT of file 3/4, for good",
        f"files 1-2 in bronze and the ledger; after {retries.MAX_RETRIES} step retries the run failed with: "
        f"{message.splitlines()[0][:300]}",
        "nothing: the retry copied files 3-4 (file 3's copy "
        f"{'repaired: its ledger entry had landed' if fault == LOSE_RESPONSE else 'made again'}), each once",
    )


def _retried(result) -> list:
    return [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]


def _recover_after_retries(proxy: FaultProxy, instance: dg.DagsterInstance, failed_attempts: int) -> threading.Thread:
    """Bring the endpoint back once the step has failed `failed_attempts` times (its retry events)."""

    def watch() -> None:
        def retried() -> int:
            runs = instance.get_runs()
            if not runs:
                return 0
            of_type = dg.DagsterEventType.STEP_UP_FOR_RETRY
            return len(instance.get_records_for_run(runs[0].run_id, of_type=of_type).records)

        wait_for(lambda: retried() >= failed_attempts, CHILD_TIMEOUT, f"{failed_attempts} step retries")
        proxy.recover()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_an_outage_shorter_than_the_retry_policy_heals_by_itself(platform, s3, tmp_path):
    proxy, defs, job, instance, files = platform
    ledger_put = lambda method, path: method == "PUT" and "/_ledger/" in path and FAULTY in path  # noqa: E731
    proxy.rule = lambda method, path: DIE if ledger_put(method, path) else PASS  # then down until recovered
    down_for = 2  # failed attempts: longer than one attempt, shorter than the policy (1 + MAX_RETRIES)
    watcher = _recover_after_retries(proxy, instance, down_for)

    result = run_bronze(job, instance, files)
    watcher.join(5)

    assert result.success  # by itself: nobody re-executed anything
    assert len(_retried(result)) == down_for < retries.MAX_RETRIES and result.get_step_failure_events() == []
    store = LakeResource(
        lake_root=s3.lake_root, intake_root=s3.intake_root, endpoint_url=s3.endpoint, region=REGION
    ).bronze
    copies = bronze_identities(store, "crm", "customers", [TODAY])
    assert sorted(copies) == sorted((f["key"], f["version"]) for f in files) and set(copies.values()) == {1}
    assert all(store.ledger("crm", "customers").contains(f["key"], f["version"]) for f in files)
    alerts = tmp_path / "alerts.jsonl"
    sensor = run_failure_alert_sensor(AlertSettings(alerts_file=str(alerts)))
    sensor(dg.build_sensor_context(instance=instance))
    assert not alerts.exists()  # a healed run is not a failure: nobody is paged
    report(
        f"S3 endpoint dies at the ledger PUT of file 3/4 and stays down through {down_for} attempts of the step",
        "the run succeeded by itself on attempt 3 (step retry policy, backoff with jitter); all 4 files exactly "
        "once in bronze and the ledger; no alert",
        "nothing",
    )
