"""The job entrypoint, run through Dagster Pipes, reports exactly what the local engine reports.

A silver partition and a gold product built on it are materialized in separate lakes that
start from the same bronze (and, for gold, silver) tables, each with its own Dagster instance:

- `local`: in-process (DATAOPS_ENGINE=local), the reference;
- `pipes`: silver by `python -m dataops_platform.job.entrypoint` under PipesSubprocessClient;
- `serverless`: gold through PipesDatabricksServerlessClient against a stand-in workspace (no
  real one exists here) whose "cluster" runs the deployed entrypoint file with the deployed
  wheel, Pipes files on a fake UC volume. (The classic client's DBFS files are exercised in
  test_databricks_submit.py, without a job process, to keep this module's time down.)

Every job process starts its own local Spark and uses delta-rs table I/O (Databricks' Delta is
not available offline). What reaches the Dagster instance must match the reference: metadata
keys and figures, check pass/fail, severity and metadata. Only timings and the bytes of the
Parquet files (which depend on how the writer chunks rows) may differ, and the Databricks
clients add the run id and URL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from types import SimpleNamespace

import dagster as dg
import pytest

from dataops_platform import demo_data
from dataops_platform.cli import databricks as cli_databricks
from dataops_platform.definitions import build_definitions
from dataops_platform.orchestration.resources.compute import ComputeResource, compute_resource
from dataops_platform.settings import DatabricksSettings, Settings
from dataops_platform_tests.databricks.test_databricks_workspace_fake import FakeWorkspace, requires_compute_hook

pytestmark = requires_compute_hook

DAY = dt.date(2026, 11, 10)
REFERENCE = ["bronze/customers", "bronze/transactions", "silver/customers", "silver/transactions", "gold/daily_revenue"]
SILVER, GOLD = "silver/customers", "gold/daily_revenue"
DATABRICKS_KEYS = ("Databricks Job Run ID", "Databricks Job Run URL")
PHYSICAL = {"duration_seconds", "bytes"}  # timings and file sizes: present, but not compared
JOB_ENV = {
    "DATAOPS_SPARK_MASTER": "local[1]",  # each job process starts its own small Spark
    "DATAOPS_SPARK_DRIVER_MEMORY": "1g",
    "DATAOPS_SPARK_SHUFFLE_PARTITIONS": "2",
    "JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",  # a JVM for seconds of tiny data
}


def materialize(defs: dg.Definitions, keys: list[str], instance, **resources) -> dg.ExecuteInJobResult:
    wanted = {dg.AssetKey.from_user_string(k) for k in keys}
    assets = [a for a in defs.assets if isinstance(a, dg.AssetsDefinition) and wanted & set(a.keys)]
    return dg.materialize(
        assets,
        partition_key=DAY.isoformat(),
        instance=instance,
        raise_on_error=False,
        resources={**defs.resources, **resources},
    )


def normalized(metadata) -> dict:
    """Metadata values as stored, JSON-normalized, with timings and file sizes masked."""

    def mask(value):
        if isinstance(value, dict):
            return {k: "<physical>" if k in PHYSICAL else mask(v) for k, v in value.items()}
        return [mask(v) for v in value] if isinstance(value, list) else value

    return mask(json.loads(json.dumps({k: v.value for k, v in metadata.items()}, default=str)))


def reported(result: dg.ExecuteInJobResult) -> SimpleNamespace:
    """Materializations and check results in the instance; the Databricks run id and URL that
    dagster-databricks adds to each of them are set aside in `databricks_runs`."""
    assert result.success
    materializations = {
        e.materialization.asset_key.to_user_string(): normalized(e.materialization.metadata)
        for e in result.get_asset_materialization_events()
    }
    checks = {
        f"{e.asset_key.to_user_string()}:{e.check_name}": {
            "passed": e.passed,
            "severity": e.severity.value,
            "metadata": normalized(e.metadata),
        }
        for e in result.get_asset_check_evaluations()
    }
    every = [*materializations.values(), *(c["metadata"] for c in checks.values())]
    databricks_runs = {tuple(m.pop(k, None) for k in DATABRICKS_KEYS) for m in every}
    return SimpleNamespace(
        materializations=materializations, checks=checks, run_id=result.run_id, databricks_runs=databricks_runs
    )


def checks_of(run: SimpleNamespace, asset: str) -> dict:
    return {k: v for k, v in run.checks.items() if k.startswith(asset + ":")}


def stand_in(workspace: FakeWorkspace, settings: Settings) -> ComputeResource:
    """The `compute` resource of these settings, talking to the stand-in workspace."""

    class StandIn(ComputeResource):
        def workspace_client(self):
            return workspace

    configured = compute_resource(settings)
    return StandIn(**{name: getattr(configured, name) for name in ComputeResource.model_fields})


@pytest.fixture(scope="module")
def lakes(tmp_path_factory, spark):
    """The reference (local) run, and a helper making lakes that start from its bronze/silver."""
    root = tmp_path_factory.mktemp("pipes")
    intake = root / "intake"
    demo_data.generate(intake, rows=60, days=1, start_date=DAY, seed=11)

    def settings(name: str, **overrides) -> Settings:
        return Settings(intake_root=str(intake), lake_root=str(root / name), partitions_start="2026-11-01", **overrides)

    def lake(name: str, copy: tuple[str, ...]) -> Settings:
        for folder in copy:
            shutil.copytree(root / "local" / folder, root / name / folder)
        return settings(name)

    defs = build_definitions(settings("local"))
    with pytest.MonkeyPatch.context() as env, dg.instance_for_test() as instance:
        for name, value in JOB_ENV.items():
            env.setenv(name, value)
        local = reported(materialize(defs, REFERENCE, instance))
        yield SimpleNamespace(root=root, local=local, lake=lake, settings=settings)


@pytest.fixture(scope="module")
def pipes(lakes):
    settings = lakes.lake("pipes", ("bronze",))
    defs = build_definitions(dataclasses.replace(settings, engine="subprocess"))
    with dg.instance_for_test() as instance:
        run = reported(materialize(defs, [SILVER], instance))
        run.logs = [e.user_message for e in instance.all_logs(run.run_id)]
        yield run


@pytest.fixture(scope="module")
def artifacts(lakes):
    """`dataops databricks deploy` into the stand-in: the wheel and the entrypoint file."""
    target = lakes.root / "artifacts"
    workspace = FakeWorkspace(lakes.root / "deploy")
    cli_databricks.deploy(DatabricksSettings(artifacts_path=str(target)), lakes.root / "dist", workspace=workspace)
    return SimpleNamespace(path=str(target), uploaded=sorted(workspace.uploaded))


def on_stand_in(lakes, artifacts, name: str, asset: str, copy: tuple[str, ...], **databricks) -> SimpleNamespace:
    settings = lakes.lake(name, copy)
    databricks = DatabricksSettings(
        artifacts_path=artifacts.path,
        lake_root=settings.lake_root,
        tables="delta_rs",
        poll_interval_seconds=0.2,
        **databricks,
    )
    settings = dataclasses.replace(settings, engine="databricks", databricks=databricks)
    workspace = FakeWorkspace(lakes.root / f"{name}-workspace")
    with dg.instance_for_test() as instance:
        result = materialize(build_definitions(settings), [asset], instance, compute=stand_in(workspace, settings))
        assert result.success, workspace.driver_logs()
        run = reported(result)
        run.logs = [e.user_message for e in instance.all_logs(run.run_id)]
    run.submitted = workspace.jobs.submitted
    return run


@pytest.fixture(scope="module")
def serverless(lakes, artifacts):
    volume = lakes.root / "Volumes" / "main" / "dataops" / "pipes"
    volume.mkdir(parents=True)
    return on_stand_in(lakes, artifacts, "serverless", GOLD, ("silver",), client="serverless", volume_path=str(volume))


@pytest.mark.parametrize("asset", [SILVER, "quarantine/customers"])
def test_subprocess_metadata_is_identical(lakes, pipes, asset):
    assert lakes.local.materializations[asset]["dagster/row_count"] > 0
    assert pipes.materializations[asset] == lakes.local.materializations[asset]
    assert pipes.databricks_runs == {(None, None)}


def test_subprocess_check_results_are_identical(lakes, pipes):
    assert len(checks_of(lakes.local, SILVER)) == 6
    assert checks_of(pipes, SILVER) == checks_of(lakes.local, SILVER)


def test_job_logs_stream_back_to_the_dagster_run(lakes, pipes):
    rows_read = lakes.local.materializations[SILVER]["rows_read"]
    assert any(f"customers {DAY}: {rows_read} rows read" in m for m in pipes.logs)


def test_serverless_run_reports_what_the_local_engine_reports(lakes, artifacts, serverless):
    assert serverless.materializations[GOLD] == lakes.local.materializations[GOLD]
    assert len(checks_of(lakes.local, GOLD)) == 3
    assert checks_of(serverless, GOLD) == checks_of(lakes.local, GOLD)
    assert serverless.databricks_runs == {("100", "https://fake.databricks/run/100")}
    [submitted] = serverless.submitted
    [task] = submitted["tasks"]
    assert task["spark_python_task"]["python_file"] == f"{artifacts.path}/dataops_entrypoint.py"
    parameters = task["spark_python_task"]["parameters"]
    assert parameters[:4] == [
        "--wheel",
        f"{artifacts.path}/dataops_platform-0.1.0-py3-none-any.whl",
        "--pipes-io",
        "volumes",
    ]
    assert parameters[4::2] == ["--dagster-pipes-context", "--dagster-pipes-messages"]
    assert task["environment_key"] == "dataops" and "new_cluster" not in task and "libraries" not in task
    [environment] = submitted["environments"]
    assert [d.split("<")[0].split(">")[0] for d in environment["spec"]["dependencies"]] == [
        "dagster-pipes",
        "deltalake",
        "pandera",
        "pydantic",
        "pyyaml",
    ]
    assert submitted["run_name"] == f"dataops {GOLD} {DAY}..{DAY}"
    # the job imported the package from the deployed wheel, not from this checkout, and its logs reached Dagster
    assert any(m.startswith("dataops_platform 0.1.0 from ") and "dataops_wheel_" in m for m in serverless.logs)
    assert any(f"daily_revenue as of {DAY}" in m for m in serverless.logs)


def test_deploy_uploads_the_wheel_and_the_entrypoint(artifacts):
    assert artifacts.uploaded == [
        f"{artifacts.path}/dataops_entrypoint.py",
        f"{artifacts.path}/dataops_platform-0.1.0-py3-none-any.whl",
    ]
