"""The job side of a step: read what to build from the Pipes context, run the same step as
the local engine on this process's SparkSession, report materializations and checks back.

What comes from the Pipes context: the asset keys (silver/<dataset> + quarantine/<dataset>, or
gold/<product>) and the partition key range (daily keys). What comes in its extras: the lake
and intake roots as this process sees them, the table I/O (`spark_delta` | `delta_rs`), and for
silver the declaration's YAML text and the volume history for the anomaly check.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from dagster_pipes import PipesContext, open_dagster_pipes
from pyspark.sql import SparkSession

from dataops_platform.declarations import DatasetDeclaration, ProductDeclaration
from dataops_platform.job.paths import driver_path
from dataops_platform.job.pipes_io import on_databricks, pipes_io
from dataops_platform.layers import GOLD, SILVER, parse_table_path
from dataops_platform.steps import runner as steps
from dataops_platform.steps.replay import silver_or_replay
from dataops_platform.storage.bronze import BronzeStore
from dataops_platform.storage.keys import is_s3_uri
from dataops_platform.storage.layout import TableUris
from dataops_platform.storage.objects import LocalObjectStore, ObjectStore
from dataops_platform.storage.tables import DeltaRsTables, Tables

T = TypeVar("T", DatasetDeclaration, ProductDeclaration)


@dataclass(frozen=True)
class JobLake(TableUris):
    """The lake as the job process sees it: the steps' `Lake`, without Dagster."""

    lake_root: str
    bronze: BronzeStore
    tables: Tables


def _aws() -> tuple[str | None, str | None]:
    """The S3 endpoint and region from the standard AWS variables (None: boto3's own lookup)."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None
    return endpoint, os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None


def job_store(root: str) -> ObjectStore:
    """Objects under a lake or intake root as the job sees it: a driver path (/Volumes/...,
    /dbfs/..., a local folder) or s3://bucket/prefix (credentials from the standard AWS
    variables or the cluster's instance profile; boto3 is imported only then)."""
    if not is_s3_uri(root):
        return LocalObjectStore(driver_path(root))
    from dataops_platform.storage.s3 import S3ObjectStore, aws_client

    return S3ObjectStore.from_uri(root, aws_client("s3", *_aws()))


def job_tables(spark: SparkSession, kind: str, lake_root: str) -> Tables:
    """Table I/O of the job: Spark's Delta (Databricks) or delta-rs (S3 options as for boto3)."""
    if kind == "spark_delta":
        from dataops_platform.storage.spark_delta import SparkDeltaTables

        return SparkDeltaTables(spark)
    if not is_s3_uri(lake_root):
        return DeltaRsTables()
    from dataops_platform.storage.s3 import delta_storage_options

    return DeltaRsTables(delta_storage_options(*_aws()))


def job_lake(spark: SparkSession, extras: dict[str, Any]) -> JobLake:
    lake = job_store(extras["lake_root"])
    root = str(lake.root) if isinstance(lake, LocalObjectStore) else extras["lake_root"].rstrip("/")
    bronze = BronzeStore(lake, job_store(extras.get("intake_root", "")))
    return JobLake(root, bronze, job_tables(spark, extras["tables"], root))


def spark_session() -> SparkSession:
    """Databricks' session on a cluster; elsewhere a local one configured from DATAOPS_* settings."""
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if on_databricks():
        return SparkSession.builder.getOrCreate()
    from dataops_platform.settings import Settings

    builder = SparkSession.builder
    for key, value in Settings.from_env().spark_config().items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def partition_dates(pipes: PipesContext) -> list[dt.date]:
    """Every daily partition key of the run's range, in order."""
    key_range = pipes.partition_key_range
    start, end = dt.date.fromisoformat(key_range["start"]), dt.date.fromisoformat(key_range["end"])
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def declaration_from_json(model: type[T], name: str, text: str) -> T:
    """Validate a declaration exactly as the code location did, from its JSON (`source_text`)."""
    declaration = model.model_validate(json.loads(text))
    if declaration.name != name:
        raise ValueError(f"the declaration sent is {declaration.name!r}, the Pipes context asks for {name!r}")
    return declaration


def run_step(spark: SparkSession, pipes: PipesContext) -> steps.StepResult:
    extras, days = pipes.extras, partition_dates(pipes)
    lake = job_lake(spark, extras)
    layers = dict(parse_table_path(key) for key in pipes.asset_keys)
    if SILVER in layers:
        declaration = declaration_from_json(DatasetDeclaration, layers[SILVER], extras["declaration"])
        history, note = extras.get("volume_history", []), extras.get("replay_note")
        return silver_or_replay(spark, lake, declaration, days, history, pipes.log, note)
    if GOLD in layers:
        product = declaration_from_json(ProductDeclaration, layers[GOLD], extras["product"])
        return steps.run_gold(spark, lake, product, days, pipes.log)
    raise ValueError(f"no silver or gold asset among {list(pipes.asset_keys)}")


_PIPES_TYPES = {bool: "bool", int: "int", float: "float", str: "text", dict: "json", list: "json", tuple: "json"}


def _metadata_type(value: Any) -> str:
    return "null" if value is None else _PIPES_TYPES.get(type(value), "__infer__")


def pipes_metadata(metadata: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Plain metadata with explicit Pipes types, so Dagster stores what the local engine stores."""
    return {key: {"raw_value": value, "type": _metadata_type(value)} for key, value in metadata.items()}


def report(pipes: PipesContext, result: steps.StepResult) -> None:
    for materialization in result.materializations:
        pipes.report_asset_materialization(
            metadata=pipes_metadata(materialization.metadata), asset_key="/".join(materialization.asset_key)
        )
    for check in result.checks:
        outcome = check.outcome  # metadata as check_result() gives it (Pipes has no description)
        pipes.report_asset_check(
            check_name=outcome.name,
            passed=outcome.passed,
            severity=outcome.severity,  # type: ignore[arg-type]
            metadata=pipes_metadata({"summary": outcome.summary, **outcome.metadata}),
            asset_key="/".join(check.asset_key),
        )
    if result.failure:  # a batch held back by a blocking check: the Dagster step fails with the figures
        raise RuntimeError(result.failure)


def run(io_kind: str) -> int:
    """Open Pipes, build the step the context asks for, report it; errors reach the Dagster run."""
    io = pipes_io(io_kind)
    if not io["params_loader"].is_dagster_pipes_process():
        raise SystemExit("no Dagster Pipes context: this entrypoint is launched by Dagster (DATAOPS_ENGINE)")
    spark = spark_session()  # first: the DBFS message writer reads the cluster's Spark conf
    with open_dagster_pipes(**io) as pipes:
        import dataops_platform

        where = f" on Databricks runtime {os.environ['DATABRICKS_RUNTIME_VERSION']}" if on_databricks() else ""
        package = Path(dataops_platform.__file__).parent
        pipes.log.info(f"dataops_platform {dataops_platform.__version__} from {package}{where}")
        report(pipes, run_step(spark, pipes))
    return 0
