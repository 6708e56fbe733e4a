"""The listing intake sensor against moto S3 and a real Dagster instance: every file identity is
copied to bronze exactly once, nothing is lost, and a tick costs the same however many objects
the prefix already holds."""

from __future__ import annotations

import datetime as dt
import hashlib

import dagster as dg
import pytest

from dataops_platform.declarations import DEFS_DIR, load_declaration
from dataops_platform.definitions import build_definitions
from dataops_platform.orchestration.sensors.ingest import IngestTarget
from dataops_platform.orchestration.sensors.intake import listing_sensor
from dataops_platform.orchestration.sensors.listing import ListingPolicy, ListingState
from dataops_platform.settings import Settings
from dataops_platform_tests.support.intake_helpers import bronze_identities, execute, launch, s3_settings, submit, tick
from dataops_platform_tests.support.s3_server import backdate, counting_calls, seed_objects

TODAY = dt.datetime.now(dt.timezone.utc).date()
FOLDER = f"crm/customers/{TODAY:%Y/%m/%d}"


def customers_sensor(defs: dg.Definitions, policy: ListingPolicy) -> dg.SensorDefinition:
    """The platform's listing sensor of `customers`, with a test policy (e.g. no recent window)."""
    declaration = load_declaration(DEFS_DIR / "customers" / "defs.yaml")
    return listing_sensor(IngestTarget(declaration), 30, policy)  # bronze only: these tests are about bronze


def requested(requests) -> set[tuple[str, str]]:
    return {
        (f["key"], f["version"]) for r in requests for f in r.run_config["ops"]["bronze__customers"]["config"]["files"]
    }


def put(s3, key: str, body: bytes, root: str = "landing") -> tuple[str, str]:
    etag = s3.client.put_object(Bucket=s3.intake_bucket, Key=f"{root}/{key}", Body=body)["ETag"]
    return key, etag.strip('"')


@pytest.fixture
def platform(s3, tmp_path):
    defs = build_definitions(s3_settings(s3, tmp_path))
    with dg.instance_for_test() as instance:
        yield defs, instance, defs.resources["lake"].bronze


def test_burst_overwrite_and_late_arrival_each_land_in_bronze_exactly_once(s3, platform):
    defs, instance, store = platform
    sensor = customers_sensor(defs, ListingPolicy(window_seconds=0))
    burst = {put(s3, f"{FOLDER}/part-{i:02d}.csv", b"customer_id\nC%02d\n" % i) for i in range(12)}  # same second
    burst |= {put(s3, f"{FOLDER}/empty.csv", b""), put(s3, f"{FOLDER}/latin1.csv", b"\xff\xfe caf\xe9;;")}  # raw is raw
    put(s3, f"{FOLDER}/notes.txt", b"not a csv")
    put(s3, f"{FOLDER}/bad\\name.csv", b"unsafe key: logged and skipped")

    first = tick(sensor, instance, defs, None)
    assert len(first.run_requests) == 1 and first.run_requests[0].partition_key == TODAY.isoformat()
    assert requested(first.run_requests) == burst
    launch(defs, instance, sensor.name, first.run_requests)
    assert tick(sensor, instance, defs, first.cursor).run_requests == []

    overwrite = put(s3, f"{FOLDER}/part-03.csv", b"customer_id\nC03 updated\n")  # same key, new ETag
    later = put(s3, f"crm/customers/{TODAY + dt.timedelta(days=1):%Y/%m/%d}/next.csv", b"customer_id\nN1\n")
    late = put(s3, "crm/customers/2020/01/01/late-multipart.csv", b"customer_id\nL1\n")  # sorts before all
    backdate(s3.intake_bucket, f"landing/{late[0]}", dt.datetime(2020, 1, 1))  # and is stamped long ago

    second = tick(sensor, instance, defs, first.cursor)
    assert requested(second.run_requests) == {overwrite, later, late}
    launch(defs, instance, sensor.name, second.run_requests)
    third = tick(sensor, instance, defs, second.cursor)
    assert third.run_requests == [] and ListingState.from_cursor(third.cursor).pending == {}

    copies = bronze_identities(store, "crm", "customers", [TODAY])
    assert set(copies) == burst | {overwrite, later, late} and set(copies.values()) == {1}


def test_a_tick_evaluated_again_after_a_crash_requests_nothing_twice(s3, platform):
    defs, instance, store = platform
    sensor = customers_sensor(defs, ListingPolicy(window_seconds=0))
    files = {put(s3, f"{FOLDER}/c{i}.csv", b"customer_id\nC%d\n" % i) for i in range(3)}
    first = tick(sensor, instance, defs, None)
    queued, _ = submit(defs, instance, sensor.name, first.run_requests)
    assert len(queued) == 1

    # The process died after submitting, before the cursor was stored: the tick runs again.
    again = tick(sensor, instance, defs, None)
    assert [r.run_key for r in again.run_requests] == [r.run_key for r in first.run_requests]
    assert submit(defs, instance, sensor.name, again.run_requests) == ([], [first.run_requests[0].run_key])
    execute(defs, instance, queued)
    assert tick(sensor, instance, defs, None).run_requests == []  # once copied, the ledger answers

    # A file that arrived meanwhile makes a different batch; its run copies only the new file.
    extra = put(s3, f"{FOLDER}/c9.csv", b"customer_id\nC9\n")
    third = tick(sensor, instance, defs, None)
    [result], _ = launch(defs, instance, sensor.name, third.run_requests)
    assert requested(third.run_requests) == {extra}
    copies = bronze_identities(store, "crm", "customers", [TODAY])
    assert set(copies) == files | {extra} and set(copies.values()) == {1}


