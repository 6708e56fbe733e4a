"""The Databricks task a step is submitted as, and where its artifacts live (plain data).

One `spark_python_task` runs the uploaded entrypoint file with `--wheel` (the project wheel,
unpacked on the driver) and `--pipes-io`; PipesDatabricksClient / PipesDatabricksServerlessClient
add the Pipes bootstrap parameters. The package's runtime libraries come from the task's
`libraries` (classic) or the job environment (serverless): never PySpark, which the runtime has.
"""

from __future__ import annotations

import importlib.metadata

from packaging.requirements import Requirement

from dataops_platform import __version__
from dataops_platform.settings import DatabricksSettings

ENTRYPOINT_FILE = "dataops_entrypoint.py"
TASK_KEY = "dataops_step"
ENVIRONMENT_KEY = "dataops"
# What the job imports beyond the Databricks runtime (which has PySpark, pandas, pyarrow).
CLUSTER_PACKAGES = ("dagster-pipes", "pandera", "deltalake", "pydantic", "pyyaml")


def wheel_file() -> str:
    return f"dataops_platform-{__version__}-py3-none-any.whl"


def artifact(settings: DatabricksSettings, name: str) -> str:
    return f"{settings.artifacts_path.rstrip('/')}/{name}"


def runtime_requirements() -> list[str]:
    """The package's own requirement ranges for CLUSTER_PACKAGES, without extras."""
    requirements = [Requirement(r) for r in importlib.metadata.requires("dataops_platform") or []]
    return sorted(
        f"{r.name}{r.specifier}"
        for r in requirements
        if r.name.lower() in CLUSTER_PACKAGES and not (r.marker and "extra" in str(r.marker))
    )


def requirements(settings: DatabricksSettings) -> list[str]:
    return list(settings.libraries) or runtime_requirements()


def submit_task(settings: DatabricksSettings) -> dict:
    """The SubmitTask (as a dict) that runs one step."""
    python_task = {
        "python_file": artifact(settings, ENTRYPOINT_FILE),
        "parameters": [
            "--wheel",
            artifact(settings, wheel_file()),
            "--pipes-io",
            "volumes" if settings.client == "serverless" else "dbfs",
        ],
    }
    task: dict = {"task_key": TASK_KEY, "spark_python_task": python_task}
    if settings.client == "serverless":
        task["environment_key"] = ENVIRONMENT_KEY
    else:
        if settings.existing_cluster_id:
            task["existing_cluster_id"] = settings.existing_cluster_id
        else:
            task["new_cluster"] = dict(settings.cluster)
        task["libraries"] = [{"pypi": {"package": r}} for r in requirements(settings)]
    if settings.timeout_seconds:
        task["timeout_seconds"] = settings.timeout_seconds
    return task


def submit_args(settings: DatabricksSettings) -> dict:
    """Other arguments of jobs.submit (as dicts): the serverless environment."""
    if settings.client != "serverless":
        return {}
    spec = {"environment_version": settings.environment_version, "dependencies": requirements(settings)}
    return {"environments": [{"environment_key": ENVIRONMENT_KEY, "spec": spec}]}
