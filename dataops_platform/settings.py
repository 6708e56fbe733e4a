"""One settings object, read from the environment, that decides every deployment choice.

Resource keys stay the same in every environment; only their configuration comes from here.
Nothing is read at import time: call `Settings.from_env()` when building definitions.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from dataops_platform.compute.databricks_settings import ENGINES, DatabricksSettings
from dataops_platform.observability.settings import AlertSettings
from dataops_platform.storage.keys import is_s3_uri, parse_s3_uri

PACKAGE_DIR = Path(__file__).resolve().parent
BUILTIN_DATASETS_DIR = PACKAGE_DIR / "datasets"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _root(name: str, default: str) -> str:
    """A root location: a local path (file:// accepted) or an s3:// URI."""
    value = _env(name, default)
    return value[len("file://") :] if value.startswith("file://") else value


def _optional(*names: str) -> str | None:
    """The first of these variables that is set, or None."""
    return next((os.environ[n].strip() for n in names if os.environ.get(n, "").strip()), None)


def _default_data_dir() -> Path:
    # The repository's git-ignored data/ folder when run from a checkout, else the working dir.
    return Path.cwd() / "data"


@dataclass(frozen=True)
class Settings:
    """Deployment settings. Every field has an environment variable (DATAOPS_*)."""

    intake_root: str
    lake_root: str
    datasets_dirs: tuple[Path, ...] = (BUILTIN_DATASETS_DIR,)
    partitions_start: str = "2026-01-01"
    spark_master: str = "local[2]"
    spark_driver_memory: str = "4g"
    spark_shuffle_partitions: int = 8
    extra_spark_config: dict[str, str] = field(default_factory=dict)
    aws_endpoint_url: str | None = None  # AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL: S3/SQS endpoint (moto, MinIO)
    aws_region: str | None = None  # AWS_REGION or AWS_DEFAULT_REGION
    intake_queue_url: str | None = None  # DATAOPS_INTAKE_QUEUE_URL: SQS queue of the intake bucket's S3 events
    intake_listing_seconds: int = 30  # DATAOPS_INTAKE_LISTING_SECONDS: interval of the intake listing sensors
    cache_dir: str = ""  # DATAOPS_CACHE_DIR: local copies of S3 bronze files for Spark (default <data>/cache)
    engine: str = "local"  # DATAOPS_ENGINE: where silver and gold steps run (local | subprocess | databricks)
    databricks: DatabricksSettings = field(default_factory=DatabricksSettings)  # DATAOPS_DATABRICKS_*
    alerts: AlertSettings = field(default_factory=AlertSettings)  # DATAOPS_ALERT_*, DATAOPS_ALERTS_FILE, DATAOPS_UI_URL

    @classmethod
    def from_env(cls) -> "Settings":
        data_dir = _default_data_dir()
        extra_dirs = [Path(p) for p in os.environ.get("DATAOPS_EXTRA_DATASETS_DIRS", "").split(os.pathsep) if p]
        settings = cls(
            intake_root=_root("DATAOPS_INTAKE_ROOT", str(data_dir / "intake")),
            lake_root=_root("DATAOPS_LAKE_ROOT", str(data_dir / "lake")),
            datasets_dirs=(BUILTIN_DATASETS_DIR, *extra_dirs),
            partitions_start=_env("DATAOPS_PARTITIONS_START", cls.partitions_start),
            spark_master=_env("DATAOPS_SPARK_MASTER", cls.spark_master),
            spark_driver_memory=_env("DATAOPS_SPARK_DRIVER_MEMORY", cls.spark_driver_memory),
            spark_shuffle_partitions=int(_env("DATAOPS_SPARK_SHUFFLE_PARTITIONS", str(cls.spark_shuffle_partitions))),
            aws_endpoint_url=_optional("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
            aws_region=_optional("AWS_REGION", "AWS_DEFAULT_REGION"),
            intake_queue_url=_optional("DATAOPS_INTAKE_QUEUE_URL"),
            intake_listing_seconds=int(_env("DATAOPS_INTAKE_LISTING_SECONDS", str(cls.intake_listing_seconds))),
            cache_dir=_env("DATAOPS_CACHE_DIR", str(data_dir / "cache")),
            engine=_env("DATAOPS_ENGINE", cls.engine),
            databricks=DatabricksSettings.from_env(),
            alerts=AlertSettings.from_env(data_dir),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Fail early, with the variable's name, on values that cannot work."""
        try:
            dt.date.fromisoformat(self.partitions_start)
        except ValueError as exc:
            raise ValueError(f"DATAOPS_PARTITIONS_START must be YYYY-MM-DD, got {self.partitions_start!r}") from exc
        if self.spark_shuffle_partitions < 1:
            raise ValueError("DATAOPS_SPARK_SHUFFLE_PARTITIONS must be a positive integer")
        if self.engine not in ENGINES:
            raise ValueError(f"DATAOPS_ENGINE must be one of {ENGINES}, got {self.engine!r}")
        if self.engine == "databricks":
            self.databricks.validate()
        for name, root in (("DATAOPS_INTAKE_ROOT", self.intake_root), ("DATAOPS_LAKE_ROOT", self.lake_root)):
            if is_s3_uri(root):
                try:
                    parse_s3_uri(root)
                except ValueError as exc:
                    raise ValueError(f"{name}: {exc}") from None
            elif "://" in root:
                raise ValueError(f"{name}={root!r}: expected a local path or s3://bucket/prefix")
        if self.intake_queue_url and not is_s3_uri(self.intake_root):
            raise ValueError("DATAOPS_INTAKE_QUEUE_URL needs an s3:// DATAOPS_INTAKE_ROOT (whose bucket sends events)")
        if self.intake_listing_seconds < 1:
            raise ValueError("DATAOPS_INTAKE_LISTING_SECONDS must be a positive integer")

    def spark_config(self) -> dict[str, str]:
        """SparkSession configuration for the local engine."""
        config = {
            "spark.master": self.spark_master,
            "spark.app.name": "dataops_platform",
            "spark.driver.memory": self.spark_driver_memory,
            "spark.sql.shuffle.partitions": str(self.spark_shuffle_partitions),
            "spark.sql.session.timeZone": "UTC",
            "spark.ui.enabled": "false",
            "spark.sql.execution.arrow.pyspark.enabled": "true",
            "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
        }
        config.update(self.extra_spark_config)
        return config
