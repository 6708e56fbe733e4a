"""A failed or cancelled Databricks run, for both clients, through the real databricks-sdk
WorkspaceClient and the recording workspace (workspace.py: only the workspace is mocked): what
it does to the Dagster step, what was submitted, and that the workspace token (read by the SDK
from DATABRICKS_TOKEN, sent in every request's Authorization header) shows nowhere else. The
successful silver and gold runs of both clients are in test_databricks_pipes.py."""

from __future__ import annotations

import json
import logging

import dagster as dg
import pytest
from dagster._core.pipes import utils as pipes_utils

from dataops_platform.cli import databricks as cli_databricks
from dataops_platform.definitions import build_definitions
from dataops_platform.settings import DatabricksSettings, Settings
from dataops_platform_tests.databricks.workspace import (
    RecordingWorkspace,
    Submitted,
    databricks_settings,
    materialize_on,
    sign_in,
)

DAY = "2026-11-10"
SECRET = "dapi-this-token-must-never-show"
ARTIFACTS = "/Volumes/main/dataops/artifacts"
CLIENTS = {
    "classic": {"DATAOPS_DATABRICKS_CLIENT": "classic"},
    "serverless": {
        "DATAOPS_DATABRICKS_CLIENT": "serverless",
        "DATAOPS_DATABRICKS_VOLUME": "/Volumes/main/dataops/pipes",
    },
}


@pytest.fixture(autouse=True)
def no_wait_for_late_messages(monkeypatch):
    # a stopped job sends no "closed" message: don't wait 10 s for late ones
    monkeypatch.setattr(pipes_utils, "WAIT_FOR_LOGS_AFTER_EXECUTION_INTERVAL", 0)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """The recording workspace with the wheel and the entrypoint deployed (as `dataops databricks deploy` does)."""
    root = tmp_path_factory.mktemp("submit")
    with RecordingWorkspace(root / "workspace") as workspace, pytest.MonkeyPatch.context() as env:
        sign_in(env, SECRET)
        cli_databricks.deploy(DatabricksSettings(artifacts_path=ARTIFACTS), root / "dist", workspace=workspace.client())
        yield workspace


@pytest.fixture
def submit(tmp_path, workspace, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)  # the SDK logs each request and response at DEBUG

    def run(client: str, interrupt: bool = False, **variables: str):
        """Materialize silver/customers with DATAOPS_ENGINE=databricks (settings from the environment)."""
        defaults = {
            "DATAOPS_INTAKE_ROOT": str(tmp_path / "intake"),
            "DATAOPS_LAKE_ROOT": str(tmp_path / "lake"),
            "DATAOPS_PARTITIONS_START": "2026-11-01",
            "DATAOPS_DATABRICKS_POLL_SECONDS": "0.05",
            "DATAOPS_DATABRICKS_ARTIFACTS": ARTIFACTS,
        }
        settings = databricks_settings(monkeypatch, **{**defaults, **CLIENTS[client], **variables})
        sign_in(monkeypatch, SECRET)
        workspace.interrupt_when_running = interrupt
        return materialize_on(workspace, settings, "silver/customers", DAY)

    return run


def step_failure(result: dg.ExecuteInJobResult) -> str:
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    return str(failure.event_specific_data.error)


def assert_the_token_was_sent_and_shown_nowhere(outcome: Submitted, caplog, capfd) -> None:
    assert outcome.sent and {r.headers["Authorization"] for r in outcome.sent} == {f"Bearer {SECRET}"}  # read
    captured = capfd.readouterr()
    shown = {**outcome.left, "python logs": caplog.text, "stdout/stderr": captured.out + captured.err}
    assert "jobs/runs/submit" in caplog.text  # the SDK's request log was captured, so it was scanned
    assert not [name for name, text in shown.items() if SECRET in text]


@pytest.mark.parametrize("client", CLIENTS)
def test_a_failed_databricks_run_fails_the_step(submit, client, caplog, capfd):
    outcome = submit(client, DATAOPS_DATABRICKS_ARTIFACTS="/Volumes/main/dataops/not_deployed")
    error = step_failure(outcome.result)
    assert "Error running Databricks job: Workload failed, see run output for details (exit code 2)" in error
    assert "can't open file" in outcome.left["driver logs"]  # the driver really ran and failed
    assert not outcome.run.cancelled
    assert_the_token_was_sent_and_shown_nowhere(outcome, caplog, capfd)


@pytest.mark.parametrize("client", CLIENTS)
def test_an_interrupted_dagster_run_cancels_the_databricks_run(submit, client, caplog, capfd):
    outcome = submit(client, interrupt=True)
    run = outcome.run
    assert run.cancelled and run.driver.returncode < 0  # the driver was stopped mid-run
    assert any("canceling Databricks job" in m for m in outcome.messages)
    assert f"Databricks run {run.run_id} was cancelled (CANCELED)" in step_failure(outcome.result)
    calls = [f"{r.method} {r.path}" for r in outcome.sent]
    assert calls.count("POST /api/2.2/jobs/runs/cancel") == 1
    assert_the_token_was_sent_and_shown_nowhere(outcome, caplog, capfd)


def test_new_cluster_task_carries_spec_libraries_pipes_env_and_timeout(submit):
    cluster = {
        "spark_version": "17.3.x-scala2.13",
        "instance_pool_id": "pool-0101-abc",
        "num_workers": 2,
        "custom_tags": {"team": "data"},
    }
    outcome = submit(
        "classic",
        DATAOPS_DATABRICKS_CLUSTER=json.dumps(cluster),
        DATAOPS_DATABRICKS_LIBRARIES="dagster-pipes==1.13.27",
        DATAOPS_DATABRICKS_ARTIFACTS="/Workspace/Shared/dataops",
        DATAOPS_DATABRICKS_TIMEOUT_SECONDS="3600",
    )
    body = outcome.run.body
    [task] = body["tasks"]
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
    assert task["libraries"] == [{"pypi": {"package": "dagster-pipes==1.13.27"}}]
    assert task["timeout_seconds"] == 3600
    assert body["run_name"] == f"dataops quarantine/customers, silver/customers {DAY}..{DAY}"


def test_settings_and_resources_keep_the_workspace_credentials_out(tmp_path, monkeypatch):
    sign_in(monkeypatch, SECRET)
    settings = Settings(intake_root=str(tmp_path), lake_root=str(tmp_path), engine="databricks")
    defs = build_definitions(settings)
    assert SECRET not in repr(settings) and SECRET not in repr(defs.resources["compute"])
