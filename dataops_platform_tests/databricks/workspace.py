"""A recording Databricks workspace behind the real SDK. Only the workspace is mocked (none
exists here); the client, its arguments, their types and the HTTP requests are the real ones.

`RecordingWorkspace.attach(client)` mounts this workspace as the HTTPS transport of a real
`databricks.sdk.WorkspaceClient` (built from DATABRICKS_HOST / DATABRICKS_TOKEN as in
production): nothing leaves the process. Each request is recorded (`requests`: method, path,
query, headers, JSON body) and answered as the REST API answers it:

- `POST /api/2.2/jobs/runs/submit`: checked as the Jobs API checks a one-time run (task key,
  one compute per task, a new cluster names a runtime and a node type or instance pool,
  serverless tasks name a submitted environment and carry no libraries); 400
  INVALID_PARAMETER_VALUE otherwise. Then the task's driver starts (below);
- `GET /api/2.2/jobs/runs/get`: PENDING on the first poll, then RUNNING while the driver runs,
  then TERMINATED with SUCCESS or FAILED by its exit code; CANCELED after `runs/cancel`, which
  stops the driver. With `interrupt_when_running`, the first RUNNING poll raises what Dagster
  raises in a step whose run is terminated (DagsterExecutionInterruptedError);
- `GET /api/2.1/clusters/get`, DBFS (`/api/2.0/dbfs/*`), Files (`/api/2.0/fs/*`, /Volumes
  paths only) and workspace import, on a folder that is the driver's filesystem (`fuse_root`:
  DBFS at dbfs/, volumes at Volumes/, workspace files at Workspace/).

A submitted `spark_python_task` really runs: `python <python_file> <parameters>` in a fresh
environment holding only what a Databricks driver has (DATABRICKS_RUNTIME_VERSION, the
cluster's Spark conf, Java, the FUSE mounts at DATAOPS_FUSE_ROOT) plus the new cluster's
`spark_env_vars`; nothing of the test's own environment.
"""

from __future__ import annotations

import base64
import email
import email.policy
import io
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import dagster as dg
import requests
from requests.adapters import BaseAdapter

from dataops_platform.job.paths import FUSE_ROOT_ENV
from dataops_platform.orchestration.resources.compute import ComputeResource, compute_resource
from dataops_platform.settings import Settings

RUNTIME_VERSION = "17.3"
SUBMIT, GET_RUN, CANCEL = "/api/2.2/jobs/runs/submit", "/api/2.2/jobs/runs/get", "/api/2.2/jobs/runs/cancel"
# The Spark conf of the stand-in cluster: a small local Spark, and the cluster tags Databricks sets.
CLUSTER_SPARK_CONF = {
    "spark.driver.memory": "1g",
    "spark.sql.shuffle.partitions": "2",
    "spark.ui.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.databricks.clusterUsageTags.clusterLogDeliveryEnabled": "true",
    "spark.databricks.clusterUsageTags.clusterLogDestination": "dbfs:/cluster-logs",
    "spark.databricks.clusterUsageTags.clusterId": "0101-000000-standin",
}


class ApiError(Exception):
    """An error answer of the REST API (the SDK raises its typed error from it)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def invalid(message: str) -> ApiError:
    return ApiError(400, "INVALID_PARAMETER_VALUE", message)


def missing(what: str) -> ApiError:
    return ApiError(404, "RESOURCE_DOES_NOT_EXIST", f"{what} does not exist")


@dataclass(frozen=True)
class Request:
    """One HTTP request as the SDK sent it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any  # the JSON body, raw bytes, or None


@dataclass
class Run:
    run_id: int
    body: dict
    driver: subprocess.Popen | None
    polls: int = 0
    cancelled: bool = False
    environment: dict[str, str] = field(default_factory=dict)


