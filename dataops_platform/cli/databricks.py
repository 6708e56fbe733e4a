"""`dataops databricks ...`: package the project for Databricks jobs.

  deploy   build the project wheel and upload it, with the job entrypoint, to
           DATAOPS_DATABRICKS_ARTIFACTS (a /Volumes/... UC volume, a /Workspace/... folder, or dbfs:/)
  task     print the Databricks task a silver or gold step is submitted as (JSON)

The workspace comes from DATABRICKS_HOST / DATABRICKS_TOKEN or DATABRICKS_CONFIG_PROFILE.
"""

from __future__ import annotations

import argparse
import io
import json
import posixpath
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import dataops_platform
from dataops_platform.orchestration.databricks_task import (
    ENTRYPOINT_FILE,
    artifact,
    submit_args,
    submit_task,
    wheel_file,
)
from dataops_platform.settings import DatabricksSettings

ENTRYPOINT_IN_WHEEL = "dataops_platform/job/entrypoint.py"
PROJECT_FILES = ("pyproject.toml", "README.md", "setup.cfg")


def project_dir() -> Path:
    root = Path(dataops_platform.__file__).resolve().parents[1]
    if not (root / "pyproject.toml").is_file():
        raise SystemExit(f"no pyproject.toml in {root}: deploy runs from a checkout of the project")
    return root


def build_wheel(dist: Path) -> Path:
    """The project wheel (no dependencies), built from a clean copy of the sources."""
    root, dist = project_dir(), dist.resolve()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "src"
        shutil.copytree(
            root / "dataops_platform",
            source / "dataops_platform",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        for name in PROJECT_FILES:
            if (root / name).is_file():
                shutil.copy2(root / name, source / name)
        pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        done = subprocess.run([*pip, "-w", str(dist), str(source)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"building the wheel failed (needs setuptools and wheel: the dev extra):\n{done.stderr}")
    return dist / wheel_file()


def upload(workspace, path: str, data: bytes) -> None:
    """One file to a UC volume (Files API), DBFS, or a workspace folder."""
    if path.startswith("/Volumes/"):
        workspace.files.upload(path, io.BytesIO(data), overwrite=True)
    elif path.startswith("dbfs:/"):
        workspace.dbfs.upload(path[len("dbfs:") :], io.BytesIO(data), overwrite=True)
    else:
        from databricks.sdk.service.workspace import ImportFormat

        workspace.workspace.mkdirs(posixpath.dirname(path))
        workspace.workspace.upload(path, data, format=ImportFormat.AUTO, overwrite=True)


def deploy(settings: DatabricksSettings, dist: Path, workspace=None, dry_run: bool = False) -> dict[str, Path | str]:
    """Build the wheel; upload it and the entrypoint (taken from the wheel) unless dry_run.
    Returns {workspace path: local file or description}."""
    wheel = build_wheel(dist)
    with zipfile.ZipFile(wheel) as archive:
        entrypoint = archive.read(ENTRYPOINT_IN_WHEEL)
    files = {artifact(settings, wheel.name): wheel.read_bytes(), artifact(settings, ENTRYPOINT_FILE): entrypoint}
    if not dry_run:
        if workspace is None:
            from databricks.sdk import WorkspaceClient

            workspace = WorkspaceClient()
        for path, data in files.items():
            upload(workspace, path, data)
    return {path: f"{len(data):,} bytes" for path, data in files.items()}


def _settings() -> DatabricksSettings:
    settings = DatabricksSettings.from_env()
    settings.validate()
    return settings


def _deploy(args: argparse.Namespace) -> int:
    uploaded = deploy(_settings(), Path(args.dist), dry_run=args.dry_run)
    verb = "would upload" if args.dry_run else "uploaded"
    for path, size in uploaded.items():
        print(f"{verb} {path} ({size})")
    return 0


def _task(args: argparse.Namespace) -> int:
    settings = _settings()
    print(json.dumps({"task": submit_task(settings), **submit_args(settings)}, indent=2))
    return 0


def add_parser(commands) -> None:
    """Add `databricks deploy` and `databricks task` to the `dataops` command."""
    parser = commands.add_parser("databricks", help="package and inspect the Databricks execution backend")
    sub = parser.add_subparsers(dest="databricks_command", required=True)
    deploy_parser = sub.add_parser("deploy", help="build the wheel and upload it with the job entrypoint")
    deploy_parser.add_argument("--dist", default="dist", help="where the wheel is built (default: dist)")
    deploy_parser.add_argument("--dry-run", action="store_true", help="build only; print what would be uploaded")
    deploy_parser.set_defaults(handler=_deploy)
    task_parser = sub.add_parser("task", help="print the Databricks task a step is submitted as (JSON)")
    task_parser.set_defaults(handler=_task)
