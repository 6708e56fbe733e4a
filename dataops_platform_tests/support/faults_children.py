"""Child processes of the fault tests: `python -m dataops_platform_tests.support.faults_children <command> <json>`.

Each runs one real step of the platform and prints one JSON line with what it did. A fault point
inside the step is reached by wrapping a function in this process only (production code has no
fault hook): the wrapper touches a barrier file and sleeps until the test SIGKILLs the process.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

from dataops_platform_tests.support.faults_support import customers_declaration

DATASET = "customers"


def hang(barrier: str) -> None:
    """Say the fault point is reached, then wait to be killed."""
    Path(barrier).touch()
    time.sleep(3600)


def _hang_in_bronze(point: str, target: str, barrier: str) -> None:
    """Wrap one step of the bronze copy of intake key `target` so that it hangs at `point`:
    `copy` (data file half written), `ledger` (data written, ledger entry not) or `metadata`
    (ledger entry written, metadata file not)."""
    from dataops_platform.storage import bronze, ledger
    from dataops_platform.storage.objects import LocalObjectStore

    if point == "copy":
        original_read = bronze._Digesting.read

        def read(self, size=-1):
            if self.size and getattr(self.raw, "name", "").endswith(target.rsplit("/", 1)[-1]):
                hang(barrier)  # the first chunk is already in the temporary file
            return original_read(self, size)

        bronze._Digesting.read = read
    elif point == "ledger":
        original_record = ledger.IngestLedger.record

        def record(self, key, version, metadata):
            if key == target:
                hang(barrier)
            return original_record(self, key, version, metadata)

        ledger.IngestLedger.record = record
    else:
        original_write = LocalObjectStore.write

        def write(self, key, data, if_absent=False):
            if key.endswith(target.rsplit("/", 1)[-1] + bronze.METADATA_SUFFIX):
                hang(barrier)
            return original_write(self, key, data, if_absent)

        LocalObjectStore.write = write


def bronze(args: dict) -> dict:
    """A sensor-requested bronze run (ingest_requested) on a local lake."""
    from dataops_platform.steps.bronze import ingest_requested
    from dataops_platform.storage.bronze import BronzeStore
    from dataops_platform.storage.objects import LocalObjectStore

    if args.get("hang"):
        _hang_in_bronze(args["hang"], args["target"], args["barrier"])
    store = BronzeStore(LocalObjectStore(args["lake"]), LocalObjectStore(args["intake"]))
    outcome = ingest_requested(
        store, customers_declaration(), dt.date.fromisoformat(args["day"]), [tuple(f) for f in args["files"]]
    )
    return {"ingested": [f.identity[0] for f in outcome.ingested], "already_present": outcome.already_present}


def silver(args: dict) -> dict:
    """The silver step of one ingestion date, with its own SparkSession (the run process)."""
    from pyspark.sql import SparkSession

    from dataops_platform.orchestration.resources.lake import LakeResource
    from dataops_platform.settings import Settings
    from dataops_platform_tests.support.silver_steps import process_silver_day

    settings = Settings(
        intake_root="unused",
        lake_root="unused",
        spark_master="local[1]",
        spark_driver_memory="1g",
        spark_shuffle_partitions=2,
    )
    builder = SparkSession.builder
    for key, value in settings.spark_config().items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    lake = LakeResource(**args["lake"])
    outcome = process_silver_day(
        spark,
        lake.bronze,
        customers_declaration(),
        dt.date.fromisoformat(args["day"]),
        lake.silver_uri(DATASET),
        lake.quarantine_uri(DATASET),
        lake.tables,
    )
    return {"silver_version": outcome.silver_version, "rows_inserted": outcome.rows_inserted}


def merge(args: dict) -> dict:
    """One merge_latest into a Delta table; counts the merge attempts (a lost race is retried)."""
    import pyarrow as pa
    from deltalake import DeltaTable

    from dataops_platform.storage import delta

    attempts = []
    original = DeltaTable.merge

    def counted(self, *a, **k):
        attempts.append(time.time())
        return original(self, *a, **k)

    DeltaTable.merge = counted
    result = delta.merge_latest(args["uri"], pa.table(args["rows"]), ["k"], "v", "h", ["p"], args["options"])
    return {"attempts": len(attempts), "version": result.version}


def daemon(args: dict) -> dict:
    """Iterations of Dagster's own sensor daemon loop over the `sensor_location` code location,
    optionally SIGKILLed by Dagster's debug crash flag at `crash_at` (e.g. RUN_CREATED)."""
    import logging
    import signal

    from dagster._core.instance import DagsterInstance
    from dagster._core.remote_origin import InProcessCodeLocationOrigin
    from dagster._core.test_utils import create_test_daemon_workspace_context
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
    from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
    from dagster._daemon.sensor import execute_sensor_iteration

    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(
            executable_path=sys.executable,
            module_name="dataops_platform_tests.support.faults_support",
            attribute="sensor_location",
            working_directory=str(Path.cwd()),
        ),
        location_name="faults",
    )
    flags = {"intake_customers": {args["crash_at"]: signal.SIGKILL}} if args.get("crash_at") else None
    with DagsterInstance.get() as instance:
        with create_test_daemon_workspace_context(InProcessWorkspaceLoadTarget(origin), instance) as context:
            for i in range(args.get("iterations", 1)):
                if i:
                    time.sleep(1.1)  # the sensor's minimum interval
                list(
                    execute_sensor_iteration(context, logging.getLogger("faults"), None, None, debug_crash_flags=flags)
                )
    return {"iterations": args.get("iterations", 1)}


COMMANDS = {"bronze": bronze, "silver": silver, "merge": merge, "daemon": daemon}

if __name__ == "__main__":
    print(json.dumps(COMMANDS[sys.argv[1]](json.loads(sys.argv[2]))), flush=True)
