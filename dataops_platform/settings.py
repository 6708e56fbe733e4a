"""One settings object, read from the environment, that decides every deployment choice.

Resource keys stay the same in every environment; only their configuration comes from here.
Nothing is read at import time: call `Settings.from_env()` when building definitions.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUILTIN_DATASETS_DIR = PACKAGE_DIR / "datasets"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


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

    @classmethod
    def from_env(cls) -> "Settings":
        data_dir = _default_data_dir()
        extra_dirs = [Path(p) for p in os.environ.get("DATAOPS_EXTRA_DATASETS_DIRS", "").split(os.pathsep) if p]
        settings = cls(
            intake_root=_env("DATAOPS_INTAKE_ROOT", str(data_dir / "intake")),
            lake_root=_env("DATAOPS_LAKE_ROOT", str(data_dir / "lake")),
            datasets_dirs=(BUILTIN_DATASETS_DIR, *extra_dirs),
            partitions_start=_env("DATAOPS_PARTITIONS_START", cls.partitions_start),
            spark_master=_env("DATAOPS_SPARK_MASTER", cls.spark_master),
            spark_driver_memory=_env("DATAOPS_SPARK_DRIVER_MEMORY", cls.spark_driver_memory),
            spark_shuffle_partitions=int(_env("DATAOPS_SPARK_SHUFFLE_PARTITIONS", str(cls.spark_shuffle_partitions))),
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
        for name, root in (("DATAOPS_INTAKE_ROOT", self.intake_root), ("DATAOPS_LAKE_ROOT", self.lake_root)):
            if "://" in root and not root.startswith("file://"):
                raise ValueError(f"{name}={root!r}: only local paths are supported by this deployment profile")

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
