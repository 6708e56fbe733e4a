"""One settings object, read from the environment, that decides every deployment choice.

Resource keys stay the same in every environment; only their configuration comes from here.
Nothing is read at import time: call `Settings.from_env()` when building definitions.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from dataops_platform.storage.keys import is_s3_uri, parse_s3_uri

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent  # the dg project: pyproject.toml's [tool.dg] names the defs module


def _env(name: str, default: str = "") -> str:
    """The one environment reader: a variable, stripped, else `default`."""
    value = os.environ.get(name, "").strip()
    return value or default


def _root(name: str, default: str) -> str:
    """A root location: a local path (file:// accepted) or an s3:// URI."""
    value = _env(name, default)
    return value[len("file://") :] if value.startswith("file://") else value


def _optional(*names: str) -> str | None:
    """The first of these variables that is set, or None."""
    return next((value for value in map(_env, names) if value), None)


ALL_DOMAINS = "*"
DOMAIN_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")  # as a declaration's `domain`


def _domains(text: str) -> tuple[str, ...] | None:
    """A comma list of domains, or None when unset."""
    return tuple(d.strip() for d in text.split(",") if d.strip()) if text else None


def _default_data_dir() -> Path:
    # The repository's git-ignored data/ folder when run from a checkout, else the working dir.
    return Path.cwd() / "data"


# ---------------------------------------------------------------- engines and Databricks
# The workspace host and token are not settings: the Databricks SDK reads DATABRICKS_HOST and
# DATABRICKS_TOKEN (or DATABRICKS_CONFIG_PROFILE) itself, so they are never stored or logged here.

# local: in this process; subprocess: a local Python process through Dagster Pipes (what a
# Databricks job runs, without a workspace); databricks: a Databricks job through Pipes.
ENGINES = ("local", "subprocess", "databricks")
# through_gold: an intake run copies the files, then builds the dataset's silver and the gold
# products that read it (one run from a landed file to gold); bronze: it copies them only, and
# automation starts silver and gold in runs of their own.
INTAKE_RUNS = ("through_gold", "bronze")
CLIENTS = ("classic", "serverless")
JOB_TABLES = ("spark_delta", "delta_rs")
DEFAULT_CLUSTER = {
    "spark_version": "17.3.x-scala2.13",  # Spark 4 (the transforms use Column.try_cast)
    "node_type_id": "i3.xlarge",
    "num_workers": 1,
    "data_security_mode": "SINGLE_USER",  # Unity Catalog volumes need a UC access mode
}


def _json_object(name: str, default: dict) -> dict:
    text = _env(name)
    try:
        return json.loads(text) if text else dict(default)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name} must be a JSON object: {exc}") from None


