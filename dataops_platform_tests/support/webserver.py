"""The real Dagster webserver (`dagster-webserver -w workspace.yaml`, no daemon) on 127.0.0.1 and
a free port, serving the platform's code location on a given instance; holds no tests itself."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LOCATIONS = (
    "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus"
    " locationOrLoadError { __typename ... on PythonError { message } } } } } }"
)


def stop(process: subprocess.Popen, grace: float = 30.0) -> None:
    """Terminate `process`; kill it when it has not exited after `grace` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status == 200
    except OSError:
        return False


def _locations(url: str) -> list[dict]:
    request = urllib.request.Request(
        f"{url}/graphql", json.dumps({"query": LOCATIONS}).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)["data"]["workspaceOrError"]["locationEntries"]


def _loaded(url: str) -> bool:
    """True once every code location has loaded; RuntimeError with the error of one that failed."""
    entries = _locations(url) if _answers(f"{url}/server_info") else []
    for entry in entries:
        loaded = entry["locationOrLoadError"] or {}
        if loaded.get("__typename") == "PythonError":
            raise RuntimeError(f"code location {entry['name']} failed to load: {loaded['message']}")
    return bool(entries) and all(e["loadStatus"] == "LOADED" for e in entries)


@contextmanager
def dagster_webserver(env: dict[str, str], log: Path, timeout: float = 180.0) -> Iterator[str]:
    """The UI's base URL once the code location has loaded, with `env` (DAGSTER_HOME, DATAOPS_*)
    added to this environment; stopped on exit."""
    port = free_port()
    bin_dir = Path(sys.executable).parent
    command = [str(bin_dir / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"]
    environment = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", **env}
    url = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not _loaded(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"dagster-webserver did not answer (exit {process.poll()}):\n{log.read_text()[-3000:]}"
                )
            time.sleep(0.5)
        yield url
    finally:
        stop(process)
