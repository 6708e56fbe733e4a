"""What the intake sensors ask for: one run per dataset, ingestion date and batch of files.

A run copies the files into bronze and, by default (DATAOPS_INTAKE_RUNS=through_gold), goes on
in the same process to the dataset's silver and quarantine and to the gold products that read
it: one run start and one JVM from a landed file to gold instead of three runs and two
automation ticks. Silver's blocking checks still stop gold inside the run, and a product whose
other inputs fail a blocking check right now is left to automation, which waits for them. A
product whose other input has no silver table yet is selected all the same: its step skips
without output when it runs before that table exists (steps/runner.py `run_gold`), so on the first
day the run whose silver lands last builds it, and automation remains the fallback.

Files found together are batched into one run per dataset and ingestion date (the UTC date of
the request); the run's config lists each file's key and version, and the bronze asset copies
exactly those. The run_key is derived from the file identities and the cursor's tick counter,
so a tick evaluated again from the same cursor (after a crash) asks for the same runs, which
the instance then skips; a file requested again later (a retry) gets a new run_key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import dagster as dg

from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.orchestration.bronze import BronzeConfig, IntakeObject
from dataops_platform.orchestration.keys import bronze_key, bronze_op_name
from dataops_platform.storage.intake import matches

MAX_FILES_PER_RUN = 1000


INGEST_JOB = "ingest_bronze"


CHAINED_SILVER = ("silver", "quarantine")  # groups of a dataset's silver step (one multi-asset)
CHAINED_GOLD = "gold"


def ingest_job(
    selection: dg.AssetSelection = dg.AssetSelection.groups("bronze", *CHAINED_SILVER, CHAINED_GOLD),
) -> dg.UnresolvedAssetJobDefinition:
    """The one job of every intake run; each run selects its dataset's assets. One job rather
    than one per dataset keeps the code location's load time flat as datasets grow."""
    return dg.define_asset_job(
        INGEST_JOB,
        selection=selection,
        description="Copy intake files into bronze, then build the dataset's silver and the gold products that read "
        "it (started by the intake sensors; each run handles one dataset's files).",
    )


def chained_assets(context: dg.SensorEvaluationContext, bronze: dg.AssetKey) -> list[dg.AssetKey]:
    """What an intake run builds after its bronze copy: the dataset's silver and quarantine, and
    the gold products that read that silver, except those with another input whose latest
    blocking check failed: automation builds them once that input passes."""
    repository = context.repository_def
    if repository is None:  # a sensor evaluated without its definitions: bronze only
        return []
    graph = repository.asset_graph
    silver = sorted(k for k in graph.get(bronze).child_keys if graph.get(k).group_name in CHAINED_SILVER)
    gold = {k for s in silver for k in graph.get(s).child_keys if graph.get(k).group_name == CHAINED_GOLD}
    held = {g for g in gold if _failing(context.instance, graph, graph.get(g).parent_keys - set(silver))}
    return silver + sorted(gold - held)


def _failing(instance: dg.DagsterInstance, graph, inputs) -> bool:
    """An input whose latest blocking check failed with ERROR. An input never built does not
    count: the gold step skips while a silver table it reads does not exist."""
    checks = [c for key in inputs for c in graph.get(key).check_keys if graph.get_check_spec(c).blocking]
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(checks) if checks else {}
    return any(_failed_with_error(record) for record in latest.values())


def _failed_with_error(record) -> bool:
    if record is None or record.status.value != "FAILED" or record.event is None:
        return False
    evaluation = record.event.dagster_event.event_specific_data
    return getattr(evaluation, "severity", dg.AssetCheckSeverity.ERROR) == dg.AssetCheckSeverity.ERROR


@dataclass(frozen=True)
class IngestTarget:
    """A dataset's bronze asset in the ingest job, and how to ask it to copy a list of files."""

    declaration: DatasetDeclaration
    job_name: str = INGEST_JOB
    through_gold: bool = False  # also build the dataset's silver and the gold products that read it

    @property
    def asset_key(self) -> dg.AssetKey:
        return bronze_key(self.declaration)

    @property
    def op_name(self) -> str:
        return bronze_op_name(self.declaration)

    def accepts(self, key: str) -> bool:
        return matches(key, self.declaration.intake.prefix, self.declaration.intake.pattern)

    def run_requests(
        self, files: list[tuple[str, str]], now: float, seq: int, trigger: str, context: dg.SensorEvaluationContext
    ) -> list[dg.RunRequest]:
        """One run per MAX_FILES_PER_RUN (key, version) files, for the ingestion date of `now`."""
        day = dt.datetime.fromtimestamp(now, dt.timezone.utc).date().isoformat()
        files = sorted(set(files))
        downstream = chained_assets(context, self.asset_key) if files and self.through_gold else []
        requests = []
        for start in range(0, len(files), MAX_FILES_PER_RUN):
            batch = files[start : start + MAX_FILES_PER_RUN]
            digest = hashlib.sha256("\n".join(f"{k}\t{v}" for k, v in batch).encode()).hexdigest()[:16]
            config = BronzeConfig(files=[IntakeObject(key=k, version=v) for k, v in batch])
            requests.append(
                dg.RunRequest(
                    run_key=f"{trigger}:{self.declaration.name}:{day}:{seq}:{digest}",
                    job_name=self.job_name,
                    asset_selection=[self.asset_key, *downstream],
                    partition_key=day,
                    run_config=dg.RunConfig(ops={self.op_name: config}),
                    tags={
                        "dataops/trigger": trigger,
                        "dataops/dataset": self.declaration.name,
                        "dataops/files": str(len(batch)),
                    },
                )
            )
        return requests


def sensor_result(requests: list[dg.RunRequest], cursor: str, skip_reason: str) -> dg.SensorResult:
    if requests:
        return dg.SensorResult(run_requests=requests, cursor=cursor)
    return dg.SensorResult(skip_reason=skip_reason, cursor=cursor)
