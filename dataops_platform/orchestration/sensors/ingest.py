"""What the intake sensors ask for: one bronze run per dataset, ingestion date and batch of files.

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


def ingest_job(selection: dg.AssetSelection = dg.AssetSelection.groups("bronze")) -> dg.UnresolvedAssetJobDefinition:
    """The one job of every bronze asset; each intake run selects its dataset's asset. One job
    rather than one per dataset keeps the code location's load time flat as datasets grow."""
    return dg.define_asset_job(
        INGEST_JOB,
        selection=selection,
        description="Copy intake files into bronze (started by the intake sensors; each run copies one dataset's files).",
    )


@dataclass(frozen=True)
class IngestTarget:
    """A dataset's bronze asset in the ingest job, and how to ask it to copy a list of files."""

    declaration: DatasetDeclaration
    job_name: str = INGEST_JOB

    @property
    def asset_key(self) -> dg.AssetKey:
        return bronze_key(self.declaration)

    @property
    def op_name(self) -> str:
        return bronze_op_name(self.declaration)

    def accepts(self, key: str) -> bool:
        return matches(key, self.declaration.intake.prefix, self.declaration.intake.pattern)

    def run_requests(self, files: list[tuple[str, str]], now: float, seq: int, trigger: str) -> list[dg.RunRequest]:
        """One run per MAX_FILES_PER_RUN (key, version) files, for the ingestion date of `now`."""
        day = dt.datetime.fromtimestamp(now, dt.timezone.utc).date().isoformat()
        files = sorted(set(files))
        requests = []
        for start in range(0, len(files), MAX_FILES_PER_RUN):
            batch = files[start : start + MAX_FILES_PER_RUN]
            digest = hashlib.sha256("\n".join(f"{k}\t{v}" for k, v in batch).encode()).hexdigest()[:16]
            config = BronzeConfig(files=[IntakeObject(key=k, version=v) for k, v in batch])
            requests.append(
                dg.RunRequest(
                    run_key=f"{trigger}:{self.declaration.name}:{day}:{seq}:{digest}",
                    job_name=self.job_name,
                    asset_selection=[self.asset_key],
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