def test_tick_cost_does_not_grow_with_the_objects_already_in_the_prefix(s3, tmp_path):
    """1,000 vs 10,000 objects already ingested: the same S3 calls per tick (counted, not timed)."""
    etag = hashlib.md5(b"x").hexdigest()
    costs = {}
    for n in (1_000, 10_000):
        settings = s3_settings(s3, tmp_path, intake_root=f"{s3.intake_root}/{n}", lake_root=f"{s3.lake_root}/{n}")
        defs = build_definitions(settings)
        lake = defs.resources["lake"]
        keys = [f"crm/customers/2026/{i:06d}.csv" for i in range(n)]
        seed_objects(s3.intake_bucket, [f"landing/{n}/{k}" for k in keys])
        ledger = lake.bronze.ledger("crm", "customers")  # as if every one was ingested already
        seed_objects(s3.lake_bucket, [f"lake/{n}/{ledger.entry_key(k, etag)}" for k in keys], b"{}")
        sensor = customers_sensor(defs, ListingPolicy(window_seconds=0, tail_pages=50))
        with dg.instance_for_test() as instance:
            catch_up = tick(sensor, instance, defs, None)
            assert catch_up.run_requests == []
            with counting_calls(s3.client) as steady:
                cursor = tick(sensor, instance, defs, catch_up.cursor).cursor
            new = [put(s3, f"crm/customers/2027/new-{i}.csv", b"x", root=f"landing/{n}") for i in range(5)]
            with counting_calls(s3.client) as arrivals:
                result = tick(sensor, instance, defs, cursor)
        assert requested(result.run_requests) == set(new)
        costs[n] = (dict(steady), dict(arrivals))
    assert costs[1_000] == costs[10_000] == ({"ListObjectsV2": 4}, {"ListObjectsV2": 4})


def test_the_same_sensor_serves_a_local_intake_folder(tmp_path):
    intake, lake = tmp_path / "intake", tmp_path / "lake"
    folder = intake / "crm" / "customers"
    folder.mkdir(parents=True)
    for i in range(3):
        (folder / f"c{i}.csv").write_bytes(b"customer_id\nC%d\n" % i)
    (folder / "bad\nname.csv").write_bytes(b"a newline in the key: rejected")
    settings = Settings(
        intake_root=str(intake),
        lake_root=str(lake),
        partitions_start=(TODAY - dt.timedelta(days=3)).isoformat(),
        intake_runs="bronze",  # one-column files: this test is about bronze
    )
    defs = build_definitions(settings)
    sensor = defs.resolve_sensor_def("intake_customers")  # as deployed: default policy
    with dg.instance_for_test() as instance:
        first = tick(sensor, instance, defs, None)
        assert len(requested(first.run_requests)) == 3
        launch(defs, instance, sensor.name, first.run_requests)
        assert tick(sensor, instance, defs, first.cursor).run_requests == []
    store = defs.resources["lake"].bronze
    assert set(bronze_identities(store, "crm", "customers", [TODAY]).values()) == {1}
    assert len(store.partition_files("crm", "customers", TODAY)) == 3


def scan_setup(tmp_path, keys):
    from dataops_platform.storage.ledger import IngestLedger
    from dataops_platform.storage.objects import LocalObjectStore

    intake, lake = LocalObjectStore(tmp_path / "intake"), LocalObjectStore(tmp_path / "lake")
    for key in keys:
        intake.write(key, b"x")
    return intake, IngestLedger(lake, "_ledger/", intake.scope)


def test_budgets_carry_over_and_a_file_not_in_bronze_after_the_retry_delay_is_requested_again(tmp_path):
    from dataops_platform.orchestration.sensors.listing import scan

    keys = [f"d/{i}.csv" for i in range(5)]
    intake, ledger = scan_setup(tmp_path, keys)
    policy = ListingPolicy(page_size=2, window_seconds=60, max_new_per_tick=2, retry_after_seconds=600)
    state, found = ListingState(), []
    for now in (1000.0, 1010.0, 1020.0, 1030.0):
        found.append([o.key for o in scan(intake, ledger, "d/", lambda k: True, state, policy, now).new])
    assert found == [keys[:2], keys[2:4], keys[4:], []]  # nothing skipped, nothing twice
    for key in keys[:4]:  # these runs succeeded; the last one failed
        ledger.record(key, intake.head(key).version, {})
    retried = [
        o.key for now in range(1621, 1630) for o in scan(intake, ledger, "d/", lambda k: True, state, policy, now).new
    ]
    assert retried == [keys[4]] and state.pending.keys() == {keys[4]}  # once the retry delay has passed


def test_a_key_behind_the_window_is_found_by_the_reconciliation_pass(tmp_path):
    from dataops_platform.orchestration.sensors.listing import scan

    keys = [f"d/{i:03d}.csv" for i in range(1, 40)]
    intake, ledger = scan_setup(tmp_path, keys)
    policy = ListingPolicy(page_size=10, window_seconds=60, reconcile_pages=1)
    state = ListingState()
    assert len(scan(intake, ledger, "d/", lambda k: True, state, policy, 0.0).new) == len(keys)
    for key in keys:
        ledger.record(key, intake.head(key).version, {})
    intake.write("d/000-late.csv", b"late")  # sorts before everything seen
    found, ticks = [], 0
    while not found:
        ticks += 1
        result = scan(intake, ledger, "d/", lambda k: True, state, policy, 100.0 + ticks)
        found = [o.key for o in result.new]
        assert result.list_calls <= 2 * (policy.tail_pages + policy.reconcile_pages)
    assert found == ["d/000-late.csv"] and ticks <= len(keys) // policy.page_size + 1
