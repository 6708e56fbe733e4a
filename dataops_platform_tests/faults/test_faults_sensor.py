"""Fault: Dagster's sensor daemon is SIGKILLed after the intake sensor's runs are requested and
before its cursor is stored (Dagster's own debug crash points, in a real daemon process on a
real SQLite instance), then restarted.

Kept: the tick, its reserved runs and the ledger. Lost: nothing; no file is requested or copied
twice: the restarted daemon finishes the interrupted tick (run_key dedup on the instance) and
the ingest ledger keeps later ticks from asking again."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import dagster as dg
import pytest
from dagster._core.scheduler.instigation import TickStatus
from dagster._core.storage.tags import RUN_KEY_TAG

from dataops_platform.storage.bronze import BronzeStore
from dataops_platform.storage.objects import LocalObjectStore
from dataops_platform_tests.support.faults_support import Child, report
from dataops_platform_tests.support.intake_helpers import bronze_identities

TODAY = dt.datetime.now(dt.timezone.utc).date()
INSTANCE_YAML = """
run_coordinator:  # launch at once (no queue daemon here)
  module: dagster._core.run_coordinator
  class: DefaultRunCoordinator
run_launcher:  # runs execute inside the daemon process, so a run is done when its launch returns
  module: dagster._core.launcher.sync_in_memory_run_launcher
  class: SyncInMemoryRunLauncher
telemetry:
  enabled: false
"""


def files_per_run(instance: dg.DagsterInstance) -> dict[str, list[str]]:
    """run_key -> intake keys the run was asked to copy, for every run on the instance."""
    runs = instance.get_runs()
    assert len({r.tags[RUN_KEY_TAG] for r in runs}) == len(runs), "two runs share a run_key"
    return {
        r.tags[RUN_KEY_TAG]: [f["key"] for f in r.run_config["ops"]["bronze__customers"]["config"]["files"]]
        for r in runs
    }


@pytest.mark.slow
@pytest.mark.parametrize("crash_at", ["RUN_IDS_RESERVED", "RUN_LAUNCHED"])  # first, last (RUN_CREATED passes too)
def test_a_daemon_killed_before_storing_the_cursor_requests_no_file_twice(crash_at, tmp_path):
    home, intake, lake = tmp_path / "home", LocalObjectStore(tmp_path / "intake"), LocalObjectStore(tmp_path / "lake")
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_YAML)
    first = [f"crm/customers/c{i}.csv" for i in range(3)]
    for key in first:
        intake.write(key, b"customer_id\n" + key.encode() + b"\n")
    env = {
        "DAGSTER_HOME": str(home),
        "DATAOPS_INTAKE_ROOT": str(intake.root),
        "DATAOPS_LAKE_ROOT": str(lake.root),
        "DATAOPS_PARTITIONS_START": (TODAY - dt.timedelta(days=3)).isoformat(),
    }

    Child("daemon", {"crash_at": crash_at}, env).killed()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        [state] = instance.all_instigator_state()
        assert state.instigator_data.cursor is None  # the cursor was never stored
        [tick] = instance.get_ticks(state.instigator_origin_id, state.selector_id)
        runs_after_kill = {r.run_id: r.status.value for r in instance.get_runs()}
    assert tick.status == TickStatus.STARTED and len(tick.run_ids or tick.tick_data.reserved_run_ids) == 1

    intake.write("crm/customers/c9.csv", b"customer_id\nC9\n")  # lands while the daemon is down
    Child("daemon", {"iterations": 3}, env).result()  # restarted: finishes the tick, then ticks on

    store = BronzeStore(lake, intake)
    copies = bronze_identities(store, "crm", "customers", [TODAY])
    with dg.DagsterInstance.from_config(str(home)) as instance:
        requested = files_per_run(instance)
        statuses = Counter(r.status.value for r in instance.get_runs())
        [state] = instance.all_instigator_state()
        assert state.instigator_data.cursor  # stored by the restarted daemon
    assert Counter(k for keys in requested.values() for k in keys) == Counter(first + ["crm/customers/c9.csv"])
    assert sorted(k for k, _ in copies) == sorted(first + ["crm/customers/c9.csv"]) and set(copies.values()) == {1}
    assert statuses == Counter({"SUCCESS": 2})
    report(
        f"sensor daemon SIGKILLed at {crash_at} (runs requested, cursor not stored)",
        f"the STARTED tick with its reserved run (runs at the kill: {list(runs_after_kill.values()) or 'none'}); "
        f"the restarted daemon finished it, then requested the file that landed meanwhile: "
        f"{len(requested)} runs, {sum(map(len, requested.values()))} file requests for 4 files",
        "nothing; no file requested or copied twice",
    )
