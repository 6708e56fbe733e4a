"""How a run's dates are split into silver and gold batches."""

from __future__ import annotations

import datetime as dt

from deltalake import DeltaTable

from dataops_platform.job.run import JobLake
from dataops_platform.steps import runner as steps
from dataops_platform.steps.runner import BATCH_DAYS, batches
from dataops_platform.storage.bronze import BronzeStore
from dataops_platform_tests.support.quality_helpers import declaration, land_and_ingest, tables

DAYS = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(70)]


def test_a_range_is_one_batch_up_to_the_day_limit():
    assert [len(b) for b in batches(DAYS)] == [BATCH_DAYS, BATCH_DAYS, 70 - 2 * BATCH_DAYS]
    assert [d for b in batches(DAYS) for d in b] == DAYS


def test_bronze_bytes_bound_a_batch_and_a_large_date_stands_alone():
    sizes = {DAYS[0]: 100, DAYS[1]: 100, DAYS[2]: 100, DAYS[3]: 900, DAYS[4]: 10}
    split = batches(DAYS[:5], sizes.get, max_bytes=250)
    assert split == [DAYS[0:2], [DAYS[2]], [DAYS[3]], [DAYS[4]]]


HEADER = "transaction_id,customer_id,transaction_ts,amount,channel,status\n"


class _Log:
    def info(self, msg): ...
    def warning(self, msg): ...
    def error(self, msg): ...


def test_a_silver_run_lists_each_bronze_partition_once_and_bounds_batches_by_bytes(spark, lake_dirs, monkeypatch):
    intake, root = lake_dirs
    decl = declaration("transactions")
    days = [dt.date(2026, 11, 13) + dt.timedelta(days=i) for i in range(3)]
    for n, day in enumerate(days):
        rows = "".join(f"T{n}{i:09d},C0000001,{day}T10:00:00Z,{i}.00,online,completed\n" for i in range(1, 6))
        store = land_and_ingest(intake, root, decl, day, {f"t{n}.csv": HEADER + rows})
    lake = JobLake(root, store, tables())
    listings = []
    original = BronzeStore.partition_files
    monkeypatch.setattr(
        BronzeStore, "partition_files", lambda self, *args: listings.append(args[2]) or original(self, *args)
    )
    monkeypatch.setattr(steps, "BATCH_BRONZE_BYTES", 1)  # every date is a batch of its own
    result = steps.run_silver(spark, lake, decl, days, [], _Log())
    assert sorted(listings) == days  # once per date, not again inside the step
    silver = result.materializations[0].metadata
    assert DeltaTable(lake.silver_uri("transactions")).to_pyarrow_table().num_rows == 15
    assert DeltaTable(lake.silver_uri("transactions")).version() == 3  # created, then a MERGE per one-date batch
    assert (silver["rows_read"], silver["rows_inserted"], silver["rows_quarantined"]) == (15, 15, 0)
