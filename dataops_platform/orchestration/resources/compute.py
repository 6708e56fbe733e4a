"""The `compute` resource: where a silver or gold step runs, chosen by DATAOPS_ENGINE.

- `local`: in this process, on the `spark` resource's session;
- `subprocess`: the job entrypoint in a local Python process through PipesSubprocessClient;
- `databricks`: the job entrypoint as a one-time Databricks run through PipesDatabricksClient
  (classic: new or existing cluster, Pipes files on DBFS) or PipesDatabricksServerlessClient
  (serverless: Pipes files on a Unity Catalog volume).

Every engine runs `steps/runner.py`, so asset keys, checks, transforms and the reported
metadata do not depend on it. The workspace client reads DATABRICKS_HOST / DATABRICKS_TOKEN
(or a profile) itself; nothing here reads, stores or logs them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_pyspark import LazyPySparkResource

from dataops_platform.declarations import DatasetDeclaration, ProductDeclaration
from dataops_platform.orchestration.check_results import check_result
from dataops_platform.orchestration.databricks_task import submit_args, submit_task
from dataops_platform.orchestration.partitions import partition_dates
from dataops_platform.settings import Settings
from dataops_platform.steps import runner as steps
from dataops_platform.steps.replay import REPLAY_TAG, silver_or_replay

ENTRYPOINT_MODULE = "dataops_platform.job.entrypoint"
RUN_ID_KEY = "Databricks Job Run ID"  # metadata dagster-databricks adds to each result

Result = dg.MaterializeResult | dg.AssetCheckResult


class BatchHeldBack(dg.Failure):
    """A silver batch kept out of the table by a failed blocking check: the step fails with the
    check's figures, and alerts count it as that check's incident, not as a second one."""


def dagster_results(result: steps.StepResult) -> Iterator[Result | dg.AssetMaterialization]:
    """A step's plain results as Dagster results (what the Pipes engines report). A step that held
    a batch back reports only the partitions it did write, then fails with the checks' figures."""
    for materialization in result.materializations:  # plain values: lists and dicts are stored as JSON
        key = dg.AssetKey(list(materialization.asset_key))
        if materialization.partitions is None:
            yield dg.MaterializeResult(asset_key=key, metadata=materialization.metadata)
        for partition in materialization.partitions or []:
            yield dg.AssetMaterialization(asset_key=key, partition=partition, metadata=materialization.metadata)
    for check in result.checks:
        yield check_result(dg.AssetKey(list(check.asset_key)), check.outcome)
    if result.failure:
        raise BatchHeldBack(description=result.failure)


def replay_request(context: dg.AssetExecutionContext) -> str | None:
    """Why a run replays its partitions' quarantine (the run's `dataops/replay` tag), or None."""
    reason = context.run.tags.get(REPLAY_TAG)
    if not reason:
        return None
    return f"run {context.run_id}: {reason}" if reason != "true" else f"run {context.run_id}: replay requested"


