"""Measure the intake sensors on a loopback moto server (not part of the test suite).

    .venv/bin/python -m dataops_platform_tests.support.measure_intake --objects 100000

Reports S3 calls and seconds per listing tick with N objects already in the prefix (all
ingested: the ledger holds them), and the time from a put to the run request for the listing
and the SQS sensor when a tick runs right after the put (add the wait for the next tick,
on average half the sensor interval, for the detection latency). Objects are seeded into
moto's backend directly; the sensors reach moto over HTTP. Moto's listing time grows with the
bucket size (AWS's does not), so call counts are the figures that carry over to AWS.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import dagster as dg

from dataops_platform.definitions import build_definitions
from dataops_platform.orchestration.sensors.listing import ListingPolicy, ListingState, scan
from dataops_platform.storage.s3 import aws_client
from dataops_platform_tests.support.intake_helpers import s3_settings, tick
from dataops_platform_tests.support.s3_server import REGION, counting_calls, moto_server, seed_objects


class Buckets:
    def __init__(self, endpoint: str):
        suffix = uuid.uuid4().hex[:8]
        self.endpoint = endpoint
        self.client, self.sqs = aws_client("s3", endpoint, REGION), aws_client("sqs", endpoint, REGION)
        self.intake_bucket, self.lake_bucket = f"intake-{suffix}", f"lake-{suffix}"
        self.intake_root, self.lake_root = f"s3://{self.intake_bucket}/landing", f"s3://{self.lake_bucket}/lake"
        for bucket in (self.intake_bucket, self.lake_bucket):
            self.client.create_bucket(Bucket=bucket)


def listing_ticks(b: Buckets, objects: int, work: Path) -> None:
    defs = build_definitions(s3_settings(b, work))
    lake = defs.resources["lake"]
    intake, ledger = lake.intake_store, lake.bronze.ledger("crm", "customers")
    keys = [f"crm/customers/{2020 + i // 36_500}/{i // 100 % 365:03d}/part-{i:07d}.csv" for i in range(objects)]
    started = time.perf_counter()
    seed_objects(b.intake_bucket, [f"landing/{k}" for k in keys])
    etag = hashlib.md5(b"x").hexdigest()
    seed_objects(b.lake_bucket, [f"lake/{ledger.entry_key(k, etag)}" for k in keys], b"{}")
    print(f"seeded {objects:,} objects + ledger entries in {time.perf_counter() - started:.1f} s")

    policy, state, now = ListingPolicy(), ListingState(), 1_000_000.0
    accept = lambda key: key.endswith(".csv")  # noqa: E731
    ticks = 0
    while True:  # catch up, as a sensor that started with the prefix already full
        ticks += 1
        with counting_calls(b.client) as calls:
            t0 = time.perf_counter()
            found = scan(intake, ledger, "crm/customers/", accept, state, policy, now)
        print(f"catch-up tick {ticks}: {dict(calls)} in {time.perf_counter() - t0:.2f} s, {len(found.new)} new")
        now += 30
        if state.tail_after is None:
            break
    now += policy.window_seconds + 1
    for label, new in (("steady (nothing new)", 0), ("10 new files", 10)):
        for i in range(new):
            b.client.put_object(Bucket=b.intake_bucket, Key=f"landing/crm/customers/2099/new-{i}.csv", Body=b"y")
        samples = []
        for _ in range(3 if not new else 1):
            with counting_calls(b.client) as calls:
                t0 = time.perf_counter()
                found = scan(intake, ledger, "crm/customers/", accept, state, policy, now)
                samples.append(time.perf_counter() - t0)
            now += 30
        seconds = statistics.median(samples)
        print(f"{label}: {dict(calls)} per tick, {seconds:.3f} s on moto, {len(found.new)} requested")
    put_at = time.perf_counter()
    b.client.put_object(Bucket=b.intake_bucket, Key="landing/crm/customers/2099/latency.csv", Body=b"z")
    found = scan(intake, ledger, "crm/customers/", accept, state, policy, now)
    assert [o.key for o in found.new] == ["crm/customers/2099/latency.csv"]
    print(
        f"listing: put -> found with a tick right after the put: {time.perf_counter() - put_at:.3f} s "
        f"(sensor interval {defs.resolve_sensor_def('intake_customers').minimum_interval_seconds} s)"
    )


def sqs_detection(b: Buckets, work: Path, trials: int) -> None:
    queue = b.sqs.create_queue(QueueName=f"events-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = b.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    b.client.put_bucket_notification_configuration(
        Bucket=b.intake_bucket,
        NotificationConfiguration={"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]},
    )
    defs = build_definitions(s3_settings(b, work, intake_queue_url=queue))
    sensor, seconds = defs.resolve_sensor_def("intake_sqs"), []
    with dg.instance_for_test() as instance:
        cursor = tick(sensor, instance, defs, None).cursor  # moto's test event
        for i in range(trials):
            put_at = time.perf_counter()
            b.client.put_object(Bucket=b.intake_bucket, Key=f"landing/crm/customers/sqs-{i}.csv", Body=b"z")
            result = tick(sensor, instance, defs, cursor)
            seconds.append(time.perf_counter() - put_at)
            assert len(result.run_requests) == 1, result
            cursor = result.cursor
    print(
        f"intake_sqs: put -> run request with a tick right after the put: median {statistics.median(seconds):.3f} s, "
        f"max {max(seconds):.3f} s over {trials} puts; sensor interval {sensor.minimum_interval_seconds} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args()
    with moto_server() as endpoint, tempfile.TemporaryDirectory() as work:
        listing_ticks(Buckets(endpoint), args.objects, Path(work))
        sqs_detection(Buckets(endpoint), Path(work), args.trials)


if __name__ == "__main__":
    main()