def check_submission(body: dict) -> None:
    """What the Jobs API refuses in a one-time run (the fields this project submits)."""
    tasks = body.get("tasks")
    if not tasks:
        raise invalid("At least one task is required")
    environments = {e.get("environment_key"): e for e in body.get("environments", [])}
    for key, environment in environments.items():
        if not key or not (environment.get("spec") or {}).get("environment_version"):
            raise invalid("An environment needs an environment_key and spec.environment_version")
    for task in tasks:
        if not task.get("task_key"):
            raise invalid("Task key is required")
        if not (task.get("spark_python_task") or {}).get("python_file"):
            raise invalid(f"Task {task['task_key']}: spark_python_task.python_file is required")
        compute = [k for k in ("new_cluster", "existing_cluster_id", "environment_key") if task.get(k)]
        if len(compute) != 1:
            raise invalid(f"Task {task['task_key']}: exactly one of new_cluster, existing_cluster_id, environment_key")
        if "new_cluster" in compute:
            cluster = task["new_cluster"]
            if not cluster.get("spark_version"):
                raise invalid("Cluster validation error: spark_version is required")
            if not (cluster.get("node_type_id") or cluster.get("instance_pool_id")):
                raise invalid("Cluster validation error: node_type_id or instance_pool_id is required")
        if "environment_key" in compute:
            if task["environment_key"] not in environments:
                raise invalid(f"Task {task['task_key']}: environment {task['environment_key']!r} is not defined")
            if task.get("libraries"):
                raise invalid("Libraries field is not supported for serverless task, specify them in the environment")
        if not isinstance(task.get("timeout_seconds", 0), int):
            raise invalid("timeout_seconds must be an integer")


class Transport(BaseAdapter):
    """The requests adapter: record, answer, never touch the network."""

    def __init__(self, workspace: RecordingWorkspace):
        super().__init__()
        self.workspace = workspace

    def send(self, request, **_) -> requests.Response:
        url = urlsplit(request.url)
        body = request.body.read() if hasattr(request.body, "read") else request.body
        body = body.encode() if isinstance(body, str) else body
        kind = request.headers.get("Content-Type", "")
        parsed = json.loads(body) if body and kind.startswith("application/json") else body
        recorded = Request(request.method, unquote(url.path), dict(parse_qsl(url.query)), dict(request.headers), parsed)
        self.workspace.requests.append(recorded)
        try:
            answer = self.workspace.answer(recorded, kind)
            status = 200
        except ApiError as error:
            answer, status = {"error_code": error.code, "message": error.message}, error.status
        response = requests.Response()
        response.status_code, response.url, response.request = status, request.url, request
        if isinstance(answer, bytes):
            response.headers.update({"Content-Type": "application/octet-stream", "Content-Length": str(len(answer))})
            response.raw = io.BytesIO(answer)
        else:
            response.headers["Content-Type"] = "application/json"
            response.raw = io.BytesIO(json.dumps(answer).encode() if answer is not None else b"")
        return response

    def close(self) -> None:
        pass


