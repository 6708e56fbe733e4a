"""Fault: the run process is SIGKILLed in the middle of the silver write to an S3 lake: with the
new data files uploaded and the Delta commit held by a proxy (before the commit), or with the
commit stored and its response held (after the commit, before the quarantine write).

Kept: the previous table version, intact and the only one readers see (or the new version, if
the commit landed). Lost: nothing; the retried step converges to the same rows as an
uninterrupted run on a fresh lake with the same bronze files."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from deltalake import DeltaTable

from dataops_platform import demo_data
from dataops_platform.orchestration.resources.lake import LakeResource
from dataops_platform.steps.bronze import ingest_day
from dataops_platform_tests.support.faults_support import (
    HOLD,
    HOLD_RESPONSE,
    PASS,
    Child,
    FaultProxy,
    customers_declaration,
    report,
)
from dataops_platform_tests.support.s3_server import REGION
from dataops_platform_tests.support.silver_steps import process_silver_day

DAYS = [dt.date(2026, 11, 10), dt.date(2026, 11, 11)]
CUSTOMERS = customers_declaration()


def lake_of(s3, intake, prefix: str, endpoint: str, cache) -> LakeResource:
    return LakeResource(
        lake_root=f"s3://{s3.lake_bucket}/{prefix}",
        intake_root=str(intake),
        endpoint_url=endpoint,
        region=REGION,
        cache_dir=str(cache),
    )


def silver_day(spark, lake: LakeResource, day: dt.date) -> None:
    process_silver_day(
        spark, lake.bronze, CUSTOMERS, day, lake.silver_uri("customers"), lake.quarantine_uri("customers"), lake.tables
    )


def snapshot(lake: LakeResource, layer_uri: str) -> tuple[int, list]:
    """(version, sorted rows) of a table as delta-rs readers see it."""
    table = DeltaTable(layer_uri, storage_options=lake.storage_options)
    rows = table.to_pyarrow_table().to_pylist()
    return table.version(), sorted(rows, key=lambda r: sorted((k, str(v)) for k, v in r.items()))


def copy_prefix(s3, source: str, target: str) -> None:
    """Server-side copy of a lake prefix: the second lake gets the very same bronze files."""
    for page in s3.client.get_paginator("list_objects_v2").paginate(Bucket=s3.lake_bucket, Prefix=source):
        for item in page.get("Contents", []):
            s3.client.copy_object(
                Bucket=s3.lake_bucket,
                Key=target + item["Key"][len(source) :],
                CopySource={"Bucket": s3.lake_bucket, "Key": item["Key"]},
            )


@pytest.mark.slow
@pytest.mark.parametrize("point", ["before_commit", "after_commit"])
def test_a_silver_run_killed_mid_write_keeps_the_previous_version_and_its_retry_converges(point, s3, spark, tmp_path):
    intake = tmp_path / "intake"
    demo_data.generate(intake, rows=300, days=len(DAYS), start_date=DAYS[0], seed=11)
    killed, fresh = (lake_of(s3, intake, name, s3.endpoint, tmp_path / "cache") for name in ("killed", "fresh"))
    for day in DAYS:
        ingest_day(killed.bronze, intake, CUSTOMERS, day)
    copy_prefix(s3, "killed/", "fresh/")
    silver_uri, quarantine_uri = killed.silver_uri("customers"), killed.quarantine_uri("customers")
    silver_day(spark, killed, DAYS[0])
    before = snapshot(killed, silver_uri), snapshot(killed, quarantine_uri)

    proxy = FaultProxy(s3.endpoint)
    commit = re.compile(r"/killed/silver/customers/_delta_log/\d+\.json$")
    fate = HOLD if point == "before_commit" else HOLD_RESPONSE
    proxy.rule = lambda method, path: fate if method == "PUT" and commit.search(path) else PASS
    child_lake = lake_of(s3, intake, "killed", proxy.endpoint, tmp_path / "child-cache")
    args = {"lake": child_lake.model_dump(), "day": DAYS[1].isoformat()}
    try:
        Child("silver", args).kill_when(lambda: bool(proxy.held), f"the silver commit to be held ({fate})")
    finally:
        proxy.stop()  # a held commit is dropped, never delivered after the kill

    for day in DAYS:  # the uninterrupted run, on a fresh lake with the same bronze files
        silver_day(spark, fresh, day)
    expected = snapshot(fresh, fresh.silver_uri("customers"))[1], snapshot(fresh, fresh.quarantine_uri("customers"))[1]
    after_kill = snapshot(killed, silver_uri), snapshot(killed, quarantine_uri)
    table = DeltaTable(silver_uri, storage_options=killed.storage_options)
    listed = s3.client.list_objects_v2(Bucket=s3.lake_bucket, Prefix="killed/silver/customers/")["Contents"]
    parquet = {f"s3://{s3.lake_bucket}/{o['Key']}" for o in listed if o["Key"].endswith(".parquet")}
    orphans = parquet - set(table.file_uris())
    if point == "before_commit":
        assert after_kill == before  # same version, same rows: the new data files are not part of any version
        assert orphans, "the kill was meant to land after the data files were uploaded"
        assert sorted(r["customer_id"] for r in killed.tables.read(spark, silver_uri).collect()) == sorted(
            r["customer_id"] for r in before[0][1]
        )  # the platform's own read path too
    else:
        assert (
            after_kill[0] == (before[0][0] + 1, expected[0]) and after_kill[1] == before[1]
        )  # silver done, quarantine not

    silver_day(spark, killed, DAYS[1])  # the retry
    assert (snapshot(killed, silver_uri)[1], snapshot(killed, quarantine_uri)[1]) == expected
    report(
        f"silver run SIGKILLed {point.replace('_', ' ')} of its Delta merge (S3 lake)",
        f"silver v{after_kill[0][0]} ({len(after_kill[0][1])} rows) and quarantine v{after_kill[1][0]} as readers saw "
        f"them after the kill; the retry gave the same {len(expected[0])} silver and {len(expected[1])} quarantine "
        "rows as an uninterrupted run on a fresh lake",
        f"nothing; {len(orphans)} data file(s) outside the current version (uncommitted uploads, or files the "
        "commit replaced): never read, VACUUM removes them",
    )
