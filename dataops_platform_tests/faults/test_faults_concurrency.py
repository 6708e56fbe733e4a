"""Fault: two processes merge into the same Delta table on S3 at the same instant (both commits
held by a proxy until both are in flight, then released together), as two runs would if the
pool limit failed (see test_automation.py for the pool itself).

Kept: both writers' rows, every table version readable. Lost: nothing; the commit that lost the
race gets a 412 from S3 and its merge runs again on the new version."""

from __future__ import annotations

import re
from collections import Counter

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from dataops_platform.storage import delta
from dataops_platform.storage.s3 import delta_storage_options
from dataops_platform_tests.support.faults_support import HOLD, PASS, Child, FaultProxy, report, wait_for
from dataops_platform_tests.support.s3_server import REGION

COMMIT = r"/silver/race/_delta_log/\d+\.json$"


def rows(keys: list[str], version: int) -> dict:
    return {"k": keys, "v": [version] * len(keys), "h": [f"{k}@{version}" for k in keys], "p": [0] * len(keys)}


@pytest.mark.slow  # about 20 s: two child processes
def test_two_processes_merging_into_one_table_at_once_both_land_without_corruption(s3):
    proxy = FaultProxy(s3.endpoint)
    uri, direct = f"{s3.lake_root}/silver/race", delta_storage_options(s3.endpoint, REGION)
    delta.merge_latest(uri, pa.table(rows(["old", "shared"], 0)), ["k"], "v", "h", ["p"], direct)  # versions 0, 1
    proxy.rule = lambda method, path: HOLD if method == "PUT" and re.search(COMMIT, path) else PASS
    options = delta_storage_options(proxy.endpoint, REGION)
    writers = {
        name: Child("merge", {"uri": uri, "options": options, "rows": rows([f"{name}1", f"{name}2", "shared"], v)})
        for name, v in (("a", 1), ("b", 2))
    }
    try:
        wait_for(lambda: len(proxy.held) == 2, 120, "both writers to send their commit")
        proxy.release()  # both commits of version 2 reach S3 together: one wins, one gets a 412
        results = {name: child.result() for name, child in writers.items()}
    finally:
        proxy.stop()

    table = DeltaTable(uri, storage_options=direct)
    final = table.to_pyarrow_table().to_pylist()
    assert Counter(r["k"] for r in final) == Counter(["old", "shared", "a1", "a2", "b1", "b2"])  # no key twice
    assert next(r["v"] for r in final if r["k"] == "shared") == 2  # the later version won, whoever committed last
    versions = [
        DeltaTable(uri, version=v, storage_options=direct).to_pyarrow_table().num_rows
        for v in range(table.version() + 1)
    ]
    assert versions == [0, 2, 4, 6]  # every version readable: created, first merge, the winner, the retried loser
    attempts = sorted(r["attempts"] for r in results.values())
    commit_puts = proxy.count("PUT", COMMIT)
    assert commit_puts == 3 and attempts == [1, 2]  # one commit lost the race; its whole merge ran again
    report(
        "two processes merge into one Delta table at the same instant (S3 conditional put)",
        f"both writers' rows, one row per key; versions 0-3 all readable (rows per version {versions}); "
        f"merge attempts per writer {attempts}, commit PUTs {commit_puts} (one 412, retried)",
        "nothing",
    )
