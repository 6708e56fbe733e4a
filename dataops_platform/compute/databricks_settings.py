"""Settings of the execution backend: where silver and gold steps run (DATAOPS_ENGINE) and,
for Databricks, the job they are submitted as (DATAOPS_DATABRICKS_*).

The workspace host and token are not settings: the Databricks SDK reads DATABRICKS_HOST and
DATABRICKS_TOKEN (or DATABRICKS_CONFIG_PROFILE) itself, so they are never stored or logged here.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

# local: in this process; subprocess: a local Python process through Dagster Pipes (what a
# Databricks job runs, without a workspace); databricks: a Databricks job through Pipes.
ENGINES = ("local", "subprocess", "databricks")
CLIENTS = ("classic", "serverless")
JOB_TABLES = ("spark_delta", "delta_rs")
DEFAULT_CLUSTER = {
    "spark_version": "17.3.x-scala2.13",  # Spark 4 (the transforms use Column.try_cast)
    "node_type_id": "i3.xlarge",
    "num_workers": 1,
    "data_security_mode": "SINGLE_USER",  # Unity Catalog volumes need a UC access mode
}


def _get(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


def _json_object(name: str, default: dict) -> dict:
    text = _get(name)
    try:
        return json.loads(text) if text else dict(default)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name} must be a JSON object: {exc}") from None


@dataclass(frozen=True)
class DatabricksSettings:
    """How a step becomes a Databricks job. Each field has a DATAOPS_DATABRICKS_* variable."""

    client: str = "classic"  # CLIENT: classic (new or existing cluster, DBFS) | serverless (UC volume)
    artifacts_path: str = "/Volumes/main/dataops/artifacts"  # ARTIFACTS: wheel + entrypoint
    lake_root: str = "/Volumes/main/dataops/lake"  # LAKE_ROOT: the lake (DATAOPS_LAKE_ROOT) as the cluster sees it
    cluster: dict = field(default_factory=lambda: dict(DEFAULT_CLUSTER))  # CLUSTER: new_cluster JSON
    existing_cluster_id: str = ""  # CLUSTER_ID: run on this cluster instead of a new one
    libraries: tuple[str, ...] = ()  # LIBRARIES: pip requirements ("" = the package's runtime deps)
    volume_path: str = "/Volumes/main/dataops/pipes"  # VOLUME: Pipes files of serverless runs
    environment_version: str = "4"  # ENVIRONMENT_VERSION: serverless environment
    tables: str = "spark_delta"  # TABLES: table I/O on the cluster
    poll_interval_seconds: float = 5.0  # POLL_SECONDS
    timeout_seconds: int = 0  # TIMEOUT_SECONDS: 0 = no limit

    @classmethod
    def from_env(cls) -> "DatabricksSettings":
        libraries = _get("DATAOPS_DATABRICKS_LIBRARIES")
        return cls(
            client=_get("DATAOPS_DATABRICKS_CLIENT", cls.client),
            artifacts_path=_get("DATAOPS_DATABRICKS_ARTIFACTS", cls.artifacts_path),
            lake_root=_get("DATAOPS_DATABRICKS_LAKE_ROOT", cls.lake_root),
            cluster=_json_object("DATAOPS_DATABRICKS_CLUSTER", DEFAULT_CLUSTER),
            existing_cluster_id=_get("DATAOPS_DATABRICKS_CLUSTER_ID"),
            libraries=tuple(x.strip() for x in libraries.replace("\n", ",").split(",") if x.strip()),
            volume_path=_get("DATAOPS_DATABRICKS_VOLUME", cls.volume_path),
            environment_version=_get("DATAOPS_DATABRICKS_ENVIRONMENT_VERSION", cls.environment_version),
            tables=_get("DATAOPS_DATABRICKS_TABLES", cls.tables),
            poll_interval_seconds=float(_get("DATAOPS_DATABRICKS_POLL_SECONDS", str(cls.poll_interval_seconds))),
            timeout_seconds=int(_get("DATAOPS_DATABRICKS_TIMEOUT_SECONDS", str(cls.timeout_seconds))),
        )

    def validate(self) -> None:
        """Checked when DATAOPS_ENGINE=databricks; messages name the variable."""
        if self.client not in CLIENTS:
            raise ValueError(f"DATAOPS_DATABRICKS_CLIENT must be one of {CLIENTS}, got {self.client!r}")
        if self.tables not in JOB_TABLES:
            raise ValueError(f"DATAOPS_DATABRICKS_TABLES must be one of {JOB_TABLES}, got {self.tables!r}")
        if not isinstance(self.cluster, dict) or not self.cluster:
            raise ValueError("DATAOPS_DATABRICKS_CLUSTER must be a JSON object (a Databricks new_cluster spec)")
        if not (self.artifacts_path.startswith("/") or self.artifacts_path.startswith("dbfs:/")):
            raise ValueError(f"DATAOPS_DATABRICKS_ARTIFACTS must be an absolute path, got {self.artifacts_path!r}")
        if self.client == "serverless" and not self.volume_path.startswith("/Volumes/"):
            raise ValueError(f"DATAOPS_DATABRICKS_VOLUME must be a /Volumes/... path, got {self.volume_path!r}")
        if self.poll_interval_seconds <= 0 or self.timeout_seconds < 0:
            raise ValueError("DATAOPS_DATABRICKS_POLL_SECONDS must be > 0 and DATAOPS_DATABRICKS_TIMEOUT_SECONDS >= 0")