@dataclass(frozen=True)
class DatabricksSettings:
    """How a step becomes a Databricks job. Each field has a DATAOPS_DATABRICKS_* variable."""

    client: str = "classic"  # CLIENT: classic (new or existing cluster, DBFS) | serverless (UC volume)
    artifacts_path: str = "/Volumes/main/dataops/artifacts"  # ARTIFACTS: wheel + entrypoint
    lake_root: str = "/Volumes/main/dataops/lake"  # LAKE_ROOT: the lake as the cluster sees it (/Volumes/..., s3://...)
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
        libraries = _env("DATAOPS_DATABRICKS_LIBRARIES")
        return cls(
            client=_env("DATAOPS_DATABRICKS_CLIENT", cls.client),
            artifacts_path=_env("DATAOPS_DATABRICKS_ARTIFACTS", cls.artifacts_path),
            lake_root=_env("DATAOPS_DATABRICKS_LAKE_ROOT", cls.lake_root),
            cluster=_json_object("DATAOPS_DATABRICKS_CLUSTER", DEFAULT_CLUSTER),
            existing_cluster_id=_env("DATAOPS_DATABRICKS_CLUSTER_ID"),
            libraries=tuple(x.strip() for x in libraries.replace("\n", ",").split(",") if x.strip()),
            volume_path=_env("DATAOPS_DATABRICKS_VOLUME", cls.volume_path),
            environment_version=_env("DATAOPS_DATABRICKS_ENVIRONMENT_VERSION", cls.environment_version),
            tables=_env("DATAOPS_DATABRICKS_TABLES", cls.tables),
            poll_interval_seconds=float(_env("DATAOPS_DATABRICKS_POLL_SECONDS", str(cls.poll_interval_seconds))),
            timeout_seconds=int(_env("DATAOPS_DATABRICKS_TIMEOUT_SECONDS", str(cls.timeout_seconds))),
        )

    def validate(self) -> None:
        """Checked when DATAOPS_ENGINE=databricks; messages name the variable."""
        if self.client not in CLIENTS:
            raise ValueError(f"DATAOPS_DATABRICKS_CLIENT must be one of {CLIENTS}, got {self.client!r}")
        if self.tables not in JOB_TABLES:
            raise ValueError(f"DATAOPS_DATABRICKS_TABLES must be one of {JOB_TABLES}, got {self.tables!r}")
        if not isinstance(self.cluster, dict) or not self.cluster:
            raise ValueError("DATAOPS_DATABRICKS_CLUSTER must be a JSON object (a Databricks new_cluster spec)")
        if self.client == "classic" and not self.existing_cluster_id:
            self._validate_new_cluster()
        if not (self.artifacts_path.startswith("/") or self.artifacts_path.startswith("dbfs:/")):
            raise ValueError(f"DATAOPS_DATABRICKS_ARTIFACTS must be an absolute path, got {self.artifacts_path!r}")
        self._validate_lake_root()
        if self.client == "serverless" and not self.volume_path.startswith("/Volumes/"):
            raise ValueError(f"DATAOPS_DATABRICKS_VOLUME must be a /Volumes/... path, got {self.volume_path!r}")
        if self.poll_interval_seconds <= 0 or self.timeout_seconds < 0:
            raise ValueError("DATAOPS_DATABRICKS_POLL_SECONDS must be > 0 and DATAOPS_DATABRICKS_TIMEOUT_SECONDS >= 0")

    def _validate_new_cluster(self) -> None:
        """What the Jobs API needs of a new_cluster: a runtime and a node type or an instance pool."""
        if not self.cluster.get("spark_version"):
            raise ValueError("DATAOPS_DATABRICKS_CLUSTER must name a spark_version (a Databricks runtime)")
        if not (self.cluster.get("node_type_id") or self.cluster.get("instance_pool_id")):
            raise ValueError(
                "DATAOPS_DATABRICKS_CLUSTER must name a node_type_id or an instance_pool_id "
                f"(or set DATAOPS_DATABRICKS_CLUSTER_ID to use an existing cluster), got keys {sorted(self.cluster)}"
            )

    def _validate_lake_root(self) -> None:
        """The lake as the cluster sees it: an absolute driver path (/Volumes/..., /dbfs/...) or s3://bucket/prefix."""
        root = self.lake_root
        if is_s3_uri(root):
            try:
                parse_s3_uri(root)
            except ValueError as exc:
                raise ValueError(f"DATAOPS_DATABRICKS_LAKE_ROOT: {exc}") from None
        elif "://" in root or root.startswith("dbfs:") or not root.startswith("/"):
            raise ValueError(
                "DATAOPS_DATABRICKS_LAKE_ROOT must be an absolute path as the cluster sees it "
                f"(/Volumes/..., /dbfs/...) or s3://bucket/prefix, got {root!r}"
            )


# ---------------------------------------------------------------- alerts
# The webhook URL is a secret (whoever has it can post): it is kept out of `repr`, logs and
# messages. AWS credentials are not settings: boto3 reads them from its usual chain.

SNS_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _flag(name: str, default: bool) -> bool:
    value = _env(name).lower()
    if not value:
        return default
    if value not in TRUE + FALSE:
        raise ValueError(f"{name} must be one of {TRUE + FALSE}, got {value!r}")
    return value in TRUE


