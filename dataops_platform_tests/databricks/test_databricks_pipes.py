"""The job entrypoint, run through Dagster Pipes, reports exactly what the local engine reports.

A silver partition and a gold product built on it are materialized in separate lakes that
start from the same bronze (and, for gold, silver) tables, each with its own Dagster instance:

- `local`: in-process (DATAOPS_ENGINE=local), the reference;
- `pipes`: silver by `python -m dataops_platform.job.entrypoint` under PipesSubprocessClient;
- `classic`: silver on a new cluster and gold on an existing cluster, through
  PipesDatabricksClient (Pipes files on DBFS);
- `serverless`: silver and gold through PipesDatabricksServerlessClient (Pipes files on a
  Unity Catalog volume).

The Databricks runs go through the real databricks-sdk WorkspaceClient to the recording
workspace (workspace.py: only the workspace is mocked), configured from DATAOPS_* variables by
`Settings.from_env()` as a user's would be, after `dataops databricks deploy` uploaded the wheel
and the entrypoint through the same client. The driver runs the deployed entrypoint file with
the deployed wheel in the environment a Databricks driver has (DATABRICKS_RUNTIME_VERSION set,
nothing of this test's environment), so the job's on-Databricks branches run; it uses delta-rs
table I/O (Databricks' Delta is not available offline). What reaches the Dagster instance must
match the reference: metadata keys and figures, check pass/fail, severity and metadata. Only
timings and the bytes of the Parquet files may differ, and the Databricks clients add the run
id and URL. Each test also asserts the runs/submit request body the workspace received.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from types import SimpleNamespace

import dagster as dg
import pytest
from dagster_pipes import decode_param

from dataops_platform import demo_data
from dataops_platform.cli import databricks as cli_databricks
from dataops_platform.definitions import build_definitions
from dataops_platform.orchestration.databricks_task import runtime_requirements
from dataops_platform.settings import DatabricksSettings, Settings
from dataops_platform_tests.databricks.workspace import (
    HOST,
    SUBMIT,
    RecordingWorkspace,
    compute_on,
    databricks_settings,
    sign_in,
)

# one worker runs the whole module: its tests share one recorded workspace and read what the others sent
pytestmark = pytest.mark.slow

DAY = dt.date(2026, 11, 10)
REFERENCE = ["bronze/customers", "bronze/transactions", "silver/customers", "silver/transactions", "gold/daily_revenue"]
SILVER, GOLD = "silver/customers", "gold/daily_revenue"
DATABRICKS_KEYS = ("Databricks Job Run ID", "Databricks Job Run URL")
# timings, file sizes and Spark costs: present, but not compared
PHYSICAL = {"duration_seconds", "bytes", "spark_task_seconds", "spark_input_bytes", "spark_jobs"}
TOKEN = "dapi-pipes-test-token"
JOB_ENV = {
    "DATAOPS_SPARK_MASTER": "local[1]",  # each job process starts its own small Spark
    "DATAOPS_SPARK_DRIVER_MEMORY": "1g",
    "DATAOPS_SPARK_SHUFFLE_PARTITIONS": "2",
    "JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",  # a JVM for seconds of tiny data
}
ARTIFACTS, VOLUMES = "/Volumes/main/dataops/artifacts", "/Volumes/main/dataops"
CLUSTER = {"spark_version": "17.3.x-scala2.13", "node_type_id": "m5d.large", "num_workers": 1}
EXISTING_CLUSTER = "0101-123456-abcdef"
WHEEL = f"{ARTIFACTS}/dataops_platform-0.1.0-py3-none-any.whl"


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


@pytest.fixture(scope="module")
def lakes(tmp_path_factory, spark):
    """The reference (local) run, and the intake every other run reads."""
    root = tmp_path_factory.mktemp("pipes")
    intake = root / "intake"
    demo_data.generate(intake, rows=60, days=1, start_date=DAY, seed=11)

    def settings(lake) -> Settings:
        return Settings(intake_root=str(intake), lake_root=str(lake), partitions_start="2026-11-01")

    def lake(target, copy: tuple[str, ...]):
        for folder in copy:
            shutil.copytree(root / "local" / folder, target / folder)
        return target

    defs = build_definitions(settings(root / "local"))
    with pytest.MonkeyPatch.context() as env, dg.instance_for_test() as instance:
        for name, value in JOB_ENV.items():
            env.setenv(name, value)
        local = reported(materialize(defs, REFERENCE, instance))
        yield SimpleNamespace(root=root, intake=intake, local=local, lake=lake, settings=settings)


@pytest.fixture(scope="module")
def pipes(lakes):
    settings = lakes.settings(lakes.lake(lakes.root / "pipes", ("bronze",)))
    defs = build_definitions(Settings(**{**vars(settings), "engine": "subprocess"}))
    with dg.instance_for_test() as instance:
        run = reported(materialize(defs, [SILVER], instance))
        run.logs = [e.user_message for e in instance.all_logs(run.run_id)]
        yield run


@pytest.fixture(scope="module")
def workspace(lakes):
    """The recording workspace, after `dataops databricks deploy` uploaded the wheel and the
    entrypoint to a UC volume through the SDK's Files API."""
    with RecordingWorkspace(lakes.root / "workspace") as workspace, pytest.MonkeyPatch.context() as env:
        sign_in(env, TOKEN)
        settings = DatabricksSettings(artifacts_path=ARTIFACTS)
        cli_databricks.deploy(settings, lakes.root / "dist", workspace=workspace.client())
        yield workspace


