"""Storage on S3 (a loopback moto server) and on a local folder behind one interface:
key order, atomic and conditional writes, bronze exactly once, Delta through delta-rs."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from dataops_platform.declarations import DEFS_DIR, load_declaration
from dataops_platform.orchestration.resources.lake import LakeResource
from dataops_platform.settings import Settings
from dataops_platform.steps.bronze import ingest_day, ingest_requested
from dataops_platform.storage import delta
from dataops_platform.storage.bronze import METADATA_SUFFIX, BronzeStore
from dataops_platform.storage.keys import UnsafeKeyError
from dataops_platform.storage.ledger import IngestLedger
from dataops_platform.storage.objects import LocalObjectStore, ObjectChanged
from dataops_platform.storage.s3 import S3ObjectStore
from dataops_platform_tests.support.s3_server import REGION, SECRET

DAY = dt.date(2026, 11, 15)
# Keys whose S3 order differs from a naive folder walk: ' ' '-' '.' sort before '/'.
TRICKY_KEYS = ["d/a b.csv", "d/a.csv", "d/a.csv-2", "d/a/x.csv", "d/a0.csv", "d/b/c.csv", "d/é.csv", "d/~.csv", "e.csv"]


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalObjectStore(tmp_path / "store")
    s3 = request.getfixturevalue("s3")
    return S3ObjectStore.from_uri(s3.intake_root, s3.client)


@pytest.fixture
def customers():
    return load_declaration(DEFS_DIR / "customers" / "defs.yaml")


def test_both_stores_list_in_s3_key_order_one_bounded_page_at_a_time(store):
    for key in reversed(TRICKY_KEYS):
        assert store.write(key, key.encode())
    assert [o.key for o in store.iter_objects("")] == sorted(TRICKY_KEYS)
    page, more = store.list_page("d/", "d/a.csv", max_keys=3)
    assert ([o.key for o in page], more) == (["d/a.csv-2", "d/a/x.csv", "d/a0.csv"], True)
    page, more = store.list_page("d/a", "d/a.csv-2", max_keys=10)
    assert ([o.key for o in page], more) == (["d/a/x.csv", "d/a0.csv"], False)
    assert store.list_page("nothing/") == ([], False)


def test_writes_are_conditional_on_request_and_reads_on_a_version(store):
    assert store.write("k/a.txt", b"one") and not store.write("k/a.txt", b"two", if_absent=True)
    first = store.head("k/a.txt")
    assert store.read_bytes("k/a.txt") == b"one" and first.size == 3
    with store.open("k/a.txt", first.version) as stream:
        assert stream.read() == b"one"
    store.write("k/a.txt", b"changed")
    with pytest.raises(ObjectChanged):
        with store.open("k/a.txt", first.version):
            pass
    assert store.head("missing") is None and store.read_bytes("missing") is None
    for bad in ("../escape.txt", "/etc/passwd", "a/../../b", "a\\b", "new\nline"):
        with pytest.raises(UnsafeKeyError):
            store.write(bad, b"x")


def test_ledger_entries_list_in_intake_key_order(store):
    ledger = IngestLedger(store, "_ledger/", "s3://intake")
    for key in TRICKY_KEYS:
        ledger.record(key, "v1", {})
    ledger.record("d/a.csv", "v2", {})
    assert not ledger.record("d/a.csv", "v2", {})  # recorded once
    entries, more = ledger.page("", 100)
    assert [k for k, _ in entries] == sorted(TRICKY_KEYS + ["d/a.csv"]) and not more
    after, _ = ledger.page("d/a.csv", 100)
    assert [k for k, _ in after] == [k for k in sorted(TRICKY_KEYS) if k > "d/a.csv"]
    assert {t for k, t in entries if k == "d/a.csv"} == {ledger.token("v1"), ledger.token("v2")}


def test_bronze_on_s3_copies_once_per_identity_and_spark_reads_local_copies(s3, customers, tmp_path, spark):
    intake = S3ObjectStore.from_uri(s3.intake_root, s3.client)
    lake = S3ObjectStore.from_uri(s3.lake_root, s3.client)
    store = BronzeStore(lake, intake, cache_dir=tmp_path / "cache")
    content = b"customer_id,email\r\nC0000001,a@b.co\r\n"
    intake.write("crm/customers/c.csv", content)
    info = intake.head("crm/customers/c.csv")

    first = ingest_requested(store, customers, DAY, [("crm/customers/c.csv", info.version)])
    again = ingest_requested(store, customers, DAY + dt.timedelta(days=1), [("crm/customers/c.csv", info.version)])
    assert len(first.ingested) == 1 and again.already_present == ["crm/customers/c.csv"] and not again.ingested

    copy = first.ingested[0]
    assert copy.key.startswith("bronze/source=crm/dataset=customers/ingestion_date=2026/11/15/")
    assert lake.read_bytes(copy.key) == content
    meta = json.loads(lake.read_bytes(copy.key + METADATA_SUFFIX))
    assert meta["sha256"] == hashlib.sha256(content).hexdigest() and meta["source_location"] == s3.intake_root
    assert meta["source_version"] == info.version == hashlib.md5(content).hexdigest()  # the ETag
    [local] = store.readable_paths(store.partition_files("crm", "customers", DAY))
    assert local.read_bytes() == content and spark.read.text(str(local)).count() == 2

    intake.write("crm/customers/c.csv", b"customer_id\r\nC2\r\n")  # overwrite: a new identity
    stale = ingest_requested(store, customers, DAY, [("crm/customers/c.csv", info.version)])
    newer = ingest_day(store, intake, customers, dt.datetime.now(dt.timezone.utc).date())
    assert stale.already_present == ["crm/customers/c.csv"] and len(newer.ingested) == 1


def test_a_requested_version_overwritten_meanwhile_is_superseded_and_foreign_keys_rejected(s3, customers):
    intake = S3ObjectStore.from_uri(s3.intake_root, s3.client)
    store = BronzeStore(S3ObjectStore.from_uri(s3.lake_root, s3.client), intake)
    intake.write("crm/customers/c.csv", b"v1")
    old = intake.head("crm/customers/c.csv").version
    intake.write("crm/customers/c.csv", b"v2")
    outcome = ingest_requested(
        store,
        customers,
        DAY,
        [("crm/customers/c.csv", old), ("web/events/x.jsonl", "e"), ("crm/customers/../../x.csv", "e")],
    )
    assert outcome.superseded == ["crm/customers/c.csv"] and not outcome.ingested
    assert len(outcome.rejected) == 2 and all("rejected object key" in r for r in outcome.rejected)


def test_a_crash_after_the_ledger_entry_is_repaired_not_copied_again(tmp_path, customers):
    intake, lake = LocalObjectStore(tmp_path / "intake"), LocalObjectStore(tmp_path / "lake")
    intake.write("crm/customers/c.csv", b"data")
    store, day = BronzeStore(lake, intake), intake.head("crm/customers/c.csv").landing_date
    [copy] = ingest_day(store, intake, customers, day).ingested
    lake.delete(copy.key + METADATA_SUFFIX)  # as if the process died before the last step
    assert store.partition_files("crm", "customers", day) == []
    assert ingest_day(store, intake, customers, day).already_present == ["crm/customers/c.csv"]
    assert [f.key for f in store.partition_files("crm", "customers", day)] == [copy.key]


def test_a_file_that_cannot_be_read_does_not_block_the_others(tmp_path, customers):
    class FailingDisk(LocalObjectStore):
        def open(self, key, version=None):
            if key.endswith("broken.csv"):
                raise OSError("Input/output error")
            return super().open(key, version)

    intake = FailingDisk(tmp_path / "intake")
    for name in ("a.csv", "broken.csv", "c.csv"):
        intake.write(f"crm/customers/{name}", name.encode())
    store = BronzeStore(LocalObjectStore(tmp_path / "lake"), intake)
    outcome = ingest_day(store, intake, customers, intake.head("crm/customers/a.csv").landing_date)
    assert sorted(f.identity[0] for f in outcome.ingested) == ["crm/customers/a.csv", "crm/customers/c.csv"]
    assert outcome.failed == ["crm/customers/broken.csv: OSError: Input/output error"]


def test_delta_on_s3_merge_replace_and_read_through_arrow(s3, spark):
    lake = LakeResource(lake_root=s3.lake_root, intake_root=s3.intake_root, endpoint_url=s3.endpoint, region=REGION)
    options, uri = lake.storage_options, lake.silver_uri("t")
    assert uri == f"{s3.lake_root}/silver/t" and SECRET not in json.dumps(options)
    assert not delta.table_exists(uri, options)
    rows = pa.table({"k": ["a", "b"], "v": [1, 1], "h": ["x", "y"], "p": [1, 2]})
    first = delta.merge_latest(uri, rows, ["k"], "v", "h", ["p"], options)
    second = delta.merge_latest(
        uri, pa.table({"k": ["a"], "v": [2], "h": ["z"], "p": [1]}), ["k"], "v", "h", ["p"], options
    )
    assert first.metrics["num_target_rows_inserted"] == 2 and second.metrics["num_target_rows_updated"] == 1
    delta.replace_where(uri, pa.table({"k": ["c"], "v": [1], "h": ["w"], "p": [2]}), "p = 2", ["p"], options)
    df = delta.read_table(spark, uri, options)
    assert sorted((r.k, r.v) for r in df.collect()) == [("a", 2), ("c", 1)]
    assert delta.row_count(uri, options) == 2


@pytest.mark.parametrize("where", ["local", "s3"])
def test_concurrent_first_writes_and_merges_converge_without_duplicates(where, tmp_path, request):
    if where == "s3":
        s3 = request.getfixturevalue("s3")
        options = LakeResource(
            lake_root=s3.lake_root, intake_root="x", endpoint_url=s3.endpoint, region=REGION
        ).storage_options
        uri = f"{s3.lake_root}/silver/race"
    else:
        options, uri = None, str(tmp_path / "race")
    errors = []

    def writer(i: int) -> None:
        try:
            rows = pa.table({"k": [f"k{i}", "shared"], "v": [1, i], "h": [str(i), str(i)], "p": [i % 2, 0]})
            delta.merge_latest(uri, rows, ["k"], "v", "h", ["p"], options)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    table = DeltaTable(uri, storage_options=options).to_pyarrow_table().to_pylist()
    assert sorted(r["k"] for r in table) == sorted([f"k{i}" for i in range(5)] + ["shared"])
    assert next(r["v"] for r in table if r["k"] == "shared") == 4  # the greatest version won


def test_settings_accept_s3_roots_and_reject_other_schemes():
    Settings(intake_root="s3://intake/landing", lake_root="s3://lake-bucket", intake_queue_url="http://q").validate()
    for bad, message in (
        ("gs://b/x", "expected a local path or s3"),
        ("s3://Bad_Name/x", "not a valid S3 bucket"),
        ("s3://bucket/a/../b", "rejected object key"),
    ):
        with pytest.raises(ValueError, match=message):
            Settings(intake_root=bad, lake_root="lake").validate()
    with pytest.raises(ValueError, match="DATAOPS_INTAKE_QUEUE_URL"):
        Settings(intake_root="intake", lake_root="lake", intake_queue_url="http://q").validate()
