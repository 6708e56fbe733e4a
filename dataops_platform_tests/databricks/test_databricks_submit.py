"""Submitting a step to Databricks, against the stand-in workspace: what is submitted, what a
failed or cancelled Databricks run does to the Dagster step, and the classic client's DBFS
files as the job reads and writes them. No job process runs here (the end-to-end runs are in
test_databricks_pipes.py)."""

from __future__ import annotations

import io

import dagster as dg
import pytest
from dagster._core.pipes import utils as pipes_utils
from dagster_databricks.pipes import PipesDbfsContextInjector, PipesDbfsMessageReader

from dataops_platform.definitions import build_definitions
from dataops_platform.job.pipes_io import DBFS_FUSE_ROOT_ENV, DbfsContextLoader, DbfsMessageWriter
from dataops_platform.settings import DatabricksSettings, Settings
from dataops_platform_tests.databricks.test_databricks_pipes import stand_in
from dataops_platform_tests.databricks.test_databricks_workspace_fake import FakeWorkspace, requires_compute_hook

DAY = "2026-11-10"
SECRET = "dapi-this-token-must-never-show"


@pytest.fixture(autouse=True)
def no_wait_for_late_messages(monkeypatch):
    # no job process runs here, so no Pipes message will come: don't wait 10 s for late ones
    monkeypatch.setattr(pipes_utils, "WAIT_FOR_LOGS_AFTER_EXECUTION_INTERVAL", 0)
    monkeypatch.setenv("DATABRICKS_HOST", "https://example.cloud.databricks.com")
    monkeypatch.setenv("DATABRICKS_TOKEN", SECRET)


@pytest.fixture(scope="module")
def silver(tmp_path_factory):
    """silver/customers and the other resources (the engine only changes `compute`)."""
    root = tmp_path_factory.mktemp("submit")
    defs = build_definitions(
        Settings(intake_root=str(root / "intake"), lake_root=str(root / "lake"), partitions_start="2026-11-01")
    )
    assets = [
        a for a in defs.assets if isinstance(a, dg.AssetsDefinition) and dg.AssetKey(["silver", "customers"]) in a.keys
    ]
    return assets, defs.resources


@pytest.fixture
def submit(tmp_path, silver):
    def run(scenario: str, **databricks) -> tuple[dg.ExecuteInJobResult, FakeWorkspace, list[str]]:
        """Materialize silver/customers with DATAOPS_ENGINE=databricks on the stand-in workspace."""
        settings = Settings(
            intake_root=str(tmp_path / "intake"),
            lake_root=str(tmp_path / "lake"),
            engine="databricks",
            databricks=DatabricksSettings(poll_interval_seconds=0.05, **databricks),
        )
        settings.validate()
        workspace = FakeWorkspace(tmp_path / "workspace", scenario)
        assets, resources = silver
        with dg.instance_for_test() as instance:
            result = dg.materialize(
                assets,
                partition_key=DAY,
                instance=instance,
                raise_on_error=False,
                resources={**resources, "compute": stand_in(workspace, settings)},
            )
            messages = [e.message for e in instance.all_logs(result.run_id)]
        return result, workspace, messages

    return run


@requires_compute_hook
def test_a_failed_databricks_run_fails_the_step(submit):
    result, workspace, messages = submit("failure")
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "Error running Databricks job: task failed" in str(failure.event_specific_data.error)
    assert len(workspace.jobs.submitted) == 1 and workspace.jobs.cancelled == []
    assert not any(SECRET in m for m in messages)


@requires_compute_hook
def test_an_interrupted_dagster_run_cancels_the_databricks_run(submit):
    result, workspace, messages = submit("cancel")
    assert not result.success
    assert workspace.jobs.cancelled == [100]
    assert any("canceling Databricks job" in m for m in messages)
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "Databricks run 100 was cancelled (CANCELED)" in str(failure.event_specific_data.error)


@requires_compute_hook
def test_new_cluster_task_carries_spec_libraries_and_pipes_env(submit):
    cluster = {
        "spark_version": "17.3.x-scala2.13",
        "node_type_id": "m5d.large",
        "num_workers": 2,
        "custom_tags": {"team": "data"},
    }
    _, workspace, _ = submit(
        "failure",
        cluster=cluster,
        libraries=("dagster-pipes==1.13.27",),
        artifacts_path="/Workspace/Shared/dataops",
        timeout_seconds=3600,
    )
    [submitted] = workspace.jobs.submitted
    [task] = submitted["tasks"]
    assert task["spark_python_task"] == {
        "python_file": "/Workspace/Shared/dataops/dataops_entrypoint.py",
        "parameters": [
            "--wheel",
            "/Workspace/Shared/dataops/dataops_platform-0.1.0-py3-none-any.whl",
            "--pipes-io",
            "dbfs",
        ],
    }
    env = task["new_cluster"].pop("spark_env_vars")
    assert task["new_cluster"] == cluster
    assert sorted(env) == ["DAGSTER_PIPES_CONTEXT", "DAGSTER_PIPES_MESSAGES"]
    assert not any(SECRET in value for value in env.values())
    assert task["libraries"] == [{"pypi": {"package": "dagster-pipes==1.13.27"}}]
    assert task["timeout_seconds"] == 3600
    assert submitted["run_name"] == f"dataops quarantine/customers, silver/customers {DAY}..{DAY}"


@requires_compute_hook
def test_existing_cluster_task_gets_pipes_parameters_as_arguments(submit):
    _, workspace, _ = submit("failure", existing_cluster_id="0101-123456-abcdef")
    [task] = workspace.jobs.submitted[0]["tasks"]
    assert task["existing_cluster_id"] == "0101-123456-abcdef" and "new_cluster" not in task
    parameters = task["spark_python_task"]["parameters"]
    assert parameters[2:4] == ["--pipes-io", "dbfs"]
    assert parameters[4::2] == ["--dagster-pipes-context", "--dagster-pipes-messages"]
    assert [lib["pypi"]["package"].split("<")[0].split(">")[0] for lib in task["libraries"]][0] == "dagster-pipes"


@requires_compute_hook
def test_settings_and_resources_keep_the_workspace_credentials_out(tmp_path):
    settings = Settings(intake_root=str(tmp_path), lake_root=str(tmp_path), engine="databricks")
    defs = build_definitions(settings)
    assert SECRET not in repr(settings) and SECRET not in repr(defs.resources["compute"])


def test_job_reads_the_context_and_writes_messages_through_the_dbfs_mount(tmp_path, monkeypatch):
    workspace = FakeWorkspace(tmp_path)
    monkeypatch.setenv(DBFS_FUSE_ROOT_ENV, str(workspace.api_client.dbfs_root))
    context = {"asset_keys": ["gold/daily_revenue"], "extras": {"tables": "spark_delta"}}
    with PipesDbfsContextInjector(client=workspace).inject_context(context) as params:
        with DbfsContextLoader().load_context(params) as loaded:
            assert loaded == context
    reader = PipesDbfsMessageReader(client=workspace)
    with reader.get_params() as params:
        writer = DbfsMessageWriter()
        assert writer.get_opened_extras() == {}  # off Databricks: no cluster log location to read
        writer.make_channel(params).upload_messages_chunk(io.StringIO('{"method": "closed"}'), 1)
        assert reader.messages_are_readable(params)
        assert reader.download_messages_chunk(1, params) == '{"method": "closed"}'