def on_databricks(lakes, workspace, name: str, asset: str, copy: tuple[str, ...], **variables) -> SimpleNamespace:
    """Materialize `asset` with DATAOPS_ENGINE=databricks; the lake is a UC volume the driver sees."""
    lake = lakes.lake(workspace.fuse_root / VOLUMES.lstrip("/") / name, copy)
    with pytest.MonkeyPatch.context() as env:
        settings = databricks_settings(
            env,
            DATAOPS_INTAKE_ROOT=str(lakes.intake),
            DATAOPS_LAKE_ROOT=str(lake),
            DATAOPS_PARTITIONS_START="2026-11-01",
            DATAOPS_DATABRICKS_LAKE_ROOT=f"{VOLUMES}/{name}",
            DATAOPS_DATABRICKS_ARTIFACTS=ARTIFACTS,
            DATAOPS_DATABRICKS_TABLES="delta_rs",
            DATAOPS_DATABRICKS_POLL_SECONDS="0.2",
            **variables,
        )
        sign_in(env, TOKEN)
        with dg.instance_for_test() as instance:
            result = materialize(
                build_definitions(settings), [asset], instance, compute=compute_on(workspace, settings)
            )
            assert result.success, "\n".join(workspace.driver_log(i) for i in workspace.runs)
            run = reported(result)
            run.logs = [e.user_message for e in instance.all_logs(run.run_id)]
    [(run_id, url)] = run.databricks_runs
    run.run_id, run.url = int(run_id), url
    run.submitted = workspace.runs[run.run_id].body
    run.environment = workspace.runs[run.run_id].environment
    return run


@pytest.fixture(scope="module")
def classic_silver(lakes, workspace):
    cluster = json.dumps(CLUSTER)
    variables = dict(DATAOPS_DATABRICKS_CLUSTER=cluster, DATAOPS_DATABRICKS_TIMEOUT_SECONDS="3600")
    return on_databricks(lakes, workspace, "classic_silver", SILVER, ("bronze",), **variables)


@pytest.fixture(scope="module")
def classic_gold(lakes, workspace):
    variables = dict(DATAOPS_DATABRICKS_CLUSTER_ID=EXISTING_CLUSTER)
    return on_databricks(lakes, workspace, "classic_gold", GOLD, ("silver",), **variables)


SERVERLESS = dict(DATAOPS_DATABRICKS_CLIENT="serverless", DATAOPS_DATABRICKS_VOLUME=f"{VOLUMES}/pipes")


@pytest.fixture(scope="module")
def serverless_silver(lakes, workspace):
    return on_databricks(lakes, workspace, "serverless_silver", SILVER, ("bronze",), **SERVERLESS)


@pytest.fixture(scope="module")
def serverless_gold(lakes, workspace):
    variables = dict(**SERVERLESS, DATAOPS_DATABRICKS_TIMEOUT_SECONDS="900")
    return on_databricks(lakes, workspace, "serverless_gold", GOLD, ("silver",), **variables)


def pipes_paths(task: dict) -> dict[str, str]:
    """The Pipes bootstrap parameters of a submitted task, decoded: {'context': path, 'messages': path}."""
    if "new_cluster" in task:
        encoded = task["new_cluster"].pop("spark_env_vars")
        assert sorted(encoded) == ["DAGSTER_PIPES_CONTEXT", "DAGSTER_PIPES_MESSAGES"]
    else:
        parameters = task["spark_python_task"]["parameters"]
        assert parameters[4::2] == ["--dagster-pipes-context", "--dagster-pipes-messages"]
        encoded = {"DAGSTER_PIPES_CONTEXT": parameters[5], "DAGSTER_PIPES_MESSAGES": parameters[7]}
        del parameters[4:]
    decoded = {k.rsplit("_", 1)[1].lower(): decode_param(v)["path"] for k, v in encoded.items()}
    assert "tags" not in task  # the SDK's SubmitTask has no `tags`: dagster-databricks' run tags are dropped
    return decoded


def python_task(pipes_io: str) -> dict:
    return {
        "python_file": f"{ARTIFACTS}/dataops_entrypoint.py",
        "parameters": ["--wheel", WHEEL, "--pipes-io", pipes_io],
    }


LIBRARIES = [{"pypi": {"package": r}} for r in runtime_requirements()]
RUN_NAME = {
    SILVER: f"dataops quarantine/customers, silver/customers {DAY}..{DAY}",
    GOLD: f"dataops {GOLD} {DAY}..{DAY}",
}


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


