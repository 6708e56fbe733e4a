"""The recording workspace (workspace.py) behind the real databricks-sdk client: its storage
round trips, the submissions it refuses as the Jobs API would, the run states it answers and
the driver environment it gives a task. No Spark here."""

from __future__ import annotations

import base64
import io
import json
import sys
import time

import pytest
from databricks.sdk.errors import InvalidParameterValue, NotFound
from databricks.sdk.service import compute, files, jobs

from dataops_platform_tests.databricks.workspace import RecordingWorkspace, sign_in

TOKEN = "dapi-workspace-test-token"
SCRIPT = "/Volumes/main/dataops/artifacts/task.py"


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    sign_in(monkeypatch, TOKEN)
    monkeypatch.setenv("DATAOPS_ONLY_IN_THE_TEST", "must not reach the driver")
    with RecordingWorkspace(tmp_path) as workspace:
        yield workspace


def test_dbfs_calls_round_trip(workspace):
    dbfs = workspace.client().dbfs
    dbfs.mkdirs("/tmp/abc")
    dbfs.put("/tmp/abc/context.json", contents=base64.b64encode(b"{}").decode(), overwrite=True)
    assert (workspace.fuse_root / "dbfs/tmp/abc/context.json").read_text() == "{}"
    assert base64.b64decode(dbfs.read("/tmp/abc/context.json").data) == b"{}"
    dbfs.delete("/tmp/abc", recursive=True)
    with pytest.raises(NotFound):
        dbfs.get_status("/tmp/abc")


def test_volume_calls_round_trip(workspace):
    volume = files.FilesAPI(workspace.client().api_client)
    folder = "/Volumes/main/dataops/pipes/tmp"
    volume.create_directory(folder)
    volume.upload(f"{folder}/1.json", io.BytesIO(b"[1]"), overwrite=True)
    assert [e.name for e in volume.list_directory_contents(folder)] == ["1.json"]
    assert volume.download(f"{folder}/1.json").contents.read() == b"[1]"
    volume.delete(f"{folder}/1.json")
    volume.delete_directory(folder)
    assert not (workspace.fuse_root / folder.lstrip("/")).exists()
    with pytest.raises(InvalidParameterValue, match="/Volumes/"):
        volume.upload("/tmp/not-a-volume/1.json", io.BytesIO(b"[1]"))


def test_the_sdk_refuses_a_misspelt_or_mistyped_argument_before_sending(workspace):
    client = workspace.client()
    task = jobs.SubmitTask(task_key="t", existing_cluster_id="c", spark_python_task=jobs.SparkPythonTask(SCRIPT))
    with pytest.raises(TypeError, match="run_nam"):
        client.jobs.submit(tasks=[task], run_nam="x")
    with pytest.raises(AttributeError, match="as_dict"):
        client.jobs.submit(tasks=[task.as_dict()])  # a dict where the SDK wants a SubmitTask
    assert workspace.submissions() == []


@pytest.mark.parametrize(
    ("task", "message"),
    [
        ({"new_cluster": {"spark_version": "17.3.x-scala2.13", "num_workers": 1}}, "node_type_id or instance_pool_id"),
        ({"new_cluster": {"node_type_id": "i3.xlarge"}}, "spark_version is required"),
        ({}, "exactly one of new_cluster, existing_cluster_id, environment_key"),
        ({"environment_key": "missing"}, "environment 'missing' is not defined"),
    ],
)
def test_the_workspace_refuses_what_the_jobs_api_refuses(workspace, task, message):
    submitted = jobs.SubmitTask.from_dict({"task_key": "t", "spark_python_task": {"python_file": SCRIPT}, **task})
    with pytest.raises(InvalidParameterValue, match=message):
        workspace.client().jobs.submit(run_name="x", tasks=[submitted])


def test_serverless_tasks_take_their_libraries_from_the_environment(workspace):
    environment = jobs.JobEnvironment("dataops", compute.Environment(environment_version="4", dependencies=["x"]))
    task = jobs.SubmitTask(
        task_key="t",
        environment_key="dataops",
        spark_python_task=jobs.SparkPythonTask(SCRIPT),
        libraries=[compute.Library(pypi=compute.PythonPyPiLibrary("x"))],
    )
    with pytest.raises(InvalidParameterValue, match="Libraries field is not supported for serverless"):
        workspace.client().jobs.submit(run_name="x", tasks=[task], environments=[environment])


def run_to_the_end(client, run_id: int) -> list[jobs.RunState]:
    states = []
    while not states or states[-1].life_cycle_state != jobs.RunLifeCycleState.TERMINATED:
        states.append(client.jobs.get_run(run_id).state)
        time.sleep(0.05)
    return states


@pytest.mark.parametrize(("exit_code", "result"), [(0, "SUCCESS"), (3, "FAILED")])
def test_a_task_runs_on_a_driver_with_only_the_databricks_environment(workspace, exit_code, result):
    client = workspace.client()
    dump = "import json, os, sys; print(json.dumps(dict(os.environ))); sys.exit(int(sys.argv[1]))"
    client.files.upload(SCRIPT, io.BytesIO(dump.encode()), overwrite=True)
    cluster = compute.ClusterSpec(
        spark_version="17.3.x-scala2.13",
        instance_pool_id="pool-1",
        num_workers=1,
        spark_env_vars={"DECLARED": "yes"},
    )
    task = jobs.SubmitTask(
        task_key="t", new_cluster=cluster, spark_python_task=jobs.SparkPythonTask(SCRIPT, [str(exit_code)])
    )
    run_id = client.jobs.submit(run_name="probe", tasks=[task]).bind()["run_id"]
    states = run_to_the_end(client, run_id)
    assert states[0].life_cycle_state == jobs.RunLifeCycleState.PENDING
    assert states[-1].result_state == jobs.RunResultState[result]
    environment = json.loads(workspace.driver_log(run_id).splitlines()[0])
    assert environment["DATABRICKS_RUNTIME_VERSION"] == "17.3" and environment["DECLARED"] == "yes"
    assert "DATAOPS_ONLY_IN_THE_TEST" not in environment and "DATABRICKS_TOKEN" not in environment
    assert environment["PYSPARK_PYTHON"] == sys.executable
    [submitted] = workspace.submissions()
    assert submitted["tasks"][0]["new_cluster"]["instance_pool_id"] == "pool-1"


def test_a_cancelled_run_stops_its_driver(workspace):
    client = workspace.client()
    client.files.upload(SCRIPT, io.BytesIO(b"import time; time.sleep(600)"), overwrite=True)
    task = jobs.SubmitTask(task_key="t", existing_cluster_id="c", spark_python_task=jobs.SparkPythonTask(SCRIPT))
    run_id = client.jobs.submit(run_name="probe", tasks=[task]).bind()["run_id"]
    assert client.jobs.get_run(run_id).state.life_cycle_state == jobs.RunLifeCycleState.PENDING
    assert client.jobs.get_run(run_id).state.life_cycle_state == jobs.RunLifeCycleState.RUNNING
    client.jobs.cancel_run(run_id)
    assert client.jobs.get_run(run_id).state.result_state == jobs.RunResultState.CANCELED
    assert workspace.runs[run_id].driver.returncode < 0  # stopped by a signal


def test_requests_are_recorded_as_sent(workspace):
    client = workspace.client()
    with pytest.raises(NotFound):
        client.jobs.get_run(7)
    [request] = workspace.requests
    assert (request.method, request.path, request.query) == ("GET", "/api/2.2/jobs/runs/get", {"run_id": "7"})
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
