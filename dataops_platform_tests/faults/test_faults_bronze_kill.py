"""Fault: the run process is SIGKILLed in the middle of a bronze copy (a sensor-requested run).

Kept: every file copied before the kill. Lost: nothing; a cut copy is invisible to readers, and
the retried run copies every requested file exactly once (repairing a copy cut after its ledger
entry instead of copying it again)."""

from __future__ import annotations

import datetime as dt

import pytest

from dataops_platform.steps.bronze import ingest_requested
from dataops_platform.storage.bronze import METADATA_SUFFIX, BronzeStore
from dataops_platform.storage.objects import TEMP_PREFIX, LocalObjectStore
from dataops_platform_tests.support.faults_support import Child, customers_declaration, report

DAY = dt.date(2026, 11, 20)
FILES = [f"crm/customers/c{i}.csv" for i in range(4)]
TARGET = FILES[2]  # killed while copying the third file


@pytest.mark.parametrize("point", ["copy", "ledger", "metadata"])
def test_a_bronze_run_killed_mid_copy_loses_nothing_and_its_retry_copies_each_file_once(point, tmp_path):
    intake, lake = LocalObjectStore(tmp_path / "intake"), LocalObjectStore(tmp_path / "lake")
    for i, key in enumerate(FILES):
        intake.write(key, b"customer_id,email\n" + b"C%07d,c%d@x.co\n" % (i, i) * 2000)
    requested = [(key, intake.head(key).version) for key in FILES]
    store = BronzeStore(lake, intake)
    barrier = tmp_path / "barrier"

    args = dict(
        intake=str(intake.root),
        lake=str(lake.root),
        day=DAY.isoformat(),
        files=requested,
        hang=point,
        target=TARGET,
        barrier=str(barrier),
    )
    Child("bronze", args).kill_when(barrier.exists, f"the bronze copy to reach '{point}'")

    visible = {f.identity[0] for f in store.partition_files("crm", "customers", DAY)}
    assert visible == set(FILES[:2])  # copies before the kill are complete; the cut one is invisible
    leftovers = sorted(p.name for p in (tmp_path / "lake").rglob("*") if p.is_file())
    recorded = [key for key in FILES if store.ledger("crm", "customers").contains(key, dict(requested)[key])]
    assert recorded == FILES[:2] + ([TARGET] if point == "metadata" else [])

    retry = ingest_requested(store, customers_declaration(), DAY, requested)  # the run, retried
    copies = [f.identity for f in store.partition_files("crm", "customers", DAY)]
    assert sorted(copies) == sorted(requested)  # each identity exactly once, none lost
    for copy in store.partition_files("crm", "customers", DAY):
        assert lake.read_bytes(copy.key) == intake.read_bytes(copy.identity[0])
    repaired = point == "metadata"
    assert sorted(retry.already_present) == sorted(FILES[:2] + ([TARGET] if repaired else []))
    data_files = [
        p for p in (tmp_path / "lake" / "bronze").rglob("*") if not p.name.endswith(METADATA_SUFFIX) and p.is_file()
    ]
    orphans = [p.name for p in data_files if not p.with_name(p.name + METADATA_SUFFIX).exists()]
    report(
        f"bronze run SIGKILLed at '{point}' of file 3/4",
        f"files 1-2 visible before the retry; after it all 4 identities exactly once "
        f"({'cut copy repaired, not copied again' if repaired else 'file 3 copied again'}); "
        f"leftovers after the kill: {len(leftovers)} file(s)",
        f"nothing; invisible garbage left: {orphans or 'none'}, temporary files: "
        f"{[n for n in leftovers if n.startswith(TEMP_PREFIX)] or 'none'}",
    )