@pytest.mark.parametrize(
    ("run", "asset"),
    [("classic_silver", SILVER), ("classic_gold", GOLD), ("serverless_silver", SILVER), ("serverless_gold", GOLD)],
)
def test_a_databricks_run_reports_what_the_local_engine_reports(request, lakes, run, asset):
    databricks = request.getfixturevalue(run)
    assets = [asset, "quarantine/customers"] if asset == SILVER else [asset]
    assert sorted(databricks.materializations) == sorted(assets)
    for key in assets:
        assert databricks.materializations[key] == lakes.local.materializations[key]
    assert len(checks_of(lakes.local, asset)) == (6 if asset == SILVER else 3)
    assert checks_of(databricks, asset) == checks_of(lakes.local, asset)
    assert databricks.url == f"{HOST}/jobs/runs/{databricks.run_id}"
    # the driver ran the deployed wheel as on Databricks, and its logs reached the Dagster run
    started = [m for m in databricks.logs if m.startswith("dataops_platform 0.1.0 from ")]
    assert started and "dataops_wheel_" in started[0] and started[0].endswith(" on Databricks runtime 17.3")
    states = [m.rsplit(".", 1)[1] for m in databricks.logs if "observed state transition to" in m]
    assert states == ["PENDING", "RUNNING", "TERMINATED"]


def test_classic_new_cluster_submission(classic_silver, workspace):
    body = classic_silver.submitted
    [task] = body["tasks"]
    paths = pipes_paths(task)
    assert body == {
        "run_name": RUN_NAME[SILVER],
        "tasks": [
            {
                "task_key": "dataops_step",
                "spark_python_task": python_task("dbfs"),
                "new_cluster": CLUSTER,
                "libraries": LIBRARIES,
                "timeout_seconds": 3600,
            }
        ],
    }
    assert paths["context"].startswith("/tmp/") and paths["context"].endswith("/context.json")  # on DBFS
    assert paths["messages"].startswith("/tmp/")
    assert set(classic_silver.environment) >= {"DAGSTER_PIPES_CONTEXT", "DAGSTER_PIPES_MESSAGES"}


def test_classic_existing_cluster_submission(classic_gold, workspace):
    body = classic_gold.submitted
    [task] = body["tasks"]
    paths = pipes_paths(task)  # passed as CLI arguments: an existing cluster's environment is fixed
    assert body == {
        "run_name": RUN_NAME[GOLD],
        "tasks": [
            {
                "task_key": "dataops_step",
                "spark_python_task": python_task("dbfs"),
                "existing_cluster_id": EXISTING_CLUSTER,
                "libraries": LIBRARIES,
            }
        ],
    }
    assert paths["context"].startswith("/tmp/") and "DAGSTER_PIPES_CONTEXT" not in classic_gold.environment
    assert "GET /api/2.1/clusters/get" in workspace.calls()


@pytest.mark.parametrize(
    ("run", "asset", "timeout"), [("serverless_silver", SILVER, None), ("serverless_gold", GOLD, 900)]
)
def test_serverless_submission(request, run, asset, timeout):
    body = request.getfixturevalue(run).submitted
    [task] = body["tasks"]
    paths = pipes_paths(task)
    expected = {"task_key": "dataops_step", "spark_python_task": python_task("volumes"), "environment_key": "dataops"}
    assert body == {
        "run_name": RUN_NAME[asset],
        "tasks": [{**expected, **({"timeout_seconds": timeout} if timeout else {})}],
        "environments": [
            {"environment_key": "dataops", "spec": {"environment_version": "4", "dependencies": runtime_requirements()}}
        ],
    }
    assert all(path.startswith(f"{VOLUMES}/pipes/") for path in paths.values())


def test_drivers_saw_only_what_a_databricks_driver_has(classic_silver, serverless_gold):
    driver = {
        "DATABRICKS_RUNTIME_VERSION",
        "DATAOPS_FUSE_ROOT",
        "HOME",
        "JAVA_TOOL_OPTIONS",
        "LANG",
        "PATH",
        "PYSPARK_PYTHON",
        "PYSPARK_SUBMIT_ARGS",
        "SPARK_LOCAL_IP",
        "TZ",
    }
    assert set(serverless_gold.environment) - {"JAVA_HOME"} == driver
    assert set(classic_silver.environment) - {"JAVA_HOME"} == driver | {
        "DAGSTER_PIPES_CONTEXT",
        "DAGSTER_PIPES_MESSAGES",
    }


def test_every_request_is_signed_with_the_workspace_token_and_carries_it_nowhere_else(workspace):
    assert len(workspace.submissions()) >= 4
    assert {r.headers["Authorization"] for r in workspace.requests} == {f"Bearer {TOKEN}"}
    assert not [r.path for r in workspace.requests if TOKEN in json.dumps(r.body, default=repr)]
    assert [r.path for r in workspace.requests if r.path == SUBMIT]


def test_deploy_uploads_the_wheel_and_the_entrypoint(workspace):
    assert sorted(p for p in workspace.uploaded if p.startswith(ARTIFACTS)) == [
        f"{ARTIFACTS}/dataops_entrypoint.py",
        WHEEL,
    ]