class ComputeResource(dg.ConfigurableResource):
    """Runs silver and gold steps in-process, in a local process, or on Databricks (Pipes)."""

    engine: str = "local"
    lake_root: str = ""  # the lake as the step process sees it
    intake_root: str = ""
    tables: str = "delta_rs"  # table I/O of the step process: delta_rs | spark_delta
    client: str = "classic"  # classic | serverless
    task_json: str = "{}"  # the Databricks SubmitTask
    submit_json: str = "{}"  # other jobs.submit arguments (serverless environments)
    volume_path: str = ""  # serverless: UC volume for Pipes files
    poll_interval_seconds: float = 5.0

    def silver(
        self,
        context: dg.AssetExecutionContext,
        spark: LazyPySparkResource,
        lake: steps.Lake,
        declaration: DatasetDeclaration,
        history: list[dict[str, float]],
    ) -> Iterator[Result]:
        """Silver + quarantine + inline checks of the run's partitions (history: newest first)."""
        replay_note = replay_request(context)
        if self.engine == "local":
            days, session = partition_dates(context), spark.spark_session
            return dagster_results(
                silver_or_replay(session, lake, declaration, days, history, context.log, replay_note)
            )
        extras = {"declaration": declaration.source_text, "volume_history": history, "replay_note": replay_note}
        return iter(self._through_pipes(context, extras))

    def gold(
        self,
        context: dg.AssetExecutionContext,
        spark: LazyPySparkResource,
        lake: steps.Lake,
        product: ProductDeclaration,
    ) -> Iterator[Result]:
        """One gold product and its checks for the run's partitions."""
        if self.engine == "local":
            days = partition_dates(context)
            return dagster_results(steps.run_gold(spark.spark_session, lake, product, days, context.log))
        return iter(self._through_pipes(context, {"product": product.source_text}))

    def _through_pipes(self, context: dg.AssetExecutionContext, extras: dict[str, Any]) -> Sequence[Result]:
        extras = {**extras, "lake_root": self.lake_root, "intake_root": self.intake_root, "tables": self.tables}
        if self.engine == "subprocess":
            command = [sys.executable, "-m", ENTRYPOINT_MODULE]
            return dg.PipesSubprocessClient().run(context=context, command=command, extras=extras).get_results()
        if self.engine != "databricks":
            raise ValueError(f"unknown compute engine {self.engine!r}")
        return self._on_databricks(context, extras)

    def workspace_client(self):
        """The Databricks workspace (credentials from DATABRICKS_* variables or a profile)."""
        from databricks.sdk import WorkspaceClient

        return WorkspaceClient()

    def pipes_client(self):
        from dagster_databricks.pipes import PipesDatabricksClient, PipesDatabricksServerlessClient

        workspace, poll = self.workspace_client(), self.poll_interval_seconds
        if self.client == "serverless":
            return PipesDatabricksServerlessClient(
                client=workspace, volume_path=self.volume_path, poll_interval_seconds=poll, forward_termination=True
            )
        return PipesDatabricksClient(client=workspace, poll_interval_seconds=poll, forward_termination=True)

    def _on_databricks(self, context: dg.AssetExecutionContext, extras: dict[str, Any]) -> Sequence[Result]:
        from databricks.sdk.service import jobs

        pipes = self.pipes_client()
        arguments = json.loads(self.submit_json)
        if "environments" in arguments:
            arguments["environments"] = [jobs.JobEnvironment.from_dict(e) for e in arguments["environments"]]
        key_range = context.partition_key_range
        assets = ", ".join(sorted(k.to_user_string() for k in context.selected_asset_keys))
        run_name = f"dataops {assets} {key_range.start}..{key_range.end}"
        invocation = pipes.run(
            context=context,
            extras=extras,
            task=jobs.SubmitTask.from_dict(json.loads(self.task_json)),
            submit_args={"run_name": run_name, **arguments},
        )
        _raise_unless_succeeded(pipes.client, invocation.metadata)
        return invocation.get_results()


def _raise_unless_succeeded(workspace, metadata) -> None:
    """When the Dagster run is interrupted, PipesDatabricks*Client.run cancels the Databricks run
    and waits for it to stop, then returns normally (dagster-databricks 0.29): end the step as
    interrupted instead of letting it pass with whatever was reported."""
    from databricks.sdk.service import jobs

    raw = metadata[RUN_ID_KEY]
    run_id = int(getattr(raw, "value", raw))
    state = workspace.jobs.get_run(run_id).state
    if state is None or state.result_state != jobs.RunResultState.SUCCESS:
        ended = state.result_state.value if state and state.result_state else "not finished"
        raise dg.DagsterExecutionInterruptedError(f"Databricks run {run_id} was cancelled ({ended})")


def _absolute(root: str) -> str:
    return root if "://" in root else str(Path(root).resolve())


def compute_resource(settings: Settings) -> ComputeResource:
    """The `compute` resource for these settings (same resource key in every environment)."""
    if settings.engine != "databricks":  # the step process runs on this machine, maybe in another folder
        return ComputeResource(
            engine=settings.engine, lake_root=_absolute(settings.lake_root), intake_root=_absolute(settings.intake_root)
        )
    databricks = settings.databricks
    return ComputeResource(
        engine="databricks",
        lake_root=databricks.lake_root,
        intake_root=settings.intake_root,
        tables=databricks.tables,
        client=databricks.client,
        task_json=json.dumps(submit_task(databricks)),
        submit_json=json.dumps(submit_args(databricks)),
        volume_path=databricks.volume_path,
        poll_interval_seconds=databricks.poll_interval_seconds,
    )