@dataclass(frozen=True)
class AlertSettings:
    """Alert destinations. A log line is always written; the others are on when set."""

    sns_topic_arn: str = ""  # DATAOPS_ALERT_SNS_TOPIC_ARN
    webhook_url: str = field(default="", repr=False)  # DATAOPS_ALERT_WEBHOOK_URL (Slack-compatible; secret)
    alerts_file: str = ""  # DATAOPS_ALERTS_FILE: JSON lines read by `dataops alerts` ("" = none)
    ui_url: str = "http://127.0.0.1:3000"  # DATAOPS_UI_URL: run links point here
    alert_on_warn: bool = False  # DATAOPS_ALERT_ON_WARN: also alert on failed WARN checks
    webhook_timeout_seconds: float = 10.0  # DATAOPS_ALERT_WEBHOOK_TIMEOUT
    renotify_minutes: float = 240.0  # DATAOPS_ALERT_RENOTIFY_MINUTES: at most one update per open incident per interval

    @classmethod
    def from_env(cls, data_dir: Path) -> "AlertSettings":
        settings = cls(
            sns_topic_arn=_env("DATAOPS_ALERT_SNS_TOPIC_ARN"),
            webhook_url=_env("DATAOPS_ALERT_WEBHOOK_URL"),
            alerts_file=_env("DATAOPS_ALERTS_FILE", str(data_dir / "alerts.jsonl")),
            ui_url=_env("DATAOPS_UI_URL", cls.ui_url).rstrip("/"),
            alert_on_warn=_flag("DATAOPS_ALERT_ON_WARN", cls.alert_on_warn),
            webhook_timeout_seconds=float(_env("DATAOPS_ALERT_WEBHOOK_TIMEOUT", str(cls.webhook_timeout_seconds))),
            renotify_minutes=float(_env("DATAOPS_ALERT_RENOTIFY_MINUTES", str(cls.renotify_minutes))),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Fail early, naming the variable (never echoing the webhook URL)."""
        if self.sns_topic_arn and not SNS_ARN.match(self.sns_topic_arn):
            raise ValueError(f"DATAOPS_ALERT_SNS_TOPIC_ARN is not an SNS topic ARN: {self.sns_topic_arn!r}")
        if self.webhook_url and not self.webhook_url.startswith(("https://", "http://")):
            raise ValueError("DATAOPS_ALERT_WEBHOOK_URL must be an http(s) URL (value not shown: it is a secret)")
        if not self.ui_url.startswith(("https://", "http://")):
            raise ValueError(f"DATAOPS_UI_URL must be an http(s) URL, got {self.ui_url!r}")
        if self.webhook_timeout_seconds <= 0:
            raise ValueError("DATAOPS_ALERT_WEBHOOK_TIMEOUT must be a positive number of seconds")
        if self.renotify_minutes < 0:
            raise ValueError("DATAOPS_ALERT_RENOTIFY_MINUTES must be zero or a positive number of minutes")

    def run_url(self, run_id: str) -> str:
        return f"{self.ui_url.rstrip('/')}/runs/{run_id}"


# ---------------------------------------------------------------- the deployment


@dataclass(frozen=True)
class Settings:
    """Deployment settings. Every field has an environment variable (DATAOPS_*)."""

    intake_root: str
    lake_root: str
    extra_projects: tuple[Path, ...] = ()  # DATAOPS_EXTRA_PROJECTS: other dg projects whose defs/ join these
    # DATAOPS_DOMAINS: the domains to build (comma list, "*" = all). None (unset): every domain but the
    # optional ones, whose datasets and products sit in a domain folder defs/<domain>/ (personal_analytics)
    domains: tuple[str, ...] | None = None
    partitions_start: str = "2026-01-01"
    spark_master: str = "local[2]"
    spark_driver_memory: str = "4g"
    spark_shuffle_partitions: int = 8
    extra_spark_config: dict[str, str] = field(default_factory=dict)
    aws_endpoint_url: str | None = None  # AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL: S3/SQS endpoint (moto, MinIO)
    aws_region: str | None = None  # AWS_REGION or AWS_DEFAULT_REGION
    intake_queue_url: str | None = None  # DATAOPS_INTAKE_QUEUE_URL: SQS queue of the intake bucket's S3 events
    intake_listing_seconds: int = 5  # DATAOPS_INTAKE_LISTING_SECONDS: interval of the intake listing sensors
    intake_runs: str = "through_gold"  # DATAOPS_INTAKE_RUNS: what an intake run builds (INTAKE_RUNS)
    cache_dir: str = ""  # DATAOPS_CACHE_DIR: local copies of S3 bronze files for Spark (default <data>/cache)
    engine: str = "local"  # DATAOPS_ENGINE: where silver and gold steps run (local | subprocess | databricks)
    databricks: DatabricksSettings = field(default_factory=DatabricksSettings)  # DATAOPS_DATABRICKS_*
    alerts: AlertSettings = field(default_factory=AlertSettings)  # DATAOPS_ALERT_*, DATAOPS_ALERTS_FILE, DATAOPS_UI_URL

    @classmethod
    def from_env(cls) -> "Settings":
        data_dir = _default_data_dir()
        extra_projects = tuple(Path(p) for p in _env("DATAOPS_EXTRA_PROJECTS").split(os.pathsep) if p)
        settings = cls(
            intake_root=_root("DATAOPS_INTAKE_ROOT", str(data_dir / "intake")),
            lake_root=_root("DATAOPS_LAKE_ROOT", str(data_dir / "lake")),
            extra_projects=extra_projects,
            domains=_domains(_env("DATAOPS_DOMAINS")),
            partitions_start=_env("DATAOPS_PARTITIONS_START", cls.partitions_start),
            spark_master=_env("DATAOPS_SPARK_MASTER", cls.spark_master),
            spark_driver_memory=_env("DATAOPS_SPARK_DRIVER_MEMORY", cls.spark_driver_memory),
            spark_shuffle_partitions=int(_env("DATAOPS_SPARK_SHUFFLE_PARTITIONS", str(cls.spark_shuffle_partitions))),
            aws_endpoint_url=_optional("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
            aws_region=_optional("AWS_REGION", "AWS_DEFAULT_REGION"),
            intake_queue_url=_optional("DATAOPS_INTAKE_QUEUE_URL"),
            intake_listing_seconds=int(_env("DATAOPS_INTAKE_LISTING_SECONDS", str(cls.intake_listing_seconds))),
            intake_runs=_env("DATAOPS_INTAKE_RUNS", cls.intake_runs),
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
        if self.intake_runs not in INTAKE_RUNS:
            raise ValueError(f"DATAOPS_INTAKE_RUNS must be one of {INTAKE_RUNS}, got {self.intake_runs!r}")
        if self.intake_listing_seconds < 1:
            raise ValueError("DATAOPS_INTAKE_LISTING_SECONDS must be a positive integer")
        bad = [d for d in self.domains or () if d != ALL_DOMAINS and not DOMAIN_NAME.match(d)]
        if bad or self.domains == ():
            raise ValueError(f"DATAOPS_DOMAINS must list domain names (or *), comma separated, got {bad or ''!r}")

    @property
    def intake_through_gold(self) -> bool:
        """Whether an intake run goes on to silver and the gold products that read it."""
        return self.intake_runs == "through_gold"

    @property
    def output_dir(self) -> Path:
        """Generated documents go next to a local lake (data/ by default, git-ignored), else to ./data."""
        return Path.cwd() / "data" if "://" in self.lake_root else Path(self.lake_root).resolve().parent

    @property
    def report_path(self) -> Path:
        """Where the quality report asset and `dataops quality report` write the HTML page."""
        return self.output_dir / "reports" / "quality_report.html"

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


_BUILDING: ContextVar[Settings | None] = ContextVar("dataops_settings", default=None)


@contextmanager
def building_with(settings: Settings) -> Iterator[Settings]:
    """Definitions built inside this block (components included) use these settings."""
    token = _BUILDING.set(settings)
    try:
        yield settings
    finally:
        _BUILDING.reset(token)


def current_settings() -> Settings:
    """The settings of the definitions being built, else the environment's (`dg` loading a defs folder)."""
    return _BUILDING.get() or Settings.from_env()
