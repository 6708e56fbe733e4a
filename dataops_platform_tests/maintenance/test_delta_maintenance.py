"""Delta maintenance on a table written like silver (many small writes through the storage layer,
staged by Spark, then appended or merged):
compaction leaves one file per partition, VACUUM deletes the files of a killed write once they
are older than the retention and nothing any version inside the window reads, checkpoints are
written, and every version stays readable with the same rows. Local and on S3 (moto)."""

from __future__ import annotations

import datetime as dt
import io
import os
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from dataops_platform.storage.delta_maintenance import maintain, vacuum_retention_hours
from dataops_platform.storage.maintenance import MaintenanceSpec, databricks_statements, interval_hours
from dataops_platform.storage.objects import LocalObjectStore
from dataops_platform.storage.s3 import S3ObjectStore, delta_storage_options
from dataops_platform.storage.tables import DeltaRsTables
from dataops_platform_tests.support.s3_server import REGION, backdate

KEY = "silver/events"
MERGES = 24  # one small MERGE an hour for a day
KILLED = "p=a/part-00000-killed-write-c000.snappy.parquet"  # uploaded, never committed, hours ago
SCHEMA = pa.schema([("k", pa.string()), ("v", pa.int32()), ("h", pa.string()), ("p", pa.string())])
ONE_HOUR = {"delta.deletedFileRetentionDuration": "interval 1 hours"}
IN_FLIGHT = "p=b/part-00000-running-writer-c000.snappy.parquet"  # uploaded a moment ago, not committed yet


def _batch(spark, hour: int):
    """Two new keys per hour and, every other hour, a later version of key 0 (its content changes)."""
    rows = [(f"k{hour}-{i}", hour, f"h{hour}-{i}", "ab"[i % 2]) for i in range(2)]
    rows += [("k0-0", hour, f"h{hour}", "a")] if hour % 2 else []
    return spark.createDataFrame(rows, "k string, v int, h string, p string")


def _write(spark, tables: DeltaRsTables, uri: str, hour: int) -> None:
    """One silver-like write: staged by Spark, then published (an append of the files when the
    batch only adds keys, else a MERGE)."""
    staged = tables.stage(spark, uri, _batch(spark, hour), ["p"], tables.version(uri) if tables.exists(uri) else None)
    tables.publish_latest(staged, ["k"], "v", "h", inserts_only=hour % 2 == 0)


def _rows(table: DeltaTable) -> list[tuple]:
    data = table.to_pyarrow_table()
    return sorted(zip(*(data.column(c).to_pylist() for c in ("k", "v", "h", "p"))))


def _parquet() -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.table({"k": ["ghost"], "v": [0], "h": ["x"], "p": ["a"]}), sink)
    return sink.getvalue()


@pytest.fixture(params=["local", "s3"])
def lake(request, tmp_path):
    """(object store of the lake root, delta-rs storage options, backdate(key, seconds ago))."""
    if request.param == "local":
        store = LocalObjectStore(tmp_path / "lake")

        def age(key: str, seconds: float) -> None:
            when = time.time() - seconds
            os.utime(store.path(key), (when, when))

        return store, None, age
    s3 = request.getfixturevalue("s3")
    store = S3ObjectStore.from_uri(s3.lake_root, s3.client)

    def age_s3(key: str, seconds: float) -> None:
        backdate(s3.lake_bucket, f"lake/{key}", dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=seconds))

    return store, delta_storage_options(s3.endpoint, REGION), age_s3


def test_a_day_of_small_merges_is_compacted_and_vacuumed_without_losing_a_version(spark, lake):
    store, options, age = lake
    uri, tables = store.uri(KEY), DeltaRsTables(options)
    # the table is created with a 1-hour retention (Delta's default is 7 days)
    DeltaTable.create(uri, schema=SCHEMA, partition_by=["p"], configuration=ONE_HOUR, storage_options=options)
    for hour in range(MERGES):
        _write(spark, tables, uri, hour)
    table = DeltaTable(uri, storage_options=options)
    versions = {v: _rows(DeltaTable(uri, version=v, storage_options=options)) for v in range(table.version() + 1)}
    current = _rows(table)
    store.write(f"{KEY}/{KILLED}", _parquet())
    age(f"{KEY}/{KILLED}", 2 * 3600)  # older than the retention: garbage no writer can still commit
    store.write(f"{KEY}/{IN_FLIGHT}", _parquet())  # younger: a running writer may still commit it

    outcome = maintain(store, KEY, MaintenanceSpec(retention_hours=1), options)

    figures = outcome.metadata()
    print(figures)
    assert figures["active_files_before"] >= MERGES and figures["active_files_after"] == 2  # one per partition
    assert figures["files_compacted"] - figures["files_written"] == figures["active_files_before"] - 2
    assert figures["active_bytes_after"] < figures["active_bytes_before"]
    assert outcome.vacuumed == [KILLED] and figures["vacuum_retention_hours"] == 1
    # the replaced small files are tombstones of a commit made just now: kept for time travel
    assert figures["stored_files_after"] == figures["stored_files_before"] - 1 + figures["files_written"]
    assert store.head(f"{KEY}/{KILLED}") is None and store.head(f"{KEY}/{IN_FLIGHT}") is not None
    after = DeltaTable(uri, storage_options=options)
    assert figures["checkpoint_version"] == after.version() and store.head(
        f"{KEY}/_delta_log/{after.version():020d}.checkpoint.parquet"
    )
    assert _rows(after) == current and len(current) == 2 * MERGES
    assert sorted(tables.read(spark, uri).select("k", "v", "h", "p").collect()) == [tuple(r) for r in current]
    for version, rows in versions.items():  # every version inside the window: still readable, same rows
        assert _rows(DeltaTable(uri, version=version, storage_options=options)) == rows

    again = maintain(store, KEY, MaintenanceSpec(retention_hours=1), options).metadata()
    assert again["files_compacted"] == 0 and again["files_vacuumed"] == 0 and again["active_files_after"] == 2


def test_vacuum_never_goes_below_the_table_retention_or_the_declared_window(tmp_path, spark):
    store = LocalObjectStore(tmp_path)
    _write(spark, DeltaRsTables(), store.uri(KEY), 0)
    table = DeltaTable(store.uri(KEY))
    assert vacuum_retention_hours(table, MaintenanceSpec(retention_hours=1)) == 168  # the table says 7 days
    assert vacuum_retention_hours(table, MaintenanceSpec(retention_hours=720)) == 720  # the window is longer
    store.write(f"{KEY}/{KILLED}", _parquet())
    os.utime(store.path(f"{KEY}/{KILLED}"), (time.time() - 2 * 3600,) * 2)
    assert maintain(store, KEY, MaintenanceSpec(retention_hours=1)).vacuumed == []  # 2 h < 7 days: kept
    assert [interval_hours(t) for t in ("interval 7 days", "interval 1 hours", "2 weeks", "interval 90 minutes")] == [
        168,
        1,
        336,
        2,
    ]
    assert maintain(store, "silver/missing", MaintenanceSpec()).metadata() == {
        "skipped": "the table does not exist yet"
    }


def test_databricks_gets_the_native_statements_instead():
    spec = MaintenanceSpec(z_order=True, retention_hours=240)
    assert databricks_statements("delta.`/Volumes/x/silver/customers`", spec, ["customer_id"]) == [
        "OPTIMIZE delta.`/Volumes/x/silver/customers` ZORDER BY (`customer_id`)",
        "VACUUM delta.`/Volumes/x/silver/customers` RETAIN 240 HOURS",
    ]