class RecordingWorkspace:
    """A workspace: control plane (jobs, clusters), storage (DBFS, volumes, files), drivers."""

    def __init__(self, root: Path, interrupt_when_running: bool = False):
        self.root, self.fuse_root = root, root / "driver-fs"
        self.fuse_root.mkdir(parents=True, exist_ok=True)
        self.interrupt_when_running = interrupt_when_running
        self.requests: list[Request] = []
        self.runs: dict[int, Run] = {}
        self.uploaded: dict[str, bytes] = {}  # workspace path -> bytes, by Files PUT / DBFS / import
        self._handles: dict[int, str] = {}  # open DBFS streams

    def attach(self, client):
        """Route this WorkspaceClient's HTTPS requests here (its auth, headers and retries stay real)."""
        client.api_client._api_client._session.mount("https://", Transport(self))
        return client

    def client(self):
        from databricks.sdk import WorkspaceClient

        return self.attach(WorkspaceClient())

    def close(self) -> None:
        for run in self.runs.values():
            if run.driver and run.driver.poll() is None:
                os.killpg(run.driver.pid, signal.SIGKILL)
                run.driver.wait()

    def __enter__(self) -> RecordingWorkspace:
        return self

    def __exit__(self, *_) -> None:
        self.close()

    # ---- what was sent

    def submissions(self) -> list[dict]:
        return [r.body for r in self.requests if (r.method, r.path) == ("POST", SUBMIT)]

    def calls(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]

    def driver_log(self, run_id: int) -> str:
        path = self.root / f"driver-{run_id}.log"
        return path.read_text() if path.exists() else ""

    # ---- answers

    def answer(self, request: Request, kind: str) -> Any:
        method, path = request.method, request.path
        if path.startswith("/api/2.0/dbfs/"):
            return self._dbfs(path.rsplit("/", 1)[1], {**request.query, **(request.body or {})})
        if path.startswith("/api/2.0/fs/"):
            area, target = path[len("/api/2.0/fs/") :].split("/", 1)
            return self._files(method, area, "/" + target, request)
        routes = {
            ("POST", SUBMIT): lambda: self._submit(request.body),
            ("GET", GET_RUN): lambda: self._get_run(int(request.query["run_id"])),
            ("POST", CANCEL): lambda: self._cancel(int(request.body["run_id"])),
            ("GET", "/api/2.1/clusters/get"): lambda: {"cluster_id": request.query["cluster_id"], "state": "RUNNING"},
            ("POST", "/api/2.0/workspace/mkdirs"): lambda: self._mkdirs(self._workspace_file(request.body["path"])),
            ("POST", "/api/2.0/workspace/import"): lambda: self._import(request.body, kind),
        }
        if (method, path) not in routes:
            raise ApiError(404, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")
        return routes[method, path]()

    def _submit(self, body: dict) -> dict:
        check_submission(body)
        run_id = 100 + len(self.runs)
        run = Run(run_id, body, None)
        self.runs[run_id] = run
        run.driver = self._start_driver(run)
        return {"run_id": run_id}

    def _get_run(self, run_id: int) -> dict:
        if run_id not in self.runs:
            raise missing(f"Run {run_id}")
        run = self.runs[run_id]
        run.polls += 1
        url = f"https://example.cloud.databricks.com/jobs/runs/{run_id}"
        if run.cancelled:
            state = {"life_cycle_state": "TERMINATED", "result_state": "CANCELED", "state_message": "Run cancelled."}
        elif run.polls == 1:
            state = {"life_cycle_state": "PENDING", "state_message": "Waiting for cluster"}
        elif (code := run.driver.poll()) is None:
            if self.interrupt_when_running:
                self.interrupt_when_running = False
                raise dg.DagsterExecutionInterruptedError()  # the Dagster run is terminated while it polls
            state = {"life_cycle_state": "RUNNING", "state_message": "In run"}
        else:
            result = "SUCCESS" if code == 0 else "FAILED"
            message = "" if code == 0 else f"Workload failed, see run output for details (exit code {code})"
            state = {"life_cycle_state": "TERMINATED", "result_state": result, "state_message": message}
        return {"run_id": run_id, "run_name": run.body.get("run_name"), "state": state, "run_page_url": url}

    def _cancel(self, run_id: int) -> dict:
        run = self.runs[run_id]
        if run.driver.poll() is None:
            os.killpg(run.driver.pid, signal.SIGTERM)  # the driver and its Spark JVM
            run.driver.wait(timeout=60)
        run.cancelled = True
        return {}

    def _start_driver(self, run: Run) -> subprocess.Popen:
        """The task's Python file on a driver: the environment Databricks gives it, nothing else."""
        [task] = run.body["tasks"]
        python = task["spark_python_task"]
        conf = {**CLUSTER_SPARK_CONF, **task.get("new_cluster", {}).get("spark_conf", {})}
        submit_args = ["--master", "local[1]", *(a for k, v in conf.items() for a in ("--conf", f"{k}={v}"))]
        run.environment = {
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(self.root / "home"),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "DATABRICKS_RUNTIME_VERSION": RUNTIME_VERSION,
            FUSE_ROOT_ENV: str(self.fuse_root),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_SUBMIT_ARGS": shlex.join([*submit_args, "pyspark-shell"]),
            "JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",  # a JVM for seconds of tiny data
            **({"JAVA_HOME": os.environ["JAVA_HOME"]} if os.environ.get("JAVA_HOME") else {}),  # the runtime's Java
            **task.get("new_cluster", {}).get("spark_env_vars", {}),
        }
        workdir = self.root / f"driver-{run.run_id}"
        workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.root / f"driver-{run.run_id}.log", "w")  # noqa: SIM115 (the driver holds it)
        command = [sys.executable, str(self._on_driver(python["python_file"])), *python.get("parameters", [])]
        with log:
            return subprocess.Popen(
                command, env=run.environment, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    # ---- storage: the driver's filesystem

    def _on_driver(self, path: str) -> Path:
        """Where a /Volumes, /Workspace or dbfs:/ path is on the driver's filesystem."""
        if path.startswith("dbfs:"):
            return self._dbfs_file(path)
        return self._workspace_file(path) if not path.startswith("/Volumes/") else self.fuse_root / path.lstrip("/")

    def _dbfs_file(self, path: str) -> Path:
        return self.fuse_root / "dbfs" / path.removeprefix("dbfs:").lstrip("/")

    def _workspace_file(self, path: str) -> Path:
        return self.fuse_root / "Workspace" / path.removeprefix("/Workspace").lstrip("/")

    def _write(self, name: str, target: Path, data: bytes, overwrite: bool = True) -> None:
        if target.exists() and not overwrite:
            raise ApiError(409, "RESOURCE_ALREADY_EXISTS", f"{name} already exists")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.uploaded[name] = data

    @staticmethod
    def _mkdirs(target: Path) -> dict:
        target.mkdir(parents=True, exist_ok=True)
        return {}

    def _dbfs(self, operation: str, args: dict) -> dict:
        target = self._dbfs_file(args.get("path", ""))
        if operation == "mkdirs":
            return self._mkdirs(target)
        if operation == "put":
            self._write(args["path"], target, base64.b64decode(args["contents"]), bool(args.get("overwrite")))
        elif operation == "create":
            self._write(args["path"], target, b"", bool(args.get("overwrite")))
            handle = len(self._handles) + 1
            self._handles[handle] = args["path"]
            return {"handle": handle}
        elif operation == "add-block":
            name = self._handles[int(args["handle"])]
            file = self._dbfs_file(name)
            self._write(name, file, file.read_bytes() + base64.b64decode(args["data"]))
        elif operation == "close":
            self._handles.pop(int(args["handle"]))
        elif operation == "delete":
            shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
        elif not target.exists():
            raise missing(args["path"])
        elif operation == "get-status":
            size = 0 if target.is_dir() else target.stat().st_size
            modified = target.stat().st_mtime_ns // 1_000_000
            return {"path": args["path"], "is_dir": target.is_dir(), "file_size": size, "modification_time": modified}
        elif operation == "read":
            offset, length = int(args.get("offset", 0)), int(args.get("length", 0) or 512 * 1024)
            data = target.read_bytes()[offset : offset + length]
            return {"bytes_read": len(data), "data": base64.b64encode(data).decode()}
        else:
            raise ApiError(404, "ENDPOINT_NOT_FOUND", f"No API found for DBFS {operation}")
        return {}

    def _files(self, method: str, area: str, path: str, request: Request) -> Any:
        if not path.startswith("/Volumes/"):
            raise invalid(f"Files API paths are /Volumes/<catalog>/<schema>/<volume>/..., got {path!r}")
        target = self.fuse_root / path.lstrip("/")
        if method == "PUT":
            if area == "directories":
                return self._mkdirs(target)
            self._write(path, target, request.body or b"", request.query.get("overwrite", "true") == "true")
            return None
        if not target.exists() or target.is_dir() != (area == "directories"):
            raise missing(path)
        if method == "DELETE":
            if area == "directories" and any(target.iterdir()):
                raise ApiError(409, "DIRECTORY_NOT_EMPTY", f"{path} is not empty")
            target.rmdir() if area == "directories" else target.unlink()
            return None
        if method == "HEAD":
            return None
        if area == "directories":
            entries = sorted(target.iterdir())
            return {
                "contents": [
                    {"path": f"{path.rstrip('/')}/{p.name}", "name": p.name, "is_directory": p.is_dir()}
                    for p in entries
                ]
            }
        return target.read_bytes()

    def _import(self, body: bytes, kind: str) -> dict:
        """POST /api/2.0/workspace/import as the SDK's `workspace.upload` sends it (multipart)."""
        message = email.message_from_bytes(
            b"Content-Type: " + kind.encode() + b"\r\n\r\n" + body, policy=email.policy.HTTP
        )
        fields = {
            part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
            for part in message.iter_parts()
        }
        path = fields["path"].decode()
        self._write(path, self._workspace_file(path), fields["content"], fields.get("overwrite") == b"true")
        return {}


# ---- the project's side, configured as a user would

HOST = "https://example.cloud.databricks.com"


def sign_in(env, token: str) -> None:
    """The workspace credentials a deployment sets; the SDK reads them (no profile file)."""
    env.setenv("DATABRICKS_HOST", HOST)
    env.setenv("DATABRICKS_TOKEN", token)
    env.setenv("DATABRICKS_CONFIG_FILE", "/nonexistent/.databrickscfg")
    env.delenv("DATABRICKS_CONFIG_PROFILE", raising=False)


def databricks_settings(env, **variables: str) -> Settings:
    """`Settings.from_env()`, validation included, with DATAOPS_ENGINE=databricks and these variables."""
    for name, value in {"DATAOPS_ENGINE": "databricks", **variables}.items():
        env.setenv(name, value)
    return Settings.from_env()


def compute_on(workspace: RecordingWorkspace, settings: Settings) -> ComputeResource:
    """The `compute` resource of these settings; the WorkspaceClient it builds (the real one, from
    the DATABRICKS_* variables) sends its requests to `workspace`."""

    class Recorded(ComputeResource):
        def workspace_client(self):
            return workspace.attach(super().workspace_client())

    configured = compute_resource(settings)
    return Recorded(**{name: getattr(configured, name) for name in ComputeResource.model_fields})


def what_a_run_left(workspace: RecordingWorkspace, instance, dagster_run_id: str) -> dict[str, str]:
    """Every text a Databricks step leaves behind: the Dagster event log (messages, metadata,
    errors), what the SDK sent (bodies, query strings, paths) and the drivers' output."""
    from dagster._serdes import serialize_value

    return {
        "event log": "".join(serialize_value(entry) for entry in instance.all_logs(dagster_run_id)),
        "requests sent": json.dumps([[r.path, r.query, r.body] for r in workspace.requests], default=repr),
        "driver logs": "".join(workspace.driver_log(run_id) for run_id in workspace.runs),
    }


@dataclass
class Submitted:
    """One Databricks step as Dagster ran it: the result, its messages, the requests it sent,
    the run the workspace made of them, and every text it left (`what_a_run_left`)."""

    result: dg.ExecuteInJobResult
    messages: list[str]
    sent: list[Request]
    run: Run
    left: dict[str, str]


def materialize_on(workspace: RecordingWorkspace, settings: Settings, key: str, partition: str) -> Submitted:
    """Materialize the asset (and its multi-asset siblings) with these settings' `compute` on `workspace`."""
    from dataops_platform.definitions import build_definitions

    defs = build_definitions(settings)
    wanted = dg.AssetKey.from_user_string(key)
    assets = [a for a in defs.assets if isinstance(a, dg.AssetsDefinition) and wanted in a.keys]
    before = len(workspace.requests)
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            assets,
            partition_key=partition,
            instance=instance,
            raise_on_error=False,
            resources={**defs.resources, "compute": compute_on(workspace, settings)},
        )
        left = what_a_run_left(workspace, instance, result.run_id)
        messages = [e.message for e in instance.all_logs(result.run_id)]
    sent = workspace.requests[before:]
    [body] = [r.body for r in sent if (r.method, r.path) == ("POST", SUBMIT)]
    [run] = [r for r in workspace.runs.values() if r.body is body]
    return Submitted(result, messages, sent, run, left)
